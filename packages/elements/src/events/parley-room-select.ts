/**
 * `parley-room-select`: the user picked a room in a `<room-list>` (click,
 * Enter or Space, or after creating or joining it). Cancelable: calling
 * `preventDefault()` keeps the current selection.
 */
export class ParleyRoomSelectEvent extends Event {
  static readonly eventName = 'parley-room-select';

  /** The id of the chosen room. */
  readonly room: string;

  constructor(room: string) {
    super(ParleyRoomSelectEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-room-select': ParleyRoomSelectEvent;
  }
}
