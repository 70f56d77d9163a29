/** The open connections of this node, by user, with the per-user rate buckets. */
import type { Limits } from '@parley/sdk/protocol';
import { TokenBucket } from '../quotas/rate-limit.js';

/** What the registry needs from a connection. */
export interface RegisteredConnection {
  readonly id: string;
}

/** Tracks connections so limits per user and shutdown can reach them. */
export class ConnectionRegistry<C extends RegisteredConnection = RegisteredConnection> {
  readonly #all = new Set<C>();
  /** Per user: the one connection (nearly always), or a set once there are more. */
  readonly #byUser = new Map<string, C | Set<C>>();
  readonly #userBuckets = new Map<string, TokenBucket>();
  readonly #userRate: Limits['userRate'];

  /** Creates a registry applying `userRate` across each user's connections. */
  constructor(userRate: Limits['userRate']) {
    this.#userRate = userRate;
  }

  /** Every open connection. */
  get all(): ReadonlySet<C> {
    return this.#all;
  }

  /** Records a new socket (not yet authenticated). */
  add(connection: C): void {
    this.#all.add(connection);
  }

  /** Binds an authenticated connection to its user. */
  bindUser(connection: C, user: string): void {
    const current = this.#byUser.get(user);
    if (current === undefined) this.#byUser.set(user, connection);
    else if (current instanceof Set) current.add(connection);
    else if (current !== connection) this.#byUser.set(user, new Set([current, connection]));
  }

  /** Forgets a closed connection. */
  remove(connection: C, user: string | null): void {
    this.#all.delete(connection);
    if (user === null) return;
    const current = this.#byUser.get(user);
    if (current === undefined) return;
    if (current instanceof Set) {
      current.delete(connection);
      if (current.size > 0) return;
    } else if (current !== connection) {
      return;
    }
    this.#byUser.delete(user);
    this.#userBuckets.delete(user);
  }

  /** Open, authenticated connections of `user`. */
  count(user: string): number {
    const current = this.#byUser.get(user);
    if (current === undefined) return 0;
    return current instanceof Set ? current.size : 1;
  }

  /** The rate bucket shared by all of `user`'s connections. */
  userBucket(user: string, now: number): TokenBucket {
    let bucket = this.#userBuckets.get(user);
    if (!bucket) {
      bucket = new TokenBucket(this.#userRate, now);
      this.#userBuckets.set(user, bucket);
    }
    return bucket;
  }
}
