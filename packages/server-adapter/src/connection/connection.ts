/**
 * One client socket: authentication, the in-order frame queue, rate limits,
 * output with slow-consumer protection, and room subscriptions.
 */
import type { RawData, WebSocket } from 'ws';
import { CloseCode, ErrorCode, PROTOCOL_VERSION, encodeCloseReason, isRetryableError } from '@parley/sdk/protocol';
import type {
  AuthFrame,
  CloseReason,
  ErrorFrame,
  RequestFrame,
  RequestResult,
  RequestType,
  ServerFrame,
  UserInfo,
  WelcomeFrame,
} from '@parley/sdk/protocol';
import { parseClientFrame } from '@parley/sdk/protocol/schema';
import type { Logger } from 'pino';
import { TokenError, revokes } from '../auth/tokens.js';
import type { RequestContext } from '../handlers/services.js';
import { toRequestError } from '../errors.js';
import { closeCodeLabel } from '../metrics.js';
import { newSessionId } from '../rooms/ids.js';
import { isStorageError } from '../storage/errors.js';
import { SEND_TEXT, sendFramed } from './framed-send.js';
import { ExpiryWatch } from './expiry.js';
import type { Expiring } from './expiry.js';
import type { EncodedFrame, Subscriber } from './hub.js';
import { roomTopic, userTopic } from '../bus/topics.js';
import { frameType } from './hub.js';
import { TokenBucket, WindowCounter } from './rate-limit.js';
import type { SocketServices } from './services.js';

type State = 'auth' | 'open' | 'closing' | 'closed';

/** A queued inbound item: a frame to process, or an answer decided on arrival. */
type Inbound = { raw: string; receivedAt: number } | { reject: Omit<ErrorFrame, 'type' | 'retryable'> };

/** An outbound frame held until `welcome` has gone out: its text or broadcast encoding, and its `type` (for metrics). */
interface Held {
  data: string | EncodedFrame;
  type: string;
}
/** The answer chain's starting point, shared: a fresh connection has answered nothing. */
const NOTHING_PENDING: Promise<void> = Promise.resolve();

/** Where a socket keeps its `Connection`, for the listeners every socket shares. */
const CONNECTION = Symbol('parley.connection');
type OwnedSocket = WebSocket & { [CONNECTION]?: Connection };

/** Token expiry of every connection in the process, on one timer. */
const expiries = new ExpiryWatch<Connection>();
/** How far into an oversized frame we look for its request id. */
const ID_SNIFF_BYTES = 256;

/** A random delay in `[min, max)`, so clients told to come back do not return all at once. */
export function jitter(min: number, max: number): number {
  return Math.floor(min + Math.random() * (max - min));
}

/** One authenticated (or authenticating) WebSocket client. */
export class Connection implements Subscriber, Expiring {
  readonly id = newSessionId();
  readonly #ws: WebSocket;
  readonly #server: SocketServices;
  readonly #bucket: TokenBucket;
  readonly #topics = new Set<string>();
  // Allocated on first use (and dropped when empty where that is cheap): most
  // connections sit idle and never need them, and at 10 000 sockets they add up.
  #logger: Logger | null = null;
  #rejections: WindowCounter | null = null;
  #queue: Inbound[] | null = null;
  #typingAt: Map<string, number> | null = null;
  /** Frames published to us before `welcome` went out; flushed right after it. */
  #early: Held[] | null = null;
  #state: State = 'auth';
  #user: UserInfo | null = null;
  /** When the token was issued (epoch ms), for revocation. */
  #issuedAt: number | null = null;
  #running = false;
  #idleWaiters: Array<() => void> | null = null;
  /** Resolves once the newest frame taken from the queue has been answered. */
  #answered: Promise<void> = NOTHING_PENDING;
  #authTimer: NodeJS.Timeout | null;
  /** The token's expiry second while it is watched (see `ExpiryWatch`). */
  #expiryKey: number | null = null;
  #killTimer: NodeJS.Timeout | null = null;
  /** Cleared by each liveness check, set again by any pong or frame. */
  #alive = true;
  /** This socket's share of the node's queued-bytes estimate (kept by `OutboundBudget`). */
  budgetShare = 0;
  /** Made when someone waits for the close (shutdown), not for every socket. */
  #closed: { promise: Promise<void>; resolve: () => void } | null = null;

  /** Takes over an upgraded socket; the client must authenticate within the auth timeout. */
  constructor(ws: WebSocket, server: SocketServices, remote: string | undefined) {
    this.#ws = ws;
    this.#server = server;
    const now = Date.now();
    this.#bucket = new TokenBucket(server.options.limits.connectionRate, now);
    server.connections.add(this);
    server.metrics.connections.inc();
    // The same fields the child logger would add, without making one for a line that may not be written.
    server.logger.info({ session: this.id, remote }, 'connection open');

    // One set of listener functions for every socket (no closures per connection); each finds its connection on the socket.
    (ws as OwnedSocket)[CONNECTION] = this;
    const listeners = Connection.#listeners;
    /* eslint-disable @typescript-eslint/unbound-method -- `ws` calls its listeners with the socket as `this`, which is what they take */
    ws.on('close', listeners.close);
    ws.on('message', listeners.message);
    ws.on('error', listeners.error);
    ws.on('pong', listeners.pong);
    /* eslint-enable @typescript-eslint/unbound-method */
    this.#authTimer = setTimeout(() => this.close(CloseCode.AuthTimeout, {}), server.options.timing.authTimeoutMs);
    this.#authTimer.unref();
  }

  /** This connection's logger: a child carrying the session id, made on first use and only when logging is on. */
  get #log(): Logger {
    if (this.#logger) return this.#logger;
    const root = this.#server.logger;
    // A silent logger writes nothing: no child (and its memory) for every idle socket.
    if (!root.isLevelEnabled('fatal')) return root;
    return (this.#logger = root.child({ session: this.id }));
  }

  /** The authenticated user, or null before `welcome`. */
  get user(): UserInfo | null {
    return this.#user;
  }

  /** Resolves once the socket is closed. */
  get closed(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    if (!this.#closed) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#closed = { promise, resolve };
    }
    return this.#closed.promise;
  }

  /** The socket listeners, shared by every connection. */
  static readonly #listeners = {
    close: function (this: OwnedSocket, code: number): void {
      const connection = this[CONNECTION];
      if (!connection) return;
      connection.#onClose(code);
      connection.#closed?.resolve();
    },
    message: function (this: OwnedSocket, data: RawData, isBinary: boolean): void {
      const connection = this[CONNECTION];
      if (connection) connection.#onMessage(data, isBinary);
    },
    error: function (this: OwnedSocket, error: Error): void {
      const connection = this[CONNECTION];
      if (connection) connection.#log.warn({ err: error }, 'socket error');
    },
    pong: function (this: OwnedSocket): void {
      const connection = this[CONNECTION];
      if (connection) connection.#alive = true;
    },
  };

  // ── output ────────────────────────────────────────────────────────────────

  /** Writes an encoded frame to this socket alone (call events). */
  deliver(frame: string): void {
    this.#output(frame, frameType(frame));
  }

  /** Writes a frame published to one of our topics, encoded once by the hub for every socket. */
  deliverEncoded(frame: EncodedFrame): void {
    this.#output(frame, frame.type);
  }

  /** Writes a delivered frame now, holds it until `welcome` has gone out, or drops it once closing. */
  #output(data: string | EncodedFrame, type: string): void {
    if (this.#state === 'auth') (this.#early ??= []).push({ data, type });
    else if (this.#state === 'open') this.#write(data, type);
  }

  /** Adds or drops the room's subscription when the user joins or leaves it. */
  membershipChanged(room: string, member: boolean): void {
    if (this.#state === 'closed') return;
    const topic = roomTopic(room);
    if (member) this.#subscribe(topic);
    else this.#unsubscribe(topic);
    // No longer a member: no longer in the room's call either.
    if (!member && this.#user) this.#server.calls.membershipLost(room, this.#user.id);
  }

  /** Bytes queued for this socket and not yet taken by the kernel; 0 once closing. */
  get queuedBytes(): number {
    return this.#ws.readyState === this.#ws.OPEN ? this.#ws.bufferedAmount : 0;
  }

  /** Closes as a slow consumer (the node is over `maxQueuedBytes` and this socket holds the most). */
  shed(): void {
    this.#server.metrics.slowConsumers.inc();
    this.close(CloseCode.SlowConsumer, { retryAfterMs: jitter(1_000, 5_000) });
  }

  #send(frame: ServerFrame): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    this.#write(JSON.stringify(frame), frame.type);
  }

  /**
   * Writes a frame's text, or a broadcast's ready frame (the same bytes for
   * every socket). Bytes also make `bufferedAmount` count bytes: for a
   * string, Node counts UTF-16 code units, fewer than the bytes of non-ASCII text.
   */
  #write(data: string | EncodedFrame, type: string): void {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN) return;
    if (typeof data === 'string') {
      ws.send(data, SEND_TEXT);
      this.#server.metrics.framesOut.inc({ type });
    } else {
      sendFramed(ws, data.bytes, data.framed);
      // One labelled increment per broadcast, once the hub has written it to every socket (same task).
      if (data.written++ === 0) queueMicrotask(() => this.#server.metrics.framesOut.inc({ type: data.type }, data.written));
    }
    const buffered = ws.bufferedAmount;
    if (buffered > this.#server.options.limits.maxBufferedBytes) {
      this.#log.warn({ buffered }, 'slow consumer');
      this.shed();
      this.#server.outbound.forget(this);
      return;
    }
    this.#server.outbound.wrote(this, buffered);
  }

  #sendError(id: number | undefined, code: ErrorCode, message: string, retryAfterMs?: number): void {
    const frame: ErrorFrame = { type: 'error', code, message, retryable: isRetryableError(code) };
    if (id !== undefined) frame.id = id;
    if (retryAfterMs !== undefined) frame.retryAfterMs = retryAfterMs;
    this.#server.metrics.errors.inc({ code });
    this.#send(frame);
  }

  /** Closes with `code` and a JSON reason; cuts the socket if the client does not answer in time. */
  close(code: number, reason: CloseReason): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.#early = null;
    this.#clearTimers();
    this.#ws.close(code, encodeCloseReason(reason));
    this.#killTimer = setTimeout(() => this.#ws.terminate(), this.#server.options.timing.closeTimeoutMs);
    this.#killTimer.unref();
  }

  /**
   * Server shutdown: finishes the frames already received, then closes with
   * 1001 and a jittered `retryAfterMs`. Resolves when the socket is closed.
   */
  async drain(): Promise<void> {
    await this.#idle();
    this.close(CloseCode.GoingAway, { retryAfterMs: jitter(1_000, 5_000) });
    await this.closed;
  }

  /**
   * Liveness, called every ping interval: a socket that answered neither the
   * previous WebSocket ping nor sent anything since is dead (a vanished peer
   * never sends a FIN) and is cut; otherwise it gets a new ping.
   */
  checkAlive(): void {
    if (this.#state === 'closed') return;
    if (!this.#alive) {
      this.#log.info('no pong; dropping the socket');
      this.#ws.terminate();
      return;
    }
    this.#alive = false;
    try {
      this.#ws.ping();
    } catch {
      // Socket already closing; the close handler cleans up.
    }
  }

  // ── input ─────────────────────────────────────────────────────────────────

  #onMessage(data: RawData, isBinary: boolean): void {
    this.#alive = true;
    try {
      this.#accept(data, isBinary);
    } catch (error) {
      // Never let one client's frame take the process down.
      this.#log.error({ err: error }, 'could not accept a frame');
    }
  }

  #accept(data: RawData, isBinary: boolean): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    const bytes = toBuffer(data);
    const now = Date.now();
    const wait = this.#takeToken(now);
    if (wait > 0) {
      this.#rejections ??= new WindowCounter(this.#server.options.abuse.windowMs);
      if (this.#rejections.hit(now) >= this.#server.options.abuse.maxRejectedFrames) {
        this.#log.warn('client ignores rate limits; disconnecting');
        this.close(CloseCode.RateLimited, { code: ErrorCode.RateLimited, retryAfterMs: this.#server.options.abuse.windowMs });
        return;
      }
      this.#enqueue({ reject: { id: sniffId(bytes), code: ErrorCode.RateLimited, message: 'too many frames', retryAfterMs: wait } });
      return;
    }
    if (isBinary) {
      this.#enqueue({ reject: { code: ErrorCode.BadRequest, message: 'binary frames are not supported' } });
    } else if (bytes.length > this.#server.options.limits.maxFrameBytes) {
      this.#enqueue({
        reject: {
          id: sniffId(bytes),
          code: ErrorCode.FrameTooLarge,
          message: `frame exceeds ${this.#server.options.limits.maxFrameBytes} bytes`,
        },
      });
    } else {
      this.#enqueue({ raw: bytes.toString('utf8'), receivedAt: now });
    }
  }

  /** Takes a token from the connection's and the user's buckets; returns 0 or the wait in ms. */
  #takeToken(now: number): number {
    const wait = this.#bucket.take(now);
    if (wait > 0) {
      this.#server.metrics.rateLimited.inc({ scope: 'connection' });
      return wait;
    }
    if (this.#user) {
      const userWait = this.#server.connections.userBucket(this.#user.id, now).take(now);
      if (userWait > 0) {
        this.#bucket.refund();
        this.#server.metrics.rateLimited.inc({ scope: 'user' });
        return userWait;
      }
    }
    return 0;
  }

  #enqueue(item: Inbound): void {
    (this.#queue ??= []).push(item);
    void this.#pump();
  }

  /**
   * Processes queued frames in arrival order. A frame normally finishes before
   * the next starts; a handler that calls `committing()` lets the next frame
   * start while its write commits. Every frame's answer waits for the answer of
   * the frame before it, so acks, errors and fan-out leave in arrival order.
   */
  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue !== null && this.#queue.length > 0 && this.#state !== 'closed' && this.#state !== 'closing') {
        const item = this.#queue.shift();
        if (!item) break;
        const turn = this.#answered;
        let finish!: () => void;
        this.#answered = new Promise((resolve) => (finish = resolve));
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const done = this.#process(item, turn, release)
          .catch((error: unknown) => {
            // #process answers every failure itself; this only guards against a bug there.
            this.#log.error({ err: error }, 'frame processing failed');
          })
          .finally(finish);
        await Promise.race([released, done]);
      }
    } finally {
      this.#running = false;
      if (this.#queue?.length === 0) this.#queue = null;
      const waiters = this.#idleWaiters;
      this.#idleWaiters = null;
      for (const resolve of waiters ?? []) resolve();
    }
  }

  /** Resolves when no frame is being processed or waiting to be answered. */
  async #idle(): Promise<void> {
    if (this.#running) await new Promise<void>((resolve) => (this.#idleWaiters ??= []).push(resolve));
    await this.#answered;
  }

  /**
   * Handles one inbound item. `turn` resolves once the previous frame was
   * answered; `release` lets the pump move on early (see `committing()`).
   */
  async #process(item: Inbound, turn: Promise<void>, release: () => void): Promise<void> {
    if ('reject' in item) {
      await turn;
      const { id, code, message, retryAfterMs } = item.reject;
      this.#sendError(id, code, message, retryAfterMs);
      return;
    }
    const parsed = parseClientFrame(item.raw);
    if (!parsed.ok) {
      this.#server.metrics.framesIn.inc({ type: 'invalid' });
      await turn;
      this.#sendError(parsed.id, ErrorCode.BadRequest, parsed.message);
      return;
    }
    const frame = parsed.frame;
    this.#server.metrics.framesIn.inc({ type: frame.type });
    // Everything below depends on state the previous frame may still change (auth, shutdown).
    if (frame.type === 'auth') {
      await turn;
      if (this.#state === 'auth') await this.#authenticate(frame);
      else this.#sendError(frame.id, ErrorCode.BadRequest, 'already authenticated');
      return;
    }
    if (this.#state === 'auth' || !this.#user) {
      await turn;
      this.#sendError(frame.id, ErrorCode.Unauthenticated, 'the first frame must be auth');
      return;
    }
    if (this.#server.draining) {
      await turn;
      this.#sendError(frame.id, ErrorCode.Unavailable, 'the server is shutting down', jitter(1_000, 5_000));
      return;
    }
    await this.#request(frame, this.#user, item.receivedAt, turn, release);
  }

  async #request(
    frame: RequestFrame,
    user: UserInfo,
    receivedAt: number,
    turn: Promise<void>,
    release: () => void,
  ): Promise<void> {
    const deferred: Array<() => Promise<void>> = [];
    const ctx: RequestContext = {
      services: this.#server.requestServices,
      user,
      connection: this,
      now: Date.now(),
      receivedAt,
      defer: (fn) => deferred.push(fn),
      committing: release,
    };
    let result: RequestResult<RequestType> | undefined;
    let failure: unknown;
    let failed = false;
    try {
      result = await this.#server.dispatch(ctx, frame);
    } catch (error) {
      failed = true;
      failure = error;
    }
    await turn;
    if (failed) {
      const known = toRequestError(failure);
      if (known) {
        this.#sendError(frame.id, known.code, known.message, known.retryAfterMs);
      } else {
        this.#log.error({ err: failure, op: frame.type }, 'request failed');
        this.#sendError(frame.id, ErrorCode.Internal, 'internal server error');
      }
      return;
    }
    this.#send({ type: 'ack', id: frame.id, result: result as RequestResult<RequestType> });
    // Fan-out after the ack, so the sender sees its ack before the event.
    for (const fn of deferred) {
      try {
        await fn();
      } catch (error) {
        this.#log.error({ err: error, op: frame.type }, 'fan-out failed');
      }
    }
  }

  async #authenticate(frame: AuthFrame): Promise<void> {
    const server = this.#server;
    if (frame.v !== PROTOCOL_VERSION) {
      this.#sendError(frame.id, ErrorCode.UnsupportedVersion, `protocol version ${PROTOCOL_VERSION} only`);
      this.close(CloseCode.UnsupportedVersion, { code: ErrorCode.UnsupportedVersion });
      return;
    }
    let verified;
    try {
      verified = await server.tokens.verify(frame.token);
    } catch (error) {
      const code = error instanceof TokenError ? error.code : ErrorCode.AuthFailed;
      const expired = code === ErrorCode.TokenExpired;
      this.#sendError(frame.id, code, expired ? 'the token has expired' : 'the token could not be verified');
      this.close(expired ? CloseCode.TokenExpired : CloseCode.AuthFailed, { code });
      return;
    }
    if (this.#state !== 'auth') return;
    const user = verified.user;
    if (server.connections.count(user.id) >= server.options.limits.maxConnectionsPerUser) {
      this.#log.warn({ user: user.id }, 'too many connections');
      this.close(CloseCode.TooManyConnections, { retryAfterMs: jitter(5_000, 15_000) });
      return;
    }
    if (this.#authTimer) clearTimeout(this.#authTimer);
    this.#authTimer = null;
    this.#user = user;
    this.#issuedAt = verified.issuedAt;
    server.connections.bindUser(this, user.id);
    try {
      await server.storage.upsertUser(user);
      this.#subscribe(userTopic(user.id));
      const rooms = await server.storage.listUserRooms(user.id);
      if (this.#state !== 'auth') return;
      for (const { room } of rooms) this.#subscribe(roomTopic(room.id));
    } catch (error) {
      const retryAfterMs = jitter(1_000, 5_000);
      if (isStorageError(error, 'unavailable')) {
        // The database is away: the client is told to come back, spread out, rather than that something broke.
        this.#log.warn({ err: error }, 'storage unavailable on auth');
        this.#sendError(frame.id, ErrorCode.Unavailable, 'storage is unavailable; try again', retryAfterMs);
        this.close(CloseCode.TryAgainLater, { code: ErrorCode.Unavailable, retryAfterMs });
        return;
      }
      this.#log.error({ err: error }, 'could not load the user on auth');
      this.#sendError(frame.id, ErrorCode.Internal, 'internal server error');
      this.close(CloseCode.InternalError, { code: ErrorCode.Internal, retryAfterMs });
      return;
    }
    const now = Date.now();
    this.#state = 'open';
    this.#log.info({ user: user.id }, 'authenticated');
    const welcome: WelcomeFrame = {
      type: 'welcome',
      id: frame.id,
      v: PROTOCOL_VERSION,
      user,
      session: this.id,
      serverTime: now,
      heartbeatMs: server.options.timing.heartbeatMs,
      limits: server.options.limits,
    };
    this.#send(welcome);
    const early = this.#early ?? [];
    this.#early = null;
    for (const held of early) this.#write(held.data, held.type);
    server.presence.connected(user.id, now);
    if (verified.expiresAt !== null) this.#expiryKey = expiries.add(this, verified.expiresAt);
  }

  /** The host ended `user`'s sessions as of `before` (epoch ms): closes this socket if its token is older. */
  sessionsRevoked(user: string, before: number): void {
    if (this.#user?.id !== user || !revokes(before, this.#issuedAt)) return;
    this.close(CloseCode.AuthFailed, { code: ErrorCode.SessionRevoked });
  }

  /** The token has expired: closes with 4004 (called by the expiry watch). */
  expire(): void {
    this.#expiryKey = null;
    this.close(CloseCode.TokenExpired, { code: ErrorCode.TokenExpired });
  }

  /** Request handlers call this: at most one `typing: true` per room per throttle interval. */
  allowTyping(room: string, typing: boolean, now: number): boolean {
    if (!typing) {
      const had = this.#typingAt?.delete(room) ?? false;
      return had;
    }
    const typingAt = (this.#typingAt ??= new Map<string, number>());
    const last = typingAt.get(room);
    if (last !== undefined && now - last < this.#server.options.timing.typingThrottleMs) return false;
    if (typingAt.size > 100) typingAt.clear();
    typingAt.set(room, now);
    return true;
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────

  #subscribe(topic: string): void {
    if (this.#topics.has(topic)) return;
    this.#topics.add(topic);
    this.#server.hub.subscribe(topic, this);
  }

  #unsubscribe(topic: string): void {
    if (!this.#topics.delete(topic)) return;
    this.#server.hub.unsubscribe(topic, this);
  }

  #clearTimers(): void {
    if (this.#authTimer) clearTimeout(this.#authTimer);
    if (this.#expiryKey !== null) expiries.remove(this, this.#expiryKey);
    this.#authTimer = null;
    this.#expiryKey = null;
  }

  #onClose(code: number): void {
    this.#state = 'closed';
    this.#clearTimers();
    if (this.#killTimer) clearTimeout(this.#killTimer);
    this.#queue = null;
    for (const topic of this.#topics) this.#server.hub.unsubscribe(topic, this);
    this.#topics.clear();
    this.#server.outbound.forget(this);
    // Frees this socket's call transports, producers and consumers.
    this.#server.calls.connectionClosed(this.id);
    const user = this.#user;
    this.#server.connections.remove(this, user?.id ?? null);
    this.#server.metrics.connections.dec();
    this.#server.metrics.closes.inc({ code: closeCodeLabel(code) });
    this.#log.info({ code, user: user?.id }, 'connection closed');
    if (user && !this.#server.draining) {
      const clean = code === CloseCode.Normal || code === CloseCode.GoingAway;
      this.#server.presence.disconnected(user.id, clean, Date.now());
    }
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Reads a request id near the start of a frame we will not parse (clients put it second). */
function sniffId(bytes: Buffer): number | undefined {
  const head = bytes.subarray(0, ID_SNIFF_BYTES).toString('latin1');
  const match = /"id"\s*:\s*(\d{1,15})\b/.exec(head);
  return match ? Number(match[1]) : undefined;
}
