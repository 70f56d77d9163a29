/**
 * `parley-task-add`: The user adds a task to the workspace's list (Enter in
 * the new-task field, or the Add button). Cancel it to keep the task out.
 * Bubbles and crosses shadow roots.
 */
export class ParleyTaskAddEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-task-add';
  /** The room id. */
  readonly room: string;
  /** The task text. */
  readonly text: string;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, text: string) {
    super(ParleyTaskAddEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.text = text;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-task-add': ParleyTaskAddEvent;
  }
}
