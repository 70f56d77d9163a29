/**
 * One chat socket (`/v1/ws`): the `auth` handshake (`handshake.ts`), then
 * frames checked on arrival (rate, size) and taken in order through the
 * request pipeline (`request-pipeline.ts`) to their handlers, answered in
 * that order; events of its user's and rooms' topics (`subscriptions.ts`)
 * written as they come (`output.ts`). Liveness, closing, the slow-consumer
 * guard, expiry and revocation come from `ManagedSocket`; presence, calls
 * and the registry of sockets hear of its opening and closing through the
 * observer.
 */
import type { RawData, WebSocket } from 'ws';
import { CloseCode, ErrorCode, isRetryableError } from '@parley/sdk/protocol';
import type { AuthFrame, ErrorFrame, RequestFrame, RequestResult, RequestType, ServerFrame, UserInfo } from '@parley/sdk/protocol';
import { parseClientFrame } from '@parley/sdk/protocol/schema';
import type { Logger } from 'pino';
import { roomTopic, userTopic } from '../bus/topics.js';
import { toRequestError } from '../errors.js';
import type { RequestConnection, RequestContext } from '../handlers/services.js';
import { closeCodeLabel } from '../metrics.js';
import { TokenBucket, WindowCounter } from '../quotas/rate-limit.js';
import { frameType } from '../sockets/encoded-frame.js';
import type { EncodedFrame } from '../sockets/encoded-frame.js';
import type { Subscriber } from '../sockets/hub.js';
import { jitter } from '../sockets/jitter.js';
import { ManagedSocket } from '../sockets/managed-socket.js';
import type { SocketWording } from '../sockets/managed-socket.js';
import { checkAuth, loadFailed, tooManyConnections, welcomeFrame } from './handshake.js';
import type { Refusal } from './handshake.js';
import { sniffId, toBuffer } from './inbound.js';
import type { Inbound } from './inbound.js';
import { writeFrame } from './output.js';
import type { Held } from './output.js';
import { RequestPipeline } from './request-pipeline.js';
import type { PipelineOwner } from './request-pipeline.js';
import type { SocketServices } from './services.js';
import { TopicSubscriptions } from './subscriptions.js';
import { TypingThrottle } from './typing-throttle.js';

const WORDING: SocketWording = { error: 'socket error', noPong: 'no pong; dropping the socket', slowConsumer: 'slow consumer' };

/** One authenticated (or authenticating) chat socket; see the module comment. */
export class Connection extends ManagedSocket<SocketServices> implements Subscriber, PipelineOwner, RequestConnection {
  readonly #bucket: TokenBucket;
  readonly #subscriptions: TopicSubscriptions;
  readonly #pipeline: RequestPipeline;
  // Allocated on first use: most sockets sit idle and never need them, and at 10 000 sockets they add up.
  #logger: Logger | null = null;
  #rejections: WindowCounter | null = null;
  #typing: TypingThrottle | null = null;
  /** Frames published to us before `welcome` went out; flushed right after it. */
  #early: Held[] | null = null;
  #authTimer: NodeJS.Timeout | null;

  /** Takes over an upgraded socket; the client must authenticate within the auth timeout. */
  constructor(ws: WebSocket, services: SocketServices, remote: string | undefined) {
    super(ws, services);
    this.#bucket = new TokenBucket(services.options.limits.connectionRate, Date.now());
    this.#subscriptions = new TopicSubscriptions(services.hub, this);
    this.#pipeline = new RequestPipeline(this);
    services.connections.add(this);
    services.metrics.connections.inc();
    // The same fields the child logger would add, without making one for a line that may not be written.
    services.logger.info({ session: this.id, remote }, 'connection open');
    this.#authTimer = setTimeout(() => this.close(CloseCode.AuthTimeout, {}), services.options.timing.authTimeoutMs);
    this.#authTimer.unref();
  }

  /** This connection's logger: a child carrying the session id, made on first use and only when logging is on. */
  protected get log(): Logger {
    if (this.#logger) return this.#logger;
    const root = this.services.logger;
    // A silent logger writes nothing: no child (and its memory) for every idle socket.
    if (!root.isLevelEnabled('fatal')) return root;
    return (this.#logger = root.child({ session: this.id }));
  }

  protected get wording(): SocketWording {
    return WORDING;
  }

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
    const state = this.state;
    if (state === 'opening') (this.#early ??= []).push({ data, type });
    else if (state === 'open') this.#write(data, type);
  }

  /** Adds or drops the room's subscription when the user joins or leaves it. */
  membershipChanged(room: string, member: boolean): void {
    if (this.state === 'closed') return;
    const topic = roomTopic(room);
    if (member) this.#subscriptions.add(topic);
    else this.#subscriptions.remove(topic);
    // No longer a member: no longer in the room's call either (the observer tells the calls).
    if (!member && this.user) this.services.observer.emit('roomLeft', this, room);
  }

  /** Closes as a slow consumer, counted in the metrics. */
  override shed(): void {
    this.services.metrics.slowConsumers.inc();
    super.shed();
  }

  #send(frame: ServerFrame): void {
    const state = this.state;
    if (state === 'closed' || state === 'closing') return;
    this.#write(JSON.stringify(frame), frame.type);
  }

  #write(data: string | EncodedFrame, type: string): void {
    if (writeFrame(this.ws, data, type, this.services.metrics.framesOut)) this.wrote();
  }

  #sendError(id: number | undefined, code: ErrorCode, message: string, retryAfterMs?: number): void {
    const frame: ErrorFrame = { type: 'error', code, message, retryable: isRetryableError(code) };
    if (id !== undefined) frame.id = id;
    if (retryAfterMs !== undefined) frame.retryAfterMs = retryAfterMs;
    this.services.metrics.errors.inc({ code });
    this.#send(frame);
  }

  // ── input ─────────────────────────────────────────────────────────────────

  protected received(data: RawData, isBinary: boolean): void {
    try {
      this.#accept(data, isBinary);
    } catch (error) {
      // Never let one client's frame take the process down.
      this.log.error({ err: error }, 'could not accept a frame');
    }
  }

  #accept(data: RawData, isBinary: boolean): void {
    if (!this.accepting) return;
    const { limits, abuse } = this.services.options;
    const bytes = toBuffer(data);
    const now = Date.now();
    const wait = this.#takeToken(now);
    if (wait > 0) {
      this.#rejections ??= new WindowCounter(abuse.windowMs);
      if (this.#rejections.hit(now) >= abuse.maxRejectedFrames) {
        this.log.warn('client ignores rate limits; disconnecting');
        this.close(CloseCode.RateLimited, { code: ErrorCode.RateLimited, retryAfterMs: abuse.windowMs });
        return;
      }
      this.#pipeline.push({ reject: { id: sniffId(bytes), code: ErrorCode.RateLimited, message: 'too many frames', retryAfterMs: wait } });
      return;
    }
    if (isBinary) {
      this.#pipeline.push({ reject: { code: ErrorCode.BadRequest, message: 'binary frames are not supported' } });
    } else if (bytes.length > limits.maxFrameBytes) {
      this.#pipeline.push({
        reject: { id: sniffId(bytes), code: ErrorCode.FrameTooLarge, message: `frame exceeds ${limits.maxFrameBytes} bytes` },
      });
    } else {
      this.#pipeline.push({ raw: bytes.toString('utf8'), receivedAt: now });
    }
  }

  /** Takes a token from the connection's and the user's buckets; returns 0 or the wait in ms. */
  #takeToken(now: number): number {
    const wait = this.#bucket.take(now);
    const metrics = this.services.metrics;
    if (wait > 0) {
      metrics.rateLimited.inc({ scope: 'connection' });
      return wait;
    }
    const user = this.user;
    if (user) {
      const userWait = this.services.connections.userBucket(user.id, now).take(now);
      if (userWait > 0) {
        this.#bucket.refund();
        metrics.rateLimited.inc({ scope: 'user' });
        return userWait;
      }
    }
    return 0;
  }

  /** Still taking frames: not closing or closed (for the pipeline). */
  get accepting(): boolean {
    const state = this.state;
    return state !== 'closing' && state !== 'closed';
  }

  /**
   * Handles one inbound item (for the pipeline). `turn` resolves once the
   * previous frame was answered; `release` lets the pipeline move on early
   * (see `committing()`).
   */
  async handleInbound(item: Inbound, turn: Promise<void>, release: () => void): Promise<void> {
    if ('reject' in item) {
      await turn;
      const { id, code, message, retryAfterMs } = item.reject;
      this.#sendError(id, code, message, retryAfterMs);
      return;
    }
    const metrics = this.services.metrics;
    const parsed = parseClientFrame(item.raw);
    if (!parsed.ok) {
      metrics.framesIn.inc({ type: 'invalid' });
      await turn;
      this.#sendError(parsed.id, ErrorCode.BadRequest, parsed.message);
      return;
    }
    const frame = parsed.frame;
    metrics.framesIn.inc({ type: frame.type });
    // Everything below depends on state the previous frame may still change (auth, shutdown).
    if (frame.type === 'auth') {
      await turn;
      if (this.state === 'opening') await this.#authenticate(frame);
      else this.#sendError(frame.id, ErrorCode.BadRequest, 'already authenticated');
      return;
    }
    const user = this.user;
    if (this.state === 'opening' || !user) {
      await turn;
      this.#sendError(frame.id, ErrorCode.Unauthenticated, 'the first frame must be auth');
      return;
    }
    if (this.services.draining) {
      await turn;
      this.#sendError(frame.id, ErrorCode.Unavailable, 'the server is shutting down', jitter(1_000, 5_000));
      return;
    }
    await this.#request(frame, user, item.receivedAt, turn, release);
  }

  /** The pipeline caught what `handleInbound` threw: a bug, since it answers every failure itself. */
  pipelineFailed(error: unknown): void {
    this.log.error({ err: error }, 'frame processing failed');
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
      services: this.services.requestServices,
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
      result = await this.services.dispatch(ctx, frame);
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
        this.log.error({ err: failure, op: frame.type }, 'request failed');
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
        this.log.error({ err: error, op: frame.type }, 'fan-out failed');
      }
    }
  }

  // ── handshake ─────────────────────────────────────────────────────────────

  async #authenticate(frame: AuthFrame): Promise<void> {
    const services = this.services;
    const check = await checkAuth(services.tokens, frame);
    if (!check.ok) return this.#refuse(frame.id, check.refusal);
    if (this.state !== 'opening') return;
    const verified = check.token;
    const user = verified.user;
    if (services.connections.count(user.id) >= services.options.limits.maxConnectionsPerUser) {
      this.log.warn({ user: user.id }, 'too many connections');
      return this.#refuse(frame.id, tooManyConnections());
    }
    if (this.#authTimer) clearTimeout(this.#authTimer);
    this.#authTimer = null;
    this.authenticated(user, verified.issuedAt);
    services.connections.bindUser(this, user.id);
    try {
      await services.storage.upsertUser(user);
      this.#subscriptions.add(userTopic(user.id));
      const rooms = await services.storage.listUserRooms(user.id);
      if (this.state !== 'opening') return;
      for (const { room } of rooms) this.#subscriptions.add(roomTopic(room.id));
    } catch (error) {
      const { refusal, unavailable } = loadFailed(error);
      if (unavailable) this.log.warn({ err: error }, 'storage unavailable on auth');
      else this.log.error({ err: error }, 'could not load the user on auth');
      return this.#refuse(frame.id, refusal);
    }
    const now = Date.now();
    this.opened();
    this.log.info({ user: user.id }, 'authenticated');
    const { heartbeatMs } = services.options.timing;
    this.#send(welcomeFrame({ id: frame.id, user, session: this.id, now, heartbeatMs, limits: services.options.limits }));
    const early = this.#early ?? [];
    this.#early = null;
    for (const held of early) this.#write(held.data, held.type);
    services.observer.emit('open', this, now);
    this.watchExpiry(verified.expiresAt);
  }

  /** Answers the `auth` frame with the refusal's error, if any, and closes. */
  #refuse(id: number, refusal: Refusal): void {
    if (refusal.error) this.#sendError(id, refusal.error.code, refusal.error.message, refusal.error.retryAfterMs);
    this.close(refusal.close.code, refusal.close.reason);
  }

  /** Request handlers call this: at most one `typing: true` per room per throttle interval. */
  allowTyping(room: string, typing: boolean, now: number): boolean {
    if (!this.#typing) {
      if (!typing) return false;
      this.#typing = new TypingThrottle(this.services.options.timing.typingThrottleMs);
    }
    return this.#typing.allow(room, typing, now);
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────

  protected override closing(): void {
    this.#early = null;
    this.#clearAuthTimer();
  }

  protected override settled(): Promise<void> {
    return this.#pipeline.idle();
  }

  protected override released(code: number): void {
    this.#clearAuthTimer();
    this.#pipeline.clear();
    this.#subscriptions.clear();
    const metrics = this.services.metrics;
    metrics.connections.dec();
    metrics.closes.inc({ code: closeCodeLabel(code) });
    this.log.info({ code, user: this.user?.id }, 'connection closed');
  }

  #clearAuthTimer(): void {
    if (this.#authTimer) clearTimeout(this.#authTimer);
    this.#authTimer = null;
  }
}
