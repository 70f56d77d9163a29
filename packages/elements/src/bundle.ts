/**
 * Entry of the script-tag bundle (`dist/browser/parley.js`): registers the
 * elements and exports what a page script needs, so a page needs one
 * `<script type="module">`. It is built with code splitting on: elements
 * other than `<parley-session>` and `<chat-room>` load on first sight
 * (see `define.ts`) from chunks beside this file, outside the chat-only
 * budget. Their classes are not exported here for that reason; import them
 * from `@parley/elements` in a bundled app. What is exported is a part of
 * `@parley/elements`' public index, plus the SDK's client basics.
 */
import './define.js';

export { ParleySession } from './components/parley-session/parley-session.component.js';
export { ChatRoom, DEFAULT_REACTIONS } from './components/chat-room/chat-room.component.js';
export { ParleyMessageSendEvent } from './events/parley-message-send.js';
export { ParleyMessageEditEvent } from './events/parley-message-edit.js';
export { ParleyMessageDeleteEvent } from './events/parley-message-delete.js';
export { ParleyReactionToggleEvent } from './events/parley-reaction-toggle.js';
export { ParleyThreadOpenEvent } from './events/parley-thread-open.js';
export { ParleyRoomSelectEvent } from './events/parley-room-select.js';
export { chatRoomStrings } from './components/chat-room/chat-room.strings.js';
export { clientContext } from './context/client-context.js';
export { StoreController } from './controllers/store-controller.js';
export { createClient, ErrorCode, fetchDevToken } from '@parley/sdk';
