/**
 * What a chat socket may use of the server. The composition root
 * (`server.ts`) builds the object that satisfies this and `HandlerServices`;
 * a socket hands `requestServices` to the handlers it dispatches to, and
 * tells `observer` when it opens, loses a room and closes.
 */
import type { Logger } from 'pino';
import type { TokenService } from '../auth/tokens.js';
import type { Dispatch, HandlerServices } from '../handlers/services.js';
import type { Metrics } from '../metrics.js';
import type { ResolvedOptions } from '../options.js';
import type { Hub } from '../sockets/hub.js';
import type { ManagedSocketServices, SocketObserver } from '../sockets/managed-socket.js';
import type { OutboundBudget } from '../sockets/outbound-budget.js';
import type { Storage } from '../storage/storage.js';
import type { ConnectionRegistry } from './registry.js';

/** What one chat socket uses; one per server. */
export interface SocketServices extends ManagedSocketServices {
  readonly options: Pick<ResolvedOptions, 'limits' | 'timing' | 'abuse'>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tokens: Pick<TokenService, 'verify'>;
  /** The handshake records the user and reads their rooms. */
  readonly storage: Pick<Storage, 'upsertUser' | 'listUserRooms'>;
  /** Topic subscriptions of this node's sockets. */
  readonly hub: Hub;
  /** The open chat sockets, by user, with the per-user rate buckets. */
  readonly connections: ConnectionRegistry;
  /** The node-wide cap on queued outbound bytes (`maxQueuedBytes`). */
  readonly outbound: OutboundBudget;
  /** Presence, calls and the registry follow the chat sockets here (wired in `server.ts`). */
  readonly observer: SocketObserver;
  /** Set once `close()` began: new work is refused with `unavailable`. */
  readonly draining: boolean;
  /** Routes a validated request to its handler. */
  readonly dispatch: Dispatch;
  /** What the handlers get as `ctx.services`. */
  readonly requestServices: HandlerServices;
}
