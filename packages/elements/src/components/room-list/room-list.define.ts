import { defineElement } from '../../internal/define-element.js';
import { RoomList } from './room-list.component.js';

export { RoomList };

defineElement('room-list', RoomList);

declare global {
  interface HTMLElementTagNameMap {
    'room-list': RoomList;
  }
}
