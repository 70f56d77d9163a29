/** The shape of rooms and messages as UIs read them: `state.rooms` in the client store. */
import type { ParleyError } from '../errors.js';
import type { MemberInfo, Message, RoomInfo } from '../protocol/model.js';

/**
 * Where a message stands: `pending` (queued or in flight), `sent` (committed
 * by the server), `delivered` / `read` (by at least one other member — only
 * for our own messages), `failed` (refused; retry or discard it).
 */
export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/**
 * A message as shown: the server's message (or, while pending, a local
 * stand-in whose `id` is its `clientId` and `seq` is 0) with queued edits,
 * deletes and reactions already applied.
 */
export type LocalMessage = Message & {
  status: MessageStatus;
  /** Why it failed (status `failed`). */
  error?: ParleyError;
};

/** One room as the UI sees it. */
export interface RoomState {
  id: string;
  /** The room's info; `null` until the server has described it. */
  info: RoomInfo | null;
  /**
   * Loaded messages in `seq` order (thread replies included; filter on
   * `parentId`), then our pending ones in send order.
   */
  messages: readonly LocalMessage[];
  /** Older messages exist on the server (see `room.loadOlder()`). */
  hasOlder: boolean;
  /** Users typing now (ids). */
  typing: readonly string[];
  /** Members, once loaded with `room.members()`. */
  members: readonly MemberInfo[] | null;
  /** Messages `from`–`to` were removed by retention before this client saw them. */
  gap: { from: number; to: number } | null;
}

/** The part of the client's state a room handle reads. */
export interface RoomsSlice {
  readonly rooms: Readonly<Record<string, RoomState>>;
}
