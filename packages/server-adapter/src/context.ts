/**
 * What the HTTP routes and the workspace endpoint take: the services of
 * handlers and of chat sockets, with the full types of what they share, and
 * the parts only HTTP uses. Request handlers take `HandlerServices`
 * (`handlers/services.ts`), chat sockets `SocketServices`
 * (`connection/services.ts`); `server.ts` builds the one object behind all three.
 */
import type { AttachmentFiles } from './attachments/attachment-files.js';
import type { TokenService } from './auth/tokens.js';
import type { CallService } from './calls/call-service.js';
import type { SocketServices } from './connection/services.js';
import type { HandlerServices } from './handlers/services.js';
import type { HealthMonitor } from './health.js';
import type { AttachmentUrls } from './http/attachment-urls.js';
import type { Metrics } from './metrics.js';
import type { Presence } from './presence/presence.js';
import type { ResolvedOptions } from './options.js';
import type { Storage } from './storage/storage.js';

/** Everything of one server that HTTP routes and workspace sockets use. */
export interface ServerContext extends HandlerServices, SocketServices {
  readonly options: ResolvedOptions;
  readonly storage: Storage;
  readonly metrics: Metrics;
  readonly tokens: TokenService;
  readonly calls: CallService;
  readonly presence: Presence;
  readonly attachmentUrls: AttachmentUrls;
  /** Attachment bytes on disk (sealed when an encryption key is configured). */
  readonly attachments: AttachmentFiles;
  /** Whether this node hears its peers and reaches its database, for `/healthz`. */
  readonly health: HealthMonitor;
}
