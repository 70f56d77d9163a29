/**
 * The WebSocket y-websocket's provider is given. It looks like a WebSocket,
 * but fetches the token first (so every reconnect uses a current one), passes
 * it as the `parley.token.<JWT>` subprotocol rather than in the URL, and
 * reports each document-changing message it sends, which is what the
 * server's acks count.
 */
import { WORKSPACE_SUBPROTOCOL, WORKSPACE_TOKEN_PREFIX, WorkspaceMessage } from '../protocol/workspace.js';
import type { WebSocketLike } from '../transport/platform.js';

/** A WebSocket constructor that takes subprotocols (browsers' and `ws`'s both do). */
export type ProtocolWebSocketConstructor = new (url: string, protocols?: string[]) => WebSocketLike & {
  binaryType: string;
  readonly protocol: string;
};

/** What the socket reports to its workspace. */
export interface SocketObserver {
  /** The token to open with. */
  token(): Promise<string>;
  /** A socket opened; `acks` tells whether the server will acknowledge updates. */
  opened(socket: WorkspaceSocket, acks: boolean): void;
  /** A sync step 2 (`step2`) or live update (`update`) went out on `socket`. */
  sent(socket: WorkspaceSocket, kind: 'step2' | 'update'): void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** Sync message subtypes (y-protocols' numbers, one byte each). */
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

type Handler = ((event: never) => void) | null;

/** Builds the socket class for one workspace (the provider constructs it with `new`). */
export function workspaceSocketClass(
  Real: ProtocolWebSocketConstructor,
  observer: SocketObserver,
): new (url: string) => WorkspaceSocket {
  return class extends WorkspaceSocket {
    constructor(url: string) {
      super(url, Real, observer);
    }
  };
}

/** See the module comment. Only the parts of the WebSocket API the provider uses are here. */
export class WorkspaceSocket {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  binaryType = 'arraybuffer';
  onopen: Handler = null;
  onmessage: Handler = null;
  onclose: Handler = null;
  onerror: Handler = null;

  #real: (WebSocketLike & { binaryType: string; readonly protocol: string }) | null = null;
  #closed = false;
  readonly #observer: SocketObserver;

  constructor(url: string, Real: ProtocolWebSocketConstructor, observer: SocketObserver) {
    this.#observer = observer;
    observer.token().then(
      (token) => {
        if (this.#closed) return;
        const real = new Real(url, [WORKSPACE_SUBPROTOCOL, `${WORKSPACE_TOKEN_PREFIX}${token}`]);
        real.binaryType = 'arraybuffer';
        this.#real = real;
        real.onopen = (event: never) => {
          observer.opened(this, real.protocol === WORKSPACE_SUBPROTOCOL);
          this.#emit(this.onopen, event);
        };
        real.onmessage = (event: never) => this.#emit(this.onmessage, event);
        real.onerror = (event: never) => this.#emit(this.onerror, event);
        real.onclose = (event: never) => this.#emit(this.onclose, event);
      },
      () => {
        // No token, no socket: report it as a failed connection so the provider backs off and retries.
        if (this.#closed) return;
        this.#closed = true;
        this.#emit(this.onclose, { code: 1006, reason: '' } as never);
      },
    );
  }

  /** The real socket's state; CONNECTING while the token is fetched. */
  get readyState(): number {
    if (this.#real) return this.#real.readyState;
    return this.#closed ? CLOSED : CONNECTING;
  }

  /** Sends a message, noting the document-changing ones. */
  send(data: Uint8Array): void {
    const real = this.#real;
    if (!real || real.readyState !== OPEN) return;
    if (data[0] === WorkspaceMessage.Sync && (data[1] === SYNC_STEP2 || data[1] === SYNC_UPDATE)) {
      this.#observer.sent(this, data[1] === SYNC_STEP2 ? 'step2' : 'update');
    }
    (real as unknown as { send(data: Uint8Array): void }).send(data);
  }

  /** Closes the real socket, or cancels it when the token has not arrived yet. */
  close(code?: number, reason?: string): void {
    this.#closed = true;
    this.#real?.close(code, reason);
  }

  #emit(handler: Handler, event: never): void {
    if (handler) handler(event);
  }
}
