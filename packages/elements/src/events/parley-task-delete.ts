/**
 * `parley-task-delete`: The user deletes a task (its delete button, or
 * Delete on the task). Cancel it to keep the task.
 * Bubbles and crosses shadow roots.
 */
export class ParleyTaskDeleteEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-task-delete';
  /** The room id. */
  readonly room: string;
  /** The task id. */
  readonly taskId: string;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, taskId: string) {
    super(ParleyTaskDeleteEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.taskId = taskId;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-task-delete': ParleyTaskDeleteEvent;
  }
}
