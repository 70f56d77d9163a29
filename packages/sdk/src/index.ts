/**
 * @parley/sdk — the Parley chat client: offline-first (durable outbox,
 * device cache), framework-agnostic state store, typed errors and events.
 */
export { createClient, ParleyClient } from './client/client.js';
export type { ClientOptions } from './client/options.js';
export type { ClientEvents } from './client/client-events.js';
// Calls: types only here; the code (`@parley/sdk/call`) loads on the first `client.call()`.
export type {
  Call,
  CallDevice,
  CallDeviceSelection,
  CallEndReason,
  CallEvents,
  CallJoinOptions,
  CallMedia,
  CallMediaSource,
  CallMediaStats,
  CallParticipant,
  CallQuality,
  CallSelf,
  CallState,
  CallStatus,
  MediaDevicesLike,
  ShareScreenOptions,
} from './call/index.js';
export { Room } from './chat/room.js';
export type { InviteResult, SendOptions } from './chat/room.js';
export type { ClientState } from './client/state.js';
export type { LocalMessage, MessageStatus, RoomState } from './chat/chat-state.js';
// Workspaces: types only here; Yjs and the workspace code (`@parley/sdk/workspace`) load on the first `client.workspace()`.
export type {
  TaskPosition,
  Workspace,
  WorkspaceLocalCopy,
  WorkspaceLocalStore,
  WorkspaceState,
  WorkspaceStatus,
  WorkspaceTask,
  WorkspaceTasks,
} from './workspace/index.js';
export { userColor } from './protocol/workspace.js';
export type { AwarenessUser } from './protocol/workspace.js';
export { endpoints, fetchDevToken } from './client/http.js';
export type { Endpoints, UploadOptions } from './client/http.js';
export type { ConnectionStatus } from './engine/engine.js';
export type { TokenSource } from './engine/token.js';
export { AuthError, ConnectionError, LimitError, ParleyError, RequestError } from './errors.js';
export type { ClientErrorCode, ParleyErrorCode } from './errors.js';
export type { Listener } from './events.js';
export { IndexedDbOfflineStore } from './offline/indexeddb.js';
export { MemoryOfflineStore } from './offline/memory.js';
export type { OfflineBatch, OfflineScope, OfflineSnapshot, OfflineStore, OutboxEntry, RoomRecord } from './offline/types.js';
export { shallowEqual } from './store/store.js';
export type { EqualityFn, ReadableStore, Selector, SliceListener } from './store/store.js';
export { backoffDelay } from './transport/backoff.js';
export type { BackoffOptions } from './transport/backoff.js';
export type { Timers, WebSocketConstructor, WebSocketLike } from './transport/platform.js';
export { CloseCode, ErrorCode } from './protocol/codes.js';
export type {
  AttachmentInfo,
  InvitationInfo,
  MemberInfo,
  Message,
  MessageEdit,
  PresenceStatus,
  Retention,
  Role,
  RoomInfo,
  RoomKind,
  UserInfo,
} from './protocol/model.js';
export type { PresenceInfo, RoomSync } from './protocol/frames.js';
export type { Limits } from './protocol/limits.js';
