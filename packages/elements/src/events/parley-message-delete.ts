/**
 * `parley-message-delete`: The user deletes one of their messages. Cancel it to keep the message.
 * Bubbles and crosses shadow roots.
 */
export class ParleyMessageDeleteEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-message-delete';
  /** The room id. */
  readonly room: string;
  /** The deleted message (server id, or client id while pending). */
  readonly messageId: string;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, messageId: string) {
    super(ParleyMessageDeleteEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.messageId = messageId;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-message-delete': ParleyMessageDeleteEvent;
  }
}
