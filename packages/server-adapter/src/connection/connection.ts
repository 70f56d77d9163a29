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
import { TokenError } from '../auth/tokens.js';
import type { RequestContext, ServerContext } from '../context.js';
import { toRequestError } from '../errors.js';
import { newSessionId } from '../rooms/ids.js';
import { dispatch } from './dispatch.js';
import type { Subscriber } from './hub.js';
import { roomTopic, userTopic } from './hub.js';
import { TokenBucket, WindowCounter } from './rate-limit.js';

type State = 'auth' | 'open' | 'closing' | 'closed';

/** A queued inbound item: a frame to process, or an answer decided on arrival. */
type Inbound = { raw: string; receivedAt: number } | { reject: Omit<ErrorFrame, 'type' | 'retryable'> };

/** Timers longer than this cannot be scheduled by Node; such tokens simply outlive the check. */
const MAX_TIMER_MS = 2_147_483_647;
/** How far into an oversized frame we look for its request id. */
const ID_SNIFF_BYTES = 256;

/** A random delay in `[min, max)`, so clients told to come back do not return all at once. */
export function jitter(min: number, max: number): number {
  return Math.floor(min + Math.random() * (max - min));
}

/** One authenticated (or authenticating) WebSocket client. */
export class Connection implements Subscriber {
  readonly id = newSessionId();
  readonly #ws: WebSocket;
  readonly #server: ServerContext;
  readonly #log: Logger;
  readonly #bucket: TokenBucket;
  readonly #rejections: WindowCounter;
  readonly #queue: Inbound[] = [];
  readonly #topics = new Set<string>();
  readonly #typingAt = new Map<string, number>();
  /** Frames published to us before `welcome` went out; flushed right after it. */
  #early: string[] | null = [];
  #state: State = 'auth';
  #user: UserInfo | null = null;
  #running = false;
  #idleWaiters: Array<() => void> = [];
  /** Resolves once the newest frame taken from the queue has been answered. */
  #answered: Promise<void> = Promise.resolve();
  #authTimer: NodeJS.Timeout | null;
  #expiryTimer: NodeJS.Timeout | null = null;
  #killTimer: NodeJS.Timeout | null = null;
  /** Cleared by each liveness check, set again by any pong or frame. */
  #alive = true;
  readonly #closed: Promise<void>;

  /** Takes over an upgraded socket; the client must authenticate within the auth timeout. */
  constructor(ws: WebSocket, server: ServerContext, remote: string | undefined) {
    this.#ws = ws;
    this.#server = server;
    this.#log = server.logger.child({ session: this.id });
    const now = Date.now();
    this.#bucket = new TokenBucket(server.options.limits.connectionRate, now);
    this.#rejections = new WindowCounter(server.options.abuse.windowMs);
    server.connections.add(this);
    server.metrics.connections.inc();
    this.#log.info({ remote }, 'connection open');

    this.#closed = new Promise((resolve) => {
      ws.on('close', (code: number) => {
        this.#onClose(code);
        resolve();
      });
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on('error', (error: Error) => this.#log.warn({ err: error }, 'socket error'));
    ws.on('pong', () => {
      this.#alive = true;
    });
    this.#authTimer = setTimeout(() => this.close(CloseCode.AuthTimeout, {}), server.options.timing.authTimeoutMs);
    this.#authTimer.unref();
  }

  /** The authenticated user, or null before `welcome`. */
  get user(): UserInfo | null {
    return this.#user;
  }

  /** Resolves once the socket is closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  // ── output ────────────────────────────────────────────────────────────────

  /** Writes a frame published to one of our topics (already encoded once for every socket). */
  deliver(frame: string): void {
    if (this.#early !== null) this.#early.push(frame);
    else if (this.#state === 'open') this.#write(frame);
  }

  /** Adds or drops the room's subscription when the user joins or leaves it. */
  membershipChanged(room: string, member: boolean): void {
    if (this.#state === 'closed') return;
    const topic = roomTopic(room);
    if (member) this.#subscribe(topic);
    else this.#unsubscribe(topic);
  }

  #send(frame: ServerFrame): void {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    this.#write(JSON.stringify(frame));
  }

  #write(text: string): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.send(text);
    this.#server.metrics.framesOut.inc({ type: frameType(text) });
    if (this.#ws.bufferedAmount > this.#server.options.limits.maxBufferedBytes) {
      this.#log.warn({ buffered: this.#ws.bufferedAmount }, 'slow consumer');
      this.#server.metrics.slowConsumers.inc();
      this.close(CloseCode.SlowConsumer, { retryAfterMs: jitter(1_000, 5_000) });
    }
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
    await this.#closed;
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
    this.#queue.push(item);
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
      while (this.#queue.length > 0 && this.#state !== 'closed' && this.#state !== 'closing') {
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
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Resolves when no frame is being processed or waiting to be answered. */
  async #idle(): Promise<void> {
    if (this.#running) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
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
      server: this.#server,
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
      result = await dispatch(ctx, frame);
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
    server.connections.bindUser(this, user.id);
    try {
      await server.storage.upsertUser(user);
      this.#subscribe(userTopic(user.id));
      const rooms = await server.storage.listUserRooms(user.id);
      if (this.#state !== 'auth') return;
      for (const { room } of rooms) this.#subscribe(roomTopic(room.id));
    } catch (error) {
      this.#log.error({ err: error }, 'could not load the user on auth');
      this.#sendError(frame.id, ErrorCode.Internal, 'internal server error');
      this.close(CloseCode.InternalError, { code: ErrorCode.Internal, retryAfterMs: jitter(1_000, 5_000) });
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
    for (const text of early) this.#write(text);
    server.presence.connected(user.id, now);
    if (verified.expiresAt !== null) this.#scheduleExpiry(verified.expiresAt - now);
  }

  #scheduleExpiry(delay: number): void {
    if (delay > MAX_TIMER_MS) return;
    this.#expiryTimer = setTimeout(
      () => this.close(CloseCode.TokenExpired, { code: ErrorCode.TokenExpired }),
      Math.max(0, delay),
    );
    this.#expiryTimer.unref();
  }

  /** Request handlers call this: at most one `typing: true` per room per throttle interval. */
  allowTyping(room: string, typing: boolean, now: number): boolean {
    if (!typing) {
      const had = this.#typingAt.delete(room);
      return had;
    }
    const last = this.#typingAt.get(room);
    if (last !== undefined && now - last < this.#server.options.timing.typingThrottleMs) return false;
    if (this.#typingAt.size > 100) this.#typingAt.clear();
    this.#typingAt.set(room, now);
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
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#authTimer = null;
    this.#expiryTimer = null;
  }

  #onClose(code: number): void {
    this.#state = 'closed';
    this.#clearTimers();
    if (this.#killTimer) clearTimeout(this.#killTimer);
    this.#queue.length = 0;
    for (const topic of this.#topics) this.#server.hub.unsubscribe(topic, this);
    this.#topics.clear();
    const user = this.#user;
    this.#server.connections.remove(this, user?.id ?? null);
    this.#server.metrics.connections.dec();
    this.#server.metrics.closes.inc({ code: String(code) });
    this.#log.info({ code, user: user?.id }, 'connection closed');
    if (user && !this.#server.draining) {
      const clean = code === CloseCode.Normal || code === CloseCode.GoingAway;
      this.#server.presence.disconnected(user.id, clean, Date.now());
    }
  }
}

/** The `type` of an encoded server frame (they all start with it), for metrics. */
function frameType(text: string): string {
  const prefix = '{"type":"';
  if (!text.startsWith(prefix)) return 'unknown';
  const end = text.indexOf('"', prefix.length);
  return end > 0 ? text.slice(prefix.length, end) : 'unknown';
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
