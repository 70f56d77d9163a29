/**
 * Registers `<chat-room>` (once: a second copy of the bundle only warns) and
 * re-exports its class. Import this module for the side effect.
 */
import { defineElement } from '../../internal/define-element.js';
import { ChatRoom } from './chat-room.component.js';

export { ChatRoom };

defineElement('chat-room', ChatRoom);

declare global {
  interface HTMLElementTagNameMap {
    'chat-room': ChatRoom;
  }
}
