/**
 * The contract of request handlers: what a handler may use of the server
 * (`HandlerServices`) and what it knows about one request (`RequestContext`).
 * Handlers (`rooms/`, `presence/`, `calls/`) import these types only; they
 * never see sockets. The composition root (`server.ts`) builds the object
 * that satisfies this interface; `dispatch.ts` routes requests to handlers.
 */
import type { RequestArgs, RequestFrame, RequestResult, RequestType, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import type { BlobEraser } from '../attachments/blob-eraser.js';
import type { CallService } from '../calls/call-service.js';
import type { Metrics } from '../metrics.js';
import type { ResolvedOptions } from '../options.js';
import type { Presence } from '../presence/presence.js';
import type { Quotas } from '../quotas/quotas.js';
import type { Publisher } from '../rooms/publisher.js';
import type { Storage } from '../storage/storage.js';

/** The options handlers read. */
export type HandlerOptions = Pick<ResolvedOptions, 'limits' | 'hooks' | 'invitations' | 'calls' | 'quotas' | 'searchTimeoutMs'>;

/** Signs download URLs of attachments (the HTTP routes serve them). */
export interface AttachmentUrlSigner {
  sign(attachmentId: string, now: number): { url: string; expiresAt: number };
}

/** What request handlers may use; one per server. */
export interface HandlerServices {
  readonly options: HandlerOptions;
  readonly storage: Storage;
  readonly logger: Logger;
  /** Handlers observe the commit latency of sends. */
  readonly metrics: Pick<Metrics, 'commitSeconds'>;
  /** Publishes events to rooms and users over the bus. */
  readonly publisher: Publisher;
  readonly presence: Presence;
  /** Per-user and per-room bounds: search, room creation, invites, bytes to rooms, pending uploads. */
  readonly quotas: Quotas;
  /** Active calls and their media workers. */
  readonly calls: CallService;
  readonly attachmentUrls: AttachmentUrlSigner;
  /** Deletes the files of erased attachments (deleted or purged messages). */
  readonly eraser: Pick<BlobEraser, 'run'>;
}

/** The socket a request came on, as far as handlers may touch it. */
export interface RequestConnection {
  readonly id: string;
  /** At most one `typing: true` per room per throttle interval on this socket. */
  allowTyping(room: string, typing: boolean, now: number): boolean;
  /** Writes an encoded frame to this socket (call events go to the joined connection only). */
  deliver(frame: string): void;
}

/** What a request handler knows about the request. */
export interface RequestContext {
  readonly services: HandlerServices;
  readonly user: UserInfo;
  /** The connection the request came on (for per-connection throttles and call events). */
  readonly connection: RequestConnection;
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

/** Runs the handler of `frame.type` (the table is in `dispatch.ts`); throws what the handler throws. */
export type Dispatch = (ctx: RequestContext, frame: RequestFrame) => Promise<RequestResult<RequestType>>;
