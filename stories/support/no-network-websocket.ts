/**
 * WebSockets for stories, passed as the SDK's `WebSocket` option: a device
 * without network, and a server that has not answered yet. Neither makes a
 * real connection (so the browser logs nothing) and neither ever speaks the
 * protocol: the SDK sees exactly what it sees on a real network like that.
 */
import type { WebSocketLike } from '@parley/sdk';

const CONNECTING = 0;
const CLOSED = 3;
/** What browsers report for a connection that failed before opening. */
const ABNORMAL_CLOSURE = 1006;

type Handler<E> = ((event: E) => void) | null;

/** A socket that stays connecting until closed; the base of both stand-ins. */
export class UnansweredWebSocket implements WebSocketLike {
  readyState = CONNECTING;
  onopen: ((event: never) => void) | null = null;
  onmessage: ((event: never) => void) | null = null;
  onclose: ((event: never) => void) | null = null;
  onerror: ((event: never) => void) | null = null;

  constructor(readonly url: string) {}

  /** Like a real socket that is not open: sending is an error. */
  send(): void {
    throw new DOMException('WebSocket is not open', 'InvalidStateError');
  }

  /** Closing a socket that never opened fails the attempt, reported asynchronously. */
  close(): void {
    setTimeout(() => this.fail(), 0);
  }

  /** Reports the failed attempt once: `error`, then `close` with code 1006. */
  protected fail(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    (this.onerror as Handler<Event>)?.(new Event('error'));
    (this.onclose as Handler<{ code: number; reason: string; wasClean: boolean }>)?.({
      code: ABNORMAL_CLOSURE,
      reason: '',
      wasClean: false,
    });
  }
}

/**
 * A device without network: every attempt fails right after the constructor
 * returns (so the caller has attached its handlers), the way a browser reports
 * an unreachable server. The SDK stays offline and retries with its backoff.
 */
export class NoNetworkWebSocket extends UnansweredWebSocket {
  constructor(url: string) {
    super(url);
    setTimeout(() => this.fail(), 0);
  }
}
