/**
 * Typed helpers for the task list of a workspace document, so UIs never
 * touch the Yjs shapes: `doc.getMap('tasks')` maps a task id to a Y.Map
 * `{ text, done, order, createdBy }`, where `order` is a fractional index.
 * Concurrent inserts at the same place may get equal keys; the list breaks
 * the tie by id, and moving next to tied tasks renumbers them.
 */
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';
import * as Y from 'yjs';
import { requestError } from '../errors.js';
import { ErrorCode } from '../protocol/codes.js';
import { MAX_TASK_TEXT } from '../protocol/workspace.js';
import type { TaskPosition, WorkspaceTask } from './workspace-types.js';

/** The key of the shared map holding the tasks. */
export const TASKS_KEY = 'tasks';

/** The task list of one document; see the module comment. */
export class WorkspaceTasks {
  readonly #doc: Y.Doc;
  readonly #map: Y.Map<Y.Map<unknown>>;
  readonly #me: () => string;

  /** Wraps `doc`'s task map; `me` names the user recorded as `createdBy`. */
  constructor(doc: Y.Doc, me: () => string) {
    this.#doc = doc;
    this.#map = doc.getMap<Y.Map<unknown>>(TASKS_KEY);
    this.#me = me;
  }

  /** Every task, in list order (by `order`, then `id`). Entries that are not task maps are skipped. */
  list(): WorkspaceTask[] {
    const tasks: WorkspaceTask[] = [];
    for (const [id, value] of this.#map.entries()) {
      if (!(value instanceof Y.Map)) continue;
      const text = value.get('text');
      const order = value.get('order');
      const createdBy = value.get('createdBy');
      tasks.push({
        id,
        text: typeof text === 'string' ? text : '',
        done: value.get('done') === true,
        order: typeof order === 'string' ? order : '',
        createdBy: typeof createdBy === 'string' ? createdBy : '',
      });
    }
    return tasks.sort(compareTasks);
  }

  /** Adds a task (at the end, or before/after another) and returns its id. */
  add(text: string, position?: TaskPosition): string {
    checkText(text);
    const id = crypto.randomUUID();
    this.#doc.transact(() => {
      const task = new Y.Map<unknown>();
      this.#map.set(id, task);
      task.set('text', text);
      task.set('done', false);
      task.set('createdBy', this.#me());
      this.#place(id, task, position);
    });
    return id;
  }

  /** Sets `done` (default: flips it); false when there is no such task. */
  toggle(id: string, done?: boolean): boolean {
    const task = this.#task(id);
    if (!task) return false;
    task.set('done', done ?? task.get('done') !== true);
    return true;
  }

  /** Replaces a task's text; false when there is no such task. */
  setText(id: string, text: string): boolean {
    checkText(text);
    const task = this.#task(id);
    if (!task) return false;
    task.set('text', text);
    return true;
  }

  /** Moves a task before or after another; false when either task is missing. */
  move(id: string, position: TaskPosition): boolean {
    const task = this.#task(id);
    const anchor = 'before' in position ? position.before : position.after;
    if (!task || anchor === id || !this.#task(anchor)) return false;
    this.#doc.transact(() => this.#place(id, task, position));
    return true;
  }

  /** Deletes a task; false when there is no such task. */
  remove(id: string): boolean {
    if (!this.#task(id)) return false;
    this.#map.delete(id);
    return true;
  }

  /** Calls `listener` with the new list after every change to any task; returns the unsubscribe function. */
  observe(listener: (tasks: WorkspaceTask[]) => void): () => void {
    const handler = (): void => listener(this.list());
    this.#map.observeDeep(handler);
    return () => this.#map.unobserveDeep(handler);
  }

  #task(id: string): Y.Map<unknown> | null {
    const value = this.#map.get(id);
    return value instanceof Y.Map ? value : null;
  }

  /** Gives `task` an order key at `position` among the others (inside the caller's transaction). */
  #place(id: string, task: Y.Map<unknown>, position: TaskPosition | undefined): void {
    const others = this.list().filter((t) => t.id !== id);
    let at = others.length;
    if (position) {
      const anchor = others.findIndex((t) => t.id === ('before' in position ? position.before : position.after));
      if (anchor >= 0) at = 'before' in position ? anchor : anchor + 1;
    }
    const lower = others[at - 1]?.order ?? null;
    const upper = others[at]?.order ?? null;
    try {
      task.set('order', generateKeyBetween(lower, upper));
      return;
    } catch {
      // Tied or foreign keys around the spot: renumber the whole list below.
    }
    const ids = others.map((t) => t.id);
    ids.splice(at, 0, id);
    const keys = generateNKeysBetween(null, null, ids.length);
    ids.forEach((taskId, i) => (taskId === id ? task : this.#task(taskId))?.set('order', keys[i]));
  }
}

function compareTasks(a: WorkspaceTask, b: WorkspaceTask): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function checkText(text: string): void {
  if (text.length > MAX_TASK_TEXT) {
    throw requestError(ErrorCode.TextTooLong, `a task's text is at most ${MAX_TASK_TEXT} characters`);
  }
}
