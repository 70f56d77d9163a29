/** The shape of the client's state, as UIs read it from `client.store`. */
import type { ConnectionStatus } from '../engine/engine.js';
import type { ParleyError } from '../errors.js';
import type { CallState } from '../call/call-types.js';
import type { WorkspaceState } from '../workspace/workspace-types.js';
import type { PresenceInfo } from '../protocol/frames.js';
import type { InvitationInfo, MemberInfo, Message, RoomInfo, UserInfo } from '../protocol/model.js';

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

/** The whole client state. */
export interface ClientState {
  /** The one sync state: see {@link ConnectionStatus}. */
  connection: ConnectionStatus;
  /** The signed-in user (from the token until the server confirms it). */
  user: UserInfo | null;
  /** Mutations waiting in the outbox. */
  pending: number;
  /** Mutations the server refused (retry or discard them). */
  failed: number;
  rooms: Readonly<Record<string, RoomState>>;
  /** Unread messages over all rooms. */
  unreadTotal: number;
  /** Presence of the users we heard about. */
  presence: Readonly<Record<string, PresenceInfo>>;
  /** The last connection or sync error. */
  lastError: ParleyError | null;
  /** Calls by room id, once `client.call(roomId)` was used for that room (see `CallState`). */
  calls: Readonly<Record<string, CallState>>;
  /** Open workspaces by room id (see `WorkspaceState`), from `client.workspace(roomId)` until released. */
  workspaces: Readonly<Record<string, WorkspaceState>>;
  /** Open workspaces with local changes the server has not confirmed ("3 messages and 1 document pending"). */
  pendingDocuments: number;
  /** Invitations waiting for the user to accept or decline, newest first (servers that ask for consent). */
  invitations: readonly InvitationInfo[];
}

/** The state before anything is loaded. */
export function initialState(): ClientState {
  return {
    connection: 'idle',
    user: null,
    pending: 0,
    failed: 0,
    rooms: {},
    unreadTotal: 0,
    presence: {},
    lastError: null,
    calls: {},
    workspaces: {},
    pendingDocuments: 0,
    invitations: [],
  };
}
