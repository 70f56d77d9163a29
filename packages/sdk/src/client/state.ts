/** The shape of the client's state, as UIs read it from `client.store`. */
import type { ConnectionStatus } from '../engine/engine.js';
import type { ParleyError } from '../errors.js';
import type { CallState } from '../call/call-types.js';
import type { RoomState } from '../chat/chat-state.js';
import type { WorkspaceState } from '../workspace/workspace-types.js';
import type { PresenceInfo } from '../protocol/frames.js';
import type { InvitationInfo, UserInfo } from '../protocol/model.js';

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
