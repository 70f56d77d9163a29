/**
 * @parley/sdk/workspace — a room's shared document: Yjs synced through
 * y-websocket, a device copy, awareness and task helpers. The client loads
 * this module on the first `client.workspace(roomId)`, so chat-only pages
 * never download Yjs; import it directly only to have it up front. Needs the
 * optional peer dependencies `yjs`, `y-websocket`, `y-protocols`,
 * `y-indexeddb` and `lib0`.
 */
export { Workspace } from './workspace.js';
export type { WorkspaceHost } from './workspace.js';
export { WorkspaceRegistry } from './workspace-registry.js';
export { WorkspaceTasks } from './workspace-tasks.js';
export type {
  TaskPosition,
  WorkspaceLocalCopy,
  WorkspaceLocalStore,
  WorkspaceState,
  WorkspaceStatus,
  WorkspaceTask,
} from './workspace-types.js';
export { userColor } from '../protocol/workspace.js';
export type { AwarenessUser } from '../protocol/workspace.js';
