import { defineElement } from '../../internal/define-element.js';
import { ChatRoom } from './chat-room.component.js';

export { ChatRoom };

defineElement('chat-room', ChatRoom);

declare global {
  interface HTMLElementTagNameMap {
    'chat-room': ChatRoom;
  }
}
