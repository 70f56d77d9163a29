/**
 * @parley/elements — the public API of the Lit web components, without
 * registering any tag (import `@parley/elements/define`, a tag's own module
 * such as `@parley/elements/chat-room`, or the script-tag bundle for that).
 * Importing it in Node or during SSR does not touch the DOM; a bundler keeps
 * only the elements an app uses.
 *
 * What is here is the whole contract: the five element classes, the events
 * they fire, their English strings and types, and for hosts that build their
 * own elements the context key of `<parley-session>`'s client and
 * `StoreController`. Anything else in the package is internal.
 */

// The elements.
export { ParleySession } from './components/parley-session/parley-session.component.js';
export { ChatRoom, DEFAULT_REACTIONS } from './components/chat-room/chat-room.component.js';
export { RoomList } from './components/room-list/room-list.component.js';
export { CallPanel } from './components/call-panel/call-panel.component.js';
export { WorkspaceEditor, DEFAULT_MAX_TASK_LENGTH } from './components/workspace-editor/workspace-editor.component.js';

// The events they fire (all cancelable): for user actions, and `parley-error` when an element cannot work.
export { ParleyErrorEvent } from './events/parley-error.js';
export { ParleyMessageSendEvent } from './events/parley-message-send.js';
export { ParleyMessageEditEvent } from './events/parley-message-edit.js';
export { ParleyMessageDeleteEvent } from './events/parley-message-delete.js';
export { ParleyReactionToggleEvent } from './events/parley-reaction-toggle.js';
export { ParleyThreadOpenEvent } from './events/parley-thread-open.js';
export { ParleyRoomSelectEvent } from './events/parley-room-select.js';
export { ParleyCallJoinEvent } from './events/parley-call-join.js';
export { ParleyCallLeaveEvent } from './events/parley-call-leave.js';
export { ParleyCallMediaToggleEvent } from './events/parley-call-media-toggle.js';
export type { CallPanelMedia } from './events/parley-call-media-toggle.js';
export { ParleyCallDeviceSelectEvent } from './events/parley-call-device-select.js';
export { ParleyTaskAddEvent } from './events/parley-task-add.js';
export { ParleyTaskToggleEvent } from './events/parley-task-toggle.js';
export { ParleyTaskMoveEvent } from './events/parley-task-move.js';
export { ParleyTaskDeleteEvent } from './events/parley-task-delete.js';

// Their English strings (each element's `strings` property overrides any of them).
export { chatRoomStrings } from './components/chat-room/chat-room.strings.js';
export type { ChatRoomStrings } from './components/chat-room/chat-room.strings.js';
export { roomListStrings } from './components/room-list/room-list.strings.js';
export type { RoomListStrings } from './components/room-list/room-list.strings.js';
export { callPanelStrings } from './components/call-panel/call-panel.strings.js';
export type { CallPanelStrings } from './components/call-panel/call-panel.strings.js';
export { workspaceEditorStrings } from './components/workspace-editor/workspace-editor.strings.js';
export type { WorkspaceEditorStrings } from './components/workspace-editor/workspace-editor.strings.js';
// The failure sentences every element shows (also overridable through each element's `strings`).
export { errorStrings } from './base/failure-report.js';
export type { ErrorStrings } from './base/error-strings.js';

// For hosts that build their own elements on a session's client.
export { clientContext } from './context/client-context.js';
export { StoreController } from './controllers/store-controller.js';
