/**
 * `parley-message-edit`: The user saves an edit of one of their messages. Cancel it to skip the edit.
 * Bubbles and crosses shadow roots.
 */
export class ParleyMessageEditEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-message-edit';
  /** The room id. */
  readonly room: string;
  /** The edited message (server id, or client id while pending). */
  readonly messageId: string;
  /** The new text. */
  readonly text: string;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, messageId: string, text: string) {
    super(ParleyMessageEditEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.messageId = messageId;
    this.text = text;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-message-edit': ParleyMessageEditEvent;
  }
}
