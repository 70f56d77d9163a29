/**
 * The platform pieces the transport needs, injectable so the SDK runs in
 * browsers and Node alike and tests can control time and randomness.
 */

/** The subset of the WebSocket API the SDK uses (browsers' and the `ws` package's both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // `never` parameters keep implementations with richer event types assignable;
  // the transport reads only `data`, `code` and `reason`.
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

/** A WebSocket constructor, such as `globalThis.WebSocket` or `ws`'s default export. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Timer functions (defaults: the global ones). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Tells the transport that the network came back, so it retries at once. */
export interface NetworkMonitor {
  /** Registers a callback for "the device is online again"; returns an unsubscribe function. */
  onOnline(callback: () => void): () => void;
  /** Whether the device says it has no network at all (`navigator.onLine` false); a failed connection is then not the server's fault. */
  offline?(): boolean;
}

/** The global timer functions. */
export const defaultTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The browser's `online` event, or `null` where there is none (Node). Evaluated lazily, never at import. */
export function browserNetworkMonitor(): NetworkMonitor | null {
  const target = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
  if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') return null;
  return {
    onOnline(callback) {
      globalThis.addEventListener('online', callback);
      return () => globalThis.removeEventListener('online', callback);
    },
    offline: () => (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false,
  };
}

/** The global WebSocket constructor, when the platform has one. */
export function globalWebSocket(): WebSocketConstructor | null {
  const ctor = (globalThis as { WebSocket?: unknown }).WebSocket;
  return typeof ctor === 'function' ? (ctor as WebSocketConstructor) : null;
}
