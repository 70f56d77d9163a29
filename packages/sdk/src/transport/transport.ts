/**
 * One WebSocket at a time, kept alive: reconnects with backoff after
 * retryable closes, gives up after fatal ones, retries at once when the
 * browser reports the network is back, and drops a connection whose
 * heartbeat goes unanswered. It knows nothing about frames beyond text.
 */
import { Emitter } from '../events.js';
import { isRetryableClose, parseCloseReason } from '../protocol/codes.js';
import type { CloseReason } from '../protocol/codes.js';
import { backoffDelay } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import type { NetworkMonitor, Timers, WebSocketConstructor, WebSocketLike } from './platform.js';

/** How the transport is set up. */
export interface TransportOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  backoff: BackoffOptions;
  random: () => number;
  timers: Timers;
  /** A socket that is not {@link Transport.markHealthy healthy} this long after creation is dropped. */
  handshakeTimeoutMs: number;
  network: NetworkMonitor | null;
}

/** A connection ended. */
export interface TransportClose {
  code: number;
  reason: CloseReason;
  /** Milliseconds until the next attempt, or `null` when the transport stopped for good. */
  retryInMs: number | null;
}

/** Attempts in a row that fail before opening after which the server counts as unreachable rather than briefly away. */
export const UNREACHABLE_AFTER = 3;

/** Events of a {@link Transport}. */
export interface TransportEvents {
  /** A socket opened (the engine authenticates now). */
  open: undefined;
  /** A text frame arrived. */
  message: string;
  /** The socket closed or was dropped. */
  close: TransportClose;
}

const OPEN = 1;
/** Code used for closes the client itself initiates. */
const CLIENT_CLOSE = 1000;
/** Close code reported for connections that died without a close frame. */
const ABNORMAL = 1006;

const decoder = /* @__PURE__ */ new TextDecoder();

function frameText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return decoder.decode(data);
  if (ArrayBuffer.isView(data)) return decoder.decode(data);
  return null;
}

/** A self-healing WebSocket; see the module comment. */
export class Transport extends Emitter<TransportEvents> {
  private ws: WebSocketLike | null = null;
  private running = false;
  private attempt = 0;
  private retryTimer: unknown = null;
  private handshakeTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private awaitingPong = false;
  /** Attempts in a row whose socket never opened: from {@link UNREACHABLE_AFTER} on, the server counts as unreachable (wrong URL, server down). */
  unopened = 0;
  private offOnline: (() => void) | null = null;

  constructor(private readonly options: TransportOptions) {
    super();
  }

  /** Whether a socket is open. */
  get isOpen(): boolean {
    return this.ws !== null && this.ws.readyState === OPEN;
  }

  /** Starts connecting (and keeps reconnecting until {@link Transport.stop}). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = this.unopened = 0;
    this.offOnline = this.options.network?.onOnline(() => this.reconnectNow()) ?? null;
    this.open();
  }

  /** Closes the socket and stops reconnecting; emits a final `close`. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.offOnline?.();
    this.offOnline = null;
    this.clearTimer('retryTimer');
    const ws = this.detach();
    if (ws) closeQuietly(ws);
    this.emit('close', { code: CLIENT_CLOSE, reason: {}, retryInMs: null });
  }

  /** Sends a text frame; returns false when no socket is open. */
  send(text: string): boolean {
    if (!this.ws || this.ws.readyState !== OPEN) return false;
    this.ws.send(text);
    return true;
  }

  /** The connection is usable (authenticated): reset the backoff and the handshake timeout. */
  markHealthy(): void {
    this.attempt = 0;
    this.clearTimer('handshakeTimer');
  }

  /** Abandons the current socket (it looks dead) and reconnects with backoff. */
  drop(): void {
    const ws = this.detach();
    if (!ws) return;
    const opened = ws.readyState === OPEN;
    closeQuietly(ws);
    this.closed(ABNORMAL, {}, opened);
  }

  /** Skips a pending backoff wait (the network came back). */
  reconnectNow(): void {
    if (!this.running || this.ws) return;
    this.clearTimer('retryTimer');
    this.open();
  }

  /**
   * Calls `ping` every `intervalMs` while this socket lives; when the previous
   * ping has not settled by the next beat the socket is dropped.
   */
  startHeartbeat(intervalMs: number, ping: () => Promise<unknown>): void {
    this.clearTimer('heartbeatTimer');
    this.awaitingPong = false;
    const ws = this.ws;
    const beat = (): void => {
      if (this.ws !== ws || !ws) return;
      if (this.awaitingPong) {
        this.drop();
        return;
      }
      this.awaitingPong = true;
      const settled = (): void => {
        if (this.ws === ws) this.awaitingPong = false;
      };
      ping().then(settled, settled);
      this.heartbeatTimer = this.options.timers.setTimeout(beat, intervalMs);
    };
    this.heartbeatTimer = this.options.timers.setTimeout(beat, intervalMs);
  }

  private open(): void {
    this.retryTimer = null;
    let ws: WebSocketLike;
    try {
      ws = new this.options.WebSocket(this.options.url);
    } catch {
      this.closed(ABNORMAL, {}, false);
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      if (this.ws === ws) this.emit('open', undefined);
    };
    ws.onmessage = (event: { data: unknown }) => {
      if (this.ws !== ws) return;
      const text = frameText(event.data);
      if (text !== null) this.emit('message', text);
    };
    ws.onclose = (event: { code: number; reason: string }) => {
      if (this.ws !== ws) return;
      this.detach();
      this.closed(event.code, parseCloseReason(event.reason), opened);
    };
    ws.onerror = () => {
      // A close event always follows; it carries the information.
    };
    this.handshakeTimer = this.options.timers.setTimeout(() => {
      if (this.ws === ws) this.drop();
    }, this.options.handshakeTimeoutMs);
  }

  private closed(code: number, reason: CloseReason, opened: boolean): void {
    if (!this.running) return;
    this.unopened = opened ? 0 : this.unopened + 1;
    if (!isRetryableClose(code)) {
      this.running = false;
      this.offOnline?.();
      this.offOnline = null;
      this.emit('close', { code, reason, retryInMs: null });
      return;
    }
    const delay = backoffDelay(this.attempt++, this.options.backoff, this.options.random, reason.retryAfterMs);
    this.retryTimer = this.options.timers.setTimeout(() => this.open(), delay);
    this.emit('close', { code, reason, retryInMs: delay });
  }

  private detach(): WebSocketLike | null {
    const ws = this.ws;
    this.ws = null;
    this.clearTimer('handshakeTimer');
    this.clearTimer('heartbeatTimer');
    this.awaitingPong = false;
    if (ws) {
      const noop = (): void => {};
      ws.onopen = noop;
      ws.onmessage = noop;
      ws.onclose = noop;
      ws.onerror = noop;
    }
    return ws;
  }

  private clearTimer(name: 'retryTimer' | 'handshakeTimer' | 'heartbeatTimer'): void {
    if (this[name] !== null) this.options.timers.clearTimeout(this[name]);
    this[name] = null;
  }
}

function closeQuietly(ws: WebSocketLike): void {
  try {
    ws.close(CLIENT_CLOSE);
  } catch {
    // Closing a socket that never opened can throw in some implementations.
  }
}
