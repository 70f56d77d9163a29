/**
 * `parley-task-toggle`: The user checks or unchecks a task (its checkbox, or
 * Space on the task). Cancel it to leave the task as it is.
 * Bubbles and crosses shadow roots.
 */
export class ParleyTaskToggleEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-task-toggle';
  /** The room id. */
  readonly room: string;
  /** The task id. */
  readonly taskId: string;
  /** Whether the task is done after the toggle. */
  readonly done: boolean;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, taskId: string, done: boolean) {
    super(ParleyTaskToggleEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.taskId = taskId;
    this.done = done;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-task-toggle': ParleyTaskToggleEvent;
  }
}
