/**
 * Registers every Parley element. Importing this module is the side effect;
 * the classes themselves come from `@parley/elements`.
 */
export {};
import './components/parley-session/parley-session.js';
import './components/chat-room/chat-room.js';
import './components/room-list/room-list.js';
