/**
 * `parley-reaction-toggle`: The user toggles a reaction on a message. Cancel it to skip the change.
 * Bubbles and crosses shadow roots.
 */
export class ParleyReactionToggleEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-reaction-toggle';
  /** The room id. */
  readonly room: string;
  /** The message reacted to. */
  readonly messageId: string;
  /** The emoji. */
  readonly emoji: string;
  /** True when the reaction is added, false when removed. */
  readonly on: boolean;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, messageId: string, emoji: string, on: boolean) {
    super(ParleyReactionToggleEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.messageId = messageId;
    this.emoji = emoji;
    this.on = on;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-reaction-toggle': ParleyReactionToggleEvent;
  }
}
