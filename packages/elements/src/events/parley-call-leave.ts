/**
 * `parley-call-leave`: the user pressed "Leave call" in a `<call-panel>`.
 * Cancel it to stay in the call (for example to confirm first). Bubbles and
 * crosses shadow roots.
 */
export class ParleyCallLeaveEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-call-leave';
  /** The room id. */
  readonly room: string;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string) {
    super(ParleyCallLeaveEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-call-leave': ParleyCallLeaveEvent;
  }
}
