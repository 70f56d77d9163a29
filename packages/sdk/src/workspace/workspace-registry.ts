/** The open workspaces of one client: one shared handle per room, paused, resumed and closed with the client. */
import { ParleyError } from '../errors.js';
import { Workspace } from './workspace.js';
import type { WorkspaceHost } from './workspace.js';

/** Opens and shares the workspaces of one client. */
export class WorkspaceRegistry {
  readonly #host: WorkspaceHost;
  readonly #handles = new Map<string, Workspace>();
  readonly #opening = new Map<string, Promise<Workspace>>();
  #closed = false;

  /** Creates an empty registry for the client behind `host`. */
  constructor(host: WorkspaceHost) {
    this.#host = host;
  }

  /** The room's workspace, opened on first use; each call must be matched by one `release()`. */
  async get(room: string): Promise<Workspace> {
    if (this.#closed) throw new ParleyError('aborted', 'the client was disposed');
    const open = this.#handles.get(room);
    if (open) return open.retain();
    let opening = this.#opening.get(room);
    if (!opening) {
      opening = this.#host.identity().then((user) => {
        if (this.#closed) throw new ParleyError('aborted', 'the client was disposed');
        const workspace = new Workspace(room, user, this.#host, () => {
          if (this.#handles.get(room) === workspace) this.#handles.delete(room);
        });
        this.#handles.set(room, workspace);
        return workspace;
      });
      this.#opening.set(room, opening);
      const settle = (): void => void this.#opening.delete(room);
      opening.then(settle, settle);
    }
    return (await opening).retain();
  }

  /** Pauses every workspace socket. */
  pause(): void {
    for (const workspace of this.#handles.values()) workspace.pause();
  }

  /** Resumes every workspace socket. */
  resume(): void {
    for (const workspace of this.#handles.values()) workspace.resume();
  }

  /** Closes every workspace (dispose, logout); `purge` deletes their device copies too. */
  async close(purge: boolean): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#opening.values()]);
    await Promise.all([...this.#handles.values()].map((workspace) => workspace.destroy(purge)));
  }
}
