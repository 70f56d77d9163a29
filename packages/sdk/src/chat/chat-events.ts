/** Events the room registry raises as messages and rooms change; the client emits them as its own. */
import type { Message } from '../protocol/model.js';

/** Event name → payload. */
export interface ChatEvents {
  /** A new message from another user arrived (live, or caught up after being offline). */
  message: Message;
  /** A new message mentions the signed-in user. */
  mention: Message;
  /** A new message arrived in a direct room. */
  'direct-message': Message;
  /** Retention removed messages of `room` before this client saw them. */
  gap: { room: string; from: number; to: number };
  /** The user left or was removed from a room. */
  'room.removed': { room: string; reason: 'left' | 'kicked' | 'banned' };
}

/** Where the registry sends its events (the client's emitter). */
export interface ChatEventSink {
  emit<K extends keyof ChatEvents>(event: K, payload: ChatEvents[K]): void;
}
