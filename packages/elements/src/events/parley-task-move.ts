/**
 * `parley-task-move`: The user moves a task up or down the list
 * (Alt+ArrowUp / Alt+ArrowDown on a task, or its move buttons). Cancel it to
 * keep the order. Bubbles and crosses shadow roots.
 */
export class ParleyTaskMoveEvent extends Event {
  /** The event name. */
  static readonly eventName = 'parley-task-move';
  /** The room id. */
  readonly room: string;
  /** The task id. */
  readonly taskId: string;
  /** Its position after the move (0 is the top). */
  readonly index: number;

  /** Creates the event (elements fire it; hosts only listen). */
  constructor(room: string, taskId: string, index: number) {
    super(ParleyTaskMoveEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.room = room;
    this.taskId = taskId;
    this.index = index;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-task-move': ParleyTaskMoveEvent;
  }
}
