/**
 * `parley-thread-open`: The user opens the thread of a message. Cancel it to show the thread yourself.
 * Bubbles and crosses shadow roots.
 */
export class ParleyThreadOpenEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-thread-open';
  /** The room id. */
  readonly room: string;
  /** The parent message of the thread. */
  readonly messageId: string;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, messageId: string) {
    super(ParleyThreadOpenEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.messageId = messageId;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-thread-open': ParleyThreadOpenEvent;
  }
}
