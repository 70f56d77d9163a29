/**
 * The one place where `<workspace-editor>` meets the SDK's workspace API:
 * opens the room's workspace through `client.workspace()` and gives the
 * element the document's text, the task list and awareness in the shape it
 * renders.
 */
import type { ClientState, ParleyClient, WorkspaceState } from '@parley/sdk';
import type * as Y from 'yjs';
import type { AwarenessLike } from './safe-awareness.js';

/** One task, as the list shows it. */
export interface WorkspaceTask {
  id: string;
  text: string;
  done: boolean;
}

/** An open workspace; {@link OpenWorkspace.release} it when done. */
export interface OpenWorkspace {
  /** The shared text document. */
  readonly text: Y.Text;
  readonly awareness: AwarenessLike;
  /** The tasks in list order. */
  tasks(): WorkspaceTask[];
  /** Calls `listener` after every change to the task list; returns the unsubscribe function. */
  observeTasks(listener: () => void): () => void;
  addTask(text: string): void;
  toggleTask(id: string): void;
  /** Moves the task to `index` of the current order. */
  moveTask(id: string, index: number): void;
  removeTask(id: string): void;
  release(): void;
}

/** The workspace's sync state, as the element reads it (`client.state.workspaces[room]`). */
export type WorkspaceStatus = Pick<WorkspaceState, 'status' | 'pending' | 'readOnly'> & {
  /** Why it is offline; a non-retryable error means it stopped for good. */
  error: { code: string; message: string; retryable: boolean } | null;
};

/** Opens `room`'s workspace on `client` (the SDK shares one handle per room and counts holders). */
export async function openWorkspace(client: ParleyClient, room: string): Promise<OpenWorkspace> {
  const workspace = await client.workspace(room);
  const { tasks } = workspace;
  return {
    text: workspace.text,
    awareness: workspace.awareness as unknown as AwarenessLike,
    tasks: () => tasks.list().map(({ id, text, done }) => ({ id, text, done })),
    observeTasks: (listener) => tasks.observe(() => listener()),
    addTask: (text) => void tasks.add(text),
    toggleTask: (id) => void tasks.toggle(id),
    moveTask(id, index) {
      // To position `index`: before the task there when moving up, after it when moving down.
      const order = tasks.list();
      const from = order.findIndex((t) => t.id === id);
      const target = order[index];
      if (from < 0 || !target || target.id === id) return;
      tasks.move(id, index < from ? { before: target.id } : { after: target.id });
    },
    removeTask: (id) => void tasks.remove(id),
    release: () => workspace.release(),
  };
}

/** The sync state of `room`'s workspace, while it is open. */
export function workspaceStatus(state: ClientState, room: string): WorkspaceStatus | undefined {
  return state.workspaces[room];
}
