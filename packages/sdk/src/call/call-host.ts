/** What a call needs from its client (given by `client.call()`). */
import type { ConnectionStatus } from '../engine/engine.js';
import type { ParleyError } from '../errors.js';
import type { EventFrame, RequestArgs, RequestResult, RequestType } from '../protocol/frames.js';
import type { UserInfo } from '../protocol/model.js';
import type { ReadableStore } from '../store/store.js';
import type { Timers } from '../transport/platform.js';
import type { CallState } from './call-types.js';
import type { MediaDevicesLike } from './media-access.js';

/** The part of the client's state calls read. */
export interface CallsSlice {
  readonly connection: ConnectionStatus;
  readonly lastError: ParleyError | null;
  readonly calls: Readonly<Record<string, CallState>>;
}

/** See the module comment. */
export interface CallHost {
  /** The signed-in user (null before the first connection). */
  me(): UserInfo | null;
  request<T extends RequestType>(type: T, args: RequestArgs<T>): Promise<RequestResult<T>>;
  /** Subscribes to the server's events; returns the unsubscribe function. */
  onEvent(listener: (frame: EventFrame) => void): () => void;
  store: ReadableStore<CallsSlice>;
  /** Writes one call's state into `state.calls`. */
  publish(room: string, state: CallState): void;
  /** The client's timer functions. */
  timers: Timers;
  /** Where microphones, cameras and screens come from (default: `navigator.mediaDevices`). */
  media?: MediaDevicesLike | null;
}
