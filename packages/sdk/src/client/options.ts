/** The options of `createClient()`. */
import type { MediaDevicesLike } from '../call/media-access.js';
import type { TokenSource } from '../engine/token.js';
import type { OfflineStore } from '../offline/types.js';
import type { BackoffOptions } from '../transport/backoff.js';
import type { Timers, WebSocketConstructor } from '../transport/platform.js';
import type { WorkspaceLocalStore } from '../workspace/workspace-types.js';

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The server: `wss://host/v1/ws`, or its `https://host` base. */
  url: string;
  /** The user's token, or a function returning one (called again when the server says it expired). */
  token: TokenSource;
  /**
   * The user id, when it cannot be read from the token's `sub` without
   * calling the token function (offline start with a token provider).
   */
  userId?: string;
  /** Device storage: an {@link OfflineStore}, `'memory'`, or (default) IndexedDB where available, else memory. */
  offline?: OfflineStore | 'memory';
  /** WebSocket constructor; defaults to the global one (pass `ws`'s in Node 20). */
  WebSocket?: WebSocketConstructor;
  /** fetch implementation for uploads (default: the global one). */
  fetch?: typeof fetch;
  /** Messages cached per room on the device (default 200). */
  historyCacheSize?: number;
  /** Reconnect backoff: base and cap in ms, and the random source of the jitter. */
  reconnect?: Partial<BackoffOptions> & { random?: () => number };
  /** Requests other than queued mutations fail with a retryable `timeout` after this long (default 30 s). */
  requestTimeoutMs?: number;
  /** Timer functions (tests). */
  timers?: Timers;
  /** Where calls take microphones, cameras and screens from (default `navigator.mediaDevices`; tests, unusual hosts). */
  mediaDevices?: MediaDevicesLike | null;
  /**
   * Device copies of workspace documents: a store, `'memory'` (none), or by
   * default IndexedDB where available (memory when `offline` is `'memory'`).
   */
  workspaceStore?: WorkspaceLocalStore | 'memory';
}
