/**
 * Stand-in servers for the failure stories, passed as the SDK's `WebSocket`
 * option like `no-network-websocket.ts`: a server that takes the connection
 * and then refuses it with a close code, as the reference server does for a
 * token it cannot verify (4001), an expired token (4004), a page origin it
 * does not allow (4003), too many frames (4029) or when it sheds load
 * (4013); one that takes the connection and never answers (the stories' own
 * token function fails first); and one that accepts the user and refuses
 * every request with an error code (not a member, no such room). None makes
 * a real connection; the SDK sees what it sees from a real server like that.
 */
import { DEFAULT_LIMITS, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import type { CloseReason, ErrorCode } from '@parley/sdk/protocol';
import type { WebSocketConstructor } from '@parley/sdk';
import { UnansweredWebSocket } from './no-network-websocket.js';

const OPEN = 1;
const CLOSED = 3;

type Handler<E> = ((event: E) => void) | null;

/** A socket that opens right after the constructor returns (so the SDK has attached its handlers). */
class OpeningWebSocket extends UnansweredWebSocket {
  constructor(url: string) {
    super(url);
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = OPEN;
      (this.onopen as Handler<Event>)?.(new Event('open'));
    }, 0);
  }

  override send(text?: string): void {
    if (this.readyState !== OPEN) super.send();
    setTimeout(() => this.receive(JSON.parse(text ?? '{}') as { type: string; id: number }), 0);
  }

  override close(): void {
    this.closeWith(1000, {});
  }

  /** A frame from the client; this server ignores it. */
  protected receive(_frame: { type: string; id: number }): void {}

  protected reply(frame: object): void {
    if (this.readyState === OPEN) (this.onmessage as Handler<{ data: string }>)?.({ data: JSON.stringify(frame) });
  }

  protected closeWith(code: number, reason: CloseReason): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    (this.onclose as Handler<{ code: number; reason: string; wasClean: boolean }>)?.({ code, reason: JSON.stringify(reason), wasClean: true });
  }
}

/** A server that takes the connection and never says a word. */
export const SilentWebSocket: WebSocketConstructor = OpeningWebSocket;

/** A server that closes with `code` as soon as the socket opens (`at: 'open'`, e.g. a refused origin) or on the client's `auth` frame. */
export function refusingWebSocket(code: number, reason: CloseReason, at: 'open' | 'auth' = 'auth'): WebSocketConstructor {
  return class extends OpeningWebSocket {
    constructor(url: string) {
      super(url);
      if (at === 'open') setTimeout(() => this.closeWith(code, reason), 0);
    }

    protected override receive(frame: { type: string }): void {
      if (frame.type === 'auth') this.closeWith(code, reason);
    }
  };
}

/** A server that signs `user` in and answers every request with the error `code`. */
export function refusingRequestsWebSocket(user: { id: string; name: string }, code: ErrorCode, message: string): WebSocketConstructor {
  return class extends OpeningWebSocket {
    protected override receive(frame: { type: string; id: number }): void {
      if (frame.type !== 'auth') {
        this.reply({ type: 'error', id: frame.id, code, message, retryable: false });
        return;
      }
      this.reply({
        type: 'welcome',
        id: frame.id,
        v: PROTOCOL_VERSION,
        user,
        session: 'story',
        serverTime: Date.now(),
        // No heartbeat while a story is open.
        heartbeatMs: 3_600_000,
        limits: DEFAULT_LIMITS,
      });
    }
  };
}
