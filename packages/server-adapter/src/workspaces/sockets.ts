/** The open workspace sockets of this node, counted per user for `maxConnectionsPerUser`. */

/** What the set needs from a socket. */
export interface CountedSocket {
  readonly id: string;
}

/** Tracks workspace sockets (all of them, and per authenticated user). */
export class WorkspaceSockets<S extends CountedSocket = CountedSocket> {
  readonly #all = new Set<S>();
  readonly #perUser = new Map<string, number>();

  /** Every open socket. */
  get all(): ReadonlySet<S> {
    return this.#all;
  }

  /** Records a new (not yet authenticated) socket. */
  add(socket: S): void {
    this.#all.add(socket);
  }

  /** Counts an authenticated socket for its user. */
  bindUser(_socket: S, user: string): void {
    this.#perUser.set(user, (this.#perUser.get(user) ?? 0) + 1);
  }

  /** Forgets a closed socket (and its user's count, when it was bound). */
  remove(socket: S, user: string | null): void {
    if (!this.#all.delete(socket) || user === null) return;
    const left = (this.#perUser.get(user) ?? 1) - 1;
    if (left > 0) this.#perUser.set(user, left);
    else this.#perUser.delete(user);
  }

  /** Open workspace sockets of `user`. */
  count(user: string): number {
    return this.#perUser.get(user) ?? 0;
  }
}
