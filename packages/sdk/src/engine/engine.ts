/**
 * The engine speaks the protocol over the transport: it authenticates with
 * the first frame, correlates requests with their acks, paces frames to the
 * server's rate limit, and on every (re)connect resumes — `sync` for every
 * known room (paging while `more`), then `rooms.list` — before handing over
 * to the client (which replays the outbox). Server events are passed up.
 */
import { connectionError, errorFromClose, errorFromFrame, requestError, toParleyError, ConnectionError } from '../errors.js';
import type { ParleyError } from '../errors.js';
import { Emitter } from '../events.js';
import { CloseCode, ErrorCode } from '../protocol/codes.js';
import { PROTOCOL_VERSION } from '../protocol/frames.js';
import { expandEvent } from '../protocol/message-wire.js';
import type {
  EventFrame,
  RequestArgs,
  RequestResult,
  RequestType,
  RoomCursor,
  RoomSync,
  ServerFrame,
  WelcomeFrame,
} from '../protocol/frames.js';
import { DEFAULT_LIMITS } from '../protocol/limits.js';
import type { Limits } from '../protocol/limits.js';
import type { BackoffOptions } from '../transport/backoff.js';
import type { NetworkMonitor, Timers, WebSocketConstructor } from '../transport/platform.js';
import { Transport, UNREACHABLE_AFTER } from '../transport/transport.js';
import type { TransportClose } from '../transport/transport.js';
import { Pacer } from './pacer.js';
import type { TokenSource } from './token.js';

/** The one sync state of a client. */
export type ConnectionStatus =
  /** Not started, or stopped by the application. */
  | 'idle'
  /** First connection attempt in progress. */
  | 'connecting'
  /** Authenticated; catching up on what was missed. */
  | 'syncing'
  /** Caught up; live. */
  | 'online'
  /** Lost the connection; reconnecting with backoff. */
  | 'offline'
  /** Gave up for good (bad token, forbidden origin, unsupported version). */
  | 'failed';

/** What the engine asks of the layer above while resuming. */
export interface ResumeHooks {
  /** The cursor of every room known locally. */
  cursors(): RoomCursor[];
  /** Applies one page of `sync` results (cursors must advance). */
  applySync(rooms: RoomSync[]): void;
  /** Applies the room list. */
  applyRooms(result: RequestResult<'rooms.list'>): void;
  /** Resume finished: replay the outbox. */
  resumed(): void;
}

/** Settings of an {@link Engine}. */
export interface EngineOptions {
  url: string;
  token: TokenSource;
  WebSocket: WebSocketConstructor;
  backoff: BackoffOptions;
  random: () => number;
  timers: Timers;
  network: NetworkMonitor | null;
  /** Drop a socket that has not authenticated this long after it was created. */
  handshakeTimeoutMs: number;
  resume: ResumeHooks;
}

/** Events of an {@link Engine}. */
export interface EngineEvents {
  status: { status: ConnectionStatus; error: ParleyError | null };
  welcome: WelcomeFrame;
  event: EventFrame;
  /** Failures not tied to a caller's request. */
  error: ParleyError;
}

/** Per-request options. */
export interface RequestOptions {
  /** Reject with a retryable `timeout` error when no answer arrives in time. */
  timeoutMs?: number;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: ParleyError): void;
  timer: unknown;
}

/** Sync requests carry at most this many rooms (the server's schema bound). */
const SYNC_BATCH = 1000;

/** Request/ack over a self-healing connection; see the module comment. */
export class Engine extends Emitter<EngineEvents> {
  /** Current connection status. */
  status: ConnectionStatus = 'idle';
  /** The last `welcome`, once authenticated. */
  welcome: WelcomeFrame | null = null;

  private readonly transport: Transport;
  private readonly pacer: Pacer;
  private readonly pending = new Map<number, Pending>();
  private readonly authWaiters = new Set<{ resolve(): void; reject(error: ParleyError): void }>();
  private nextId = 1;
  private authId = -1;
  private authed = false;
  private stopping = false;
  /** Bumped per socket so async work of a dead socket stops touching state. */
  private epoch = 0;
  private token: string | null = null;
  private tokenStale = false;
  private authError: ParleyError | null = null;
  private fatalError: ParleyError | null = null;
  /** Closes in a row for an expired token: the first is a routine refresh, a second means the token function hands out expired tokens. */
  private expiries = 0;

  constructor(private readonly options: EngineOptions) {
    super();
    this.transport = new Transport({
      url: options.url,
      WebSocket: options.WebSocket,
      backoff: options.backoff,
      random: options.random,
      timers: options.timers,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      network: options.network,
    });
    this.pacer = new Pacer((text) => this.transport.send(text), options.timers);
    this.transport.on('open', () => void this.authenticate());
    this.transport.on('message', (text) => this.receive(text));
    this.transport.on('close', (close) => this.closed(close));
  }

  /** The server's limits (defaults until the first `welcome`). */
  get limits(): Limits {
    return this.welcome?.limits ?? DEFAULT_LIMITS;
  }

  /** Whether requests can be sent now. */
  get authenticated(): boolean {
    return this.authed;
  }

  /** Starts connecting; keeps the connection up until {@link Engine.stop}. */
  start(): void {
    if (this.status !== 'idle' && this.status !== 'failed') return;
    this.stopping = false;
    this.authError = null;
    this.expiries = 0;
    this.setStatus('connecting', null);
    this.transport.start();
  }

  /** Closes the connection; pending requests reject with a retryable `disconnected` error. */
  stop(): void {
    if (this.status === 'idle') return;
    this.stopping = true;
    this.transport.stop();
    // The transport may already have given up (no close event then).
    if ((this.status as ConnectionStatus) !== 'idle') this.setStatus('idle', null);
  }

  /** Retries at once if waiting in backoff (e.g. the application knows the network is back). */
  reconnectNow(): void {
    this.transport.reconnectNow();
  }

  /**
   * The current token, fetching a fresh one from the provider when needed.
   * Rejects with a retryable `token_unavailable` error when the provider
   * throws or returns no token.
   */
  async getToken(): Promise<string> {
    const source = this.options.token;
    if (typeof source === 'string') return source;
    if (this.token === null || this.tokenStale) {
      let token: string;
      try {
        token = await source();
      } catch (err) {
        throw connectionError('token_unavailable', `the token function failed: ${toParleyError(err).message}`, { cause: err });
      }
      if (!token) throw connectionError('token_unavailable', 'the token function returned no token');
      this.token = token;
      this.tokenStale = false;
    }
    return this.token;
  }

  /**
   * Sends a request and resolves with its ack's result. While the first
   * connection attempt is in progress the request waits for it; when offline
   * it rejects at once with a retryable {@link ConnectionError}.
   */
  async request<T extends RequestType>(type: T, args: RequestArgs<T>, options: RequestOptions = {}): Promise<RequestResult<T>> {
    if (!this.authed) {
      if (this.status !== 'connecting') throw connectionError('offline', `cannot send "${type}": ${this.status}`);
      await this.waitForAuth(options.timeoutMs);
    }
    const id = this.nextId++;
    const text = JSON.stringify({ ...args, type, id });
    const max = this.limits.maxFrameBytes;
    if (text.length > max / 3 && new TextEncoder().encode(text).length > max) {
      throw requestError(ErrorCode.FrameTooLarge, `"${type}" frame is larger than ${max} bytes`);
    }
    return new Promise<RequestResult<T>>((resolve, reject) => {
      const pending: Pending = { resolve, reject, timer: null };
      if (options.timeoutMs !== undefined) {
        pending.timer = this.options.timers.setTimeout(() => {
          this.pending.delete(id);
          reject(connectionError('timeout', `no answer to "${type}" within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      this.pending.set(id, pending);
      this.pacer.push(text);
    });
  }

  private waitForAuth(timeoutMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: unknown = null;
      const waiter = {
        resolve: () => {
          this.options.timers.clearTimeout(timer);
          resolve();
        },
        reject: (error: ParleyError) => {
          this.options.timers.clearTimeout(timer);
          reject(error);
        },
      };
      if (timeoutMs !== undefined) {
        timer = this.options.timers.setTimeout(() => {
          this.authWaiters.delete(waiter);
          reject(connectionError('timeout', `not connected within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.authWaiters.add(waiter);
    });
  }

  private async authenticate(): Promise<void> {
    const epoch = this.epoch;
    let token: string;
    try {
      token = await this.getToken();
    } catch (err) {
      if (epoch !== this.epoch) return;
      // The close that follows reports it as the reason the client is offline.
      this.authError = toParleyError(err);
      this.emit('error', this.authError);
      this.transport.drop();
      return;
    }
    if (epoch !== this.epoch) return;
    this.authId = this.nextId++;
    this.transport.send(JSON.stringify({ type: 'auth', id: this.authId, v: PROTOCOL_VERSION, token }));
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      // Message events arrive in the compact form (defaults left out); the rest of the SDK sees full messages.
      frame = expandEvent(JSON.parse(text) as ServerFrame);
    } catch {
      return;
    }
    switch (frame.type) {
      case 'welcome':
        if (frame.id === this.authId) this.welcomed(frame);
        return;
      case 'ack': {
        const pending = this.settle(frame.id);
        pending?.resolve(frame.result);
        return;
      }
      case 'error': {
        const error = errorFromFrame(frame);
        if (frame.id !== undefined && frame.id === this.authId) {
          // The close that follows decides what happens; remember why.
          this.authError = error;
          if (error.code === ErrorCode.TokenExpired) this.tokenStale = true;
          return;
        }
        const pending = frame.id === undefined ? undefined : this.settle(frame.id);
        if (pending) pending.reject(error);
        else this.emit('error', error);
        return;
      }
      default:
        if (this.authed) this.emit('event', frame);
    }
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    if (pending.timer !== null) this.options.timers.clearTimeout(pending.timer);
    return pending;
  }

  private welcomed(frame: WelcomeFrame): void {
    this.authed = true;
    this.authError = null;
    this.expiries = 0;
    this.welcome = frame;
    this.transport.markHealthy();
    const { connectionRate, userRate } = frame.limits;
    this.pacer.configure(Math.min(connectionRate.perSecond, userRate.perSecond), Math.min(connectionRate.burst, userRate.burst));
    this.transport.startHeartbeat(frame.heartbeatMs, () => this.request('ping', {}));
    this.setStatus('syncing', null);
    for (const waiter of [...this.authWaiters]) waiter.resolve();
    this.authWaiters.clear();
    this.emit('welcome', frame);
    void this.resume(this.epoch);
  }

  /**
   * Catches `rooms` up with `sync` from their cursors, as a resume does for
   * every room (used when a room's live events left a gap that did not close).
   * Resolves when done, or at once when not connected: the next resume covers it.
   */
  async catchUp(rooms: readonly string[]): Promise<void> {
    if (!this.authed || rooms.length === 0) return;
    const wanted = new Set(rooms);
    await this.syncRooms(this.epoch, () => this.options.resume.cursors().filter((c) => wanted.has(c.room)));
  }

  /** Pages `sync` for the rooms `cursors()` returns until none has more; false when the socket changed meanwhile. */
  private async syncRooms(epoch: number, cursorsOf: () => RoomCursor[]): Promise<boolean> {
    const hooks = this.options.resume;
    let cursors = cursorsOf();
    while (cursors.length > 0) {
      const pages: Array<Promise<RequestResult<'sync'>>> = [];
      for (let i = 0; i < cursors.length; i += SYNC_BATCH) {
        pages.push(this.request('sync', { rooms: cursors.slice(i, i + SYNC_BATCH) }));
      }
      const results = (await Promise.all(pages)).flatMap((page) => page.rooms);
      if (epoch !== this.epoch) return false;
      hooks.applySync(results);
      const more = new Set(results.filter((r) => r.more).map((r) => r.room));
      const before = new Map(cursors.map((c) => [c.room, c.rev]));
      // Only rooms that still have more AND made progress, so a faulty page cannot loop forever.
      cursors = cursorsOf().filter((c) => more.has(c.room) && c.rev > (before.get(c.room) ?? Infinity));
    }
    return true;
  }

  private async resume(epoch: number): Promise<void> {
    const hooks = this.options.resume;
    try {
      if (!(await this.syncRooms(epoch, () => hooks.cursors()))) return;
      const list = await this.request('rooms.list', {});
      if (epoch !== this.epoch) return;
      hooks.applyRooms(list);
    } catch (err) {
      if (epoch !== this.epoch || err instanceof ConnectionError) return;
      // A refused sync must not keep the client offline; report it and go on.
      this.emit('error', toParleyError(err));
    }
    if (epoch !== this.epoch) return;
    hooks.resumed();
    this.setStatus('online', null);
  }

  private closed(close: TransportClose): void {
    this.epoch++;
    this.authed = false;
    this.pacer.clear();
    const lost = connectionError('disconnected', 'the connection was lost', { closeCode: close.code });
    for (const [id, pending] of [...this.pending]) {
      this.settle(id);
      pending.reject(lost);
    }
    let error = this.fatalError ?? this.authError ?? this.closeError(close);
    this.authError = null;
    this.fatalError = null;
    if (close.code === CloseCode.TokenExpired) {
      this.tokenStale = true;
      if (close.retryInMs !== null && typeof this.options.token === 'string') {
        // A fixed token cannot be refreshed: reconnecting would fail the same way.
        this.fatalError = error;
        this.transport.stop();
        return;
      }
      // Refreshing an expired token is routine; only a refreshed token that expired too is a problem.
      error = ++this.expiries < 2 ? lost : errorFromClose(close.code, close.reason);
    }
    const status: ConnectionStatus = this.stopping ? 'idle' : close.retryInMs === null ? 'failed' : 'offline';
    const reported = status === 'idle' ? connectionError('offline', 'the client was disconnected') : error;
    for (const waiter of [...this.authWaiters]) waiter.reject(reported);
    this.authWaiters.clear();
    this.setStatus(status, status === 'idle' ? null : error);
  }

  /** Why the socket closed: a device without network, a server out of reach, else the close code's reason. */
  private closeError({ code, reason, retryInMs }: TransportClose): ParleyError {
    const init = { closeCode: code };
    if (code === 1006 && retryInMs !== null) {
      if (this.options.network?.offline?.()) return connectionError('offline', 'the device is offline', init);
      if (this.transport.unopened >= UNREACHABLE_AFTER) return connectionError('unreachable', `cannot reach ${this.options.url}`, init);
    }
    return errorFromClose(code, reason);
  }

  private setStatus(status: ConnectionStatus, error: ParleyError | null): void {
    if (this.status === status && error === null) return;
    this.status = status;
    this.emit('status', { status, error });
  }
}
