/**
 * Registers `<room-list>` (once: a second copy of the bundle only warns) and
 * re-exports its class. Import this module for the side effect.
 */
import { defineElement } from '../../internal/define-element.js';
import { RoomList } from './room-list.component.js';

export { RoomList };

defineElement('room-list', RoomList);

declare global {
  interface HTMLElementTagNameMap {
    'room-list': RoomList;
  }
}
