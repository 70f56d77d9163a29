/**
 * The open workspace sockets of this node, counted per user for
 * `maxConnectionsPerUser`, and the users cooling down after one of their
 * updates was refused as too complex.
 */

/** What the set needs from a socket. */
export interface CountedSocket {
  readonly id: string;
}

/** Tracks workspace sockets (all of them, and per authenticated user). */
export class WorkspaceSockets<S extends CountedSocket = CountedSocket> {
  readonly #all = new Set<S>();
  readonly #perUser = new Map<string, number>();
  /** Users who may not use workspaces until then (epoch ms). */
  readonly #coolingDown = new Map<string, number>();

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

  /** `user` may not use workspaces on this node until `until` (epoch ms). */
  coolDown(user: string, until: number): void {
    this.#coolingDown.set(user, Math.max(until, this.#coolingDown.get(user) ?? 0));
  }

  /** How long `user` still has to wait at `now` (ms; 0 when not cooling down). */
  coolingDown(user: string, now: number): number {
    const until = this.#coolingDown.get(user);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.#coolingDown.delete(user);
    return 0;
  }
}
