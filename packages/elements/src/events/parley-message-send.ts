/**
 * `parley-message-send`: The user sends a message (Enter or the send button). Cancel it to send the message yourself.
 * Bubbles and crosses shadow roots.
 */
export class ParleyMessageSendEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-message-send';
  /** The room id. */
  readonly room: string;
  /** The message text. */
  readonly text: string;
  /** The message replied to, or null. */
  readonly parentId: string | null;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, text: string, parentId: string | null) {
    super(ParleyMessageSendEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.text = text;
    this.parentId = parentId;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-message-send': ParleyMessageSendEvent;
  }
}
