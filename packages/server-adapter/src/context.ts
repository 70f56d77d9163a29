/** The services one server instance shares between its connections and request handlers. */
import type { RequestArgs, RequestResult, RequestType, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import type { AttachmentFiles } from './attachments/attachment-files.js';
import type { BlobEraser } from './attachments/blob-eraser.js';
import type { TokenService } from './auth/tokens.js';
import type { Connection } from './connection/connection.js';
import type { ConnectionRegistry } from './connection/registry.js';
import type { Hub } from './connection/hub.js';
import type { OutboundBudget } from './connection/outbound-budget.js';
import type { CallService } from './calls/call-service.js';
import type { HealthMonitor } from './health.js';
import type { AttachmentUrls } from './http/attachment-urls.js';
import type { Metrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { Presence } from './presence/presence.js';
import type { Publisher } from './rooms/publisher.js';
import type { Storage } from './storage/storage.js';

/** Everything a handler may use; one per server. */
export interface ServerContext {
  readonly options: ResolvedOptions;
  readonly storage: Storage;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tokens: TokenService;
  readonly hub: Hub;
  readonly publisher: Publisher;
  readonly presence: Presence;
  readonly connections: ConnectionRegistry<Connection>;
  /** The node-wide cap on queued outbound bytes (`maxQueuedBytes`). */
  readonly outbound: OutboundBudget<Connection>;
  readonly attachmentUrls: AttachmentUrls;
  /** Attachment bytes on disk (sealed when an encryption key is configured). */
  readonly attachments: AttachmentFiles;
  /** Deletes the files of erased attachments (deleted or purged messages). */
  readonly eraser: BlobEraser;
  /** Set once `close()` began: new work is refused with `unavailable`. */
  readonly draining: boolean;
  /** Active calls and their media workers. */
  readonly calls: CallService;
  /** Whether this node hears its peers and reaches its database, for `/healthz`. */
  readonly health: HealthMonitor;
}

/** What a request handler knows about the request. */
export interface RequestContext {
  readonly server: ServerContext;
  readonly user: UserInfo;
  /** The connection the request came on (for per-connection throttles). */
  readonly connection: {
    readonly id: string;
    allowTyping(room: string, typing: boolean, now: number): boolean;
    /** Writes an encoded frame to this socket (call events go to the joined connection only). */
    deliver(frame: string): void;
  };
  /** When processing started (epoch ms); one clock reading per request. */
  readonly now: number;
  /** When the frame arrived (epoch ms), for latency metrics. */
  readonly receivedAt: number;
  /** Runs `fn` after the ack is written (fan-out), before the next frame's answer. */
  defer(fn: () => Promise<void>): void;
  /**
   * The handler has handed its write to storage, which commits writes in the
   * order they were handed over. The connection may start on its next frame
   * while this one commits (so one client's burst shares group commits);
   * answers and fan-out still go out in frame order. Call it only after the
   * last check that could fail the request.
   */
  committing(): void;
}

/** Handles one request type: arguments in, result out; throws `RequestError` for expected failures. */
export type Handler<K extends RequestType> = (ctx: RequestContext, args: RequestArgs<K>) => Promise<RequestResult<K>>;

/** A set of handlers for some request types. */
export type HandlerMap<K extends RequestType = RequestType> = { [P in K]: Handler<P> };
