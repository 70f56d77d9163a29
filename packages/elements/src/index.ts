/**
 * @parley/elements — Lit web components for Parley. This entry exports the
 * classes without registering them; import `@parley/elements/define` (or the
 * script-tag bundle) to register every tag.
 */
export { clientContext } from './context/client-context.js';
export { defineElement } from './internal/define-element.js';
export { RoomList } from './components/room-list/room-list.component.js';
export type { RoomSummary } from './components/room-list/room-summary.js';
export { ParleyRoomSelectEvent } from './events/parley-room-select.js';
export { roomListStrings } from './components/room-list/room-list.strings.js';
export type { RoomListStrings } from './components/room-list/room-list.strings.js';
export { StoreController } from './controllers/store-controller.js';
export { ParleySession } from './components/parley-session/parley-session.component.js';
export { ChatRoom, DEFAULT_REACTIONS } from './components/chat-room/chat-room.component.js';
export { ParleyMessageSendEvent } from './events/parley-message-send.js';
export { ParleyMessageEditEvent } from './events/parley-message-edit.js';
export { ParleyMessageDeleteEvent } from './events/parley-message-delete.js';
export { ParleyReactionToggleEvent } from './events/parley-reaction-toggle.js';
export { ParleyThreadOpenEvent } from './events/parley-thread-open.js';
export { chatRoomStrings } from './components/chat-room/chat-room.strings.js';
export { mergeStrings } from './internal/merge-strings.js';
export type { ChatRoomStrings } from './components/chat-room/chat-room.strings.js';
export { parseInline, renderInline, safeHref } from './internal/inline-markdown.js';
export type { InlineNode } from './internal/inline-markdown.js';
export { CallPanel } from './components/call-panel/call-panel.component.js';
export { ParleyCallJoinEvent } from './events/parley-call-join.js';
export { ParleyCallLeaveEvent } from './events/parley-call-leave.js';
export { ParleyCallMediaToggleEvent } from './events/parley-call-media-toggle.js';
export type { CallPanelMedia } from './events/parley-call-media-toggle.js';
export { ParleyCallDeviceSelectEvent } from './events/parley-call-device-select.js';
export { callPanelStrings } from './components/call-panel/call-panel.strings.js';
export type { CallPanelStrings } from './components/call-panel/call-panel.strings.js';
