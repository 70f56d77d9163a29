/**
 * Registers every Parley element. Importing this module is the side effect;
 * the classes themselves come from `@parley/elements`.
 */
export {};
import './components/parley-session/parley-session.define.js';
import './components/chat-room/chat-room.define.js';
import './components/room-list/room-list.define.js';
