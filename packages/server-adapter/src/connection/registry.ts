/** The open connections of this node, by user, with the per-user rate buckets. */
import type { Limits } from '@parley/sdk/protocol';
import { TokenBucket } from './rate-limit.js';

/** What the registry needs from a connection. */
export interface RegisteredConnection {
  readonly id: string;
}

/** Tracks connections so limits per user and shutdown can reach them. */
export class ConnectionRegistry<C extends RegisteredConnection = RegisteredConnection> {
  readonly #all = new Set<C>();
  readonly #byUser = new Map<string, Set<C>>();
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
    let set = this.#byUser.get(user);
    if (!set) {
      set = new Set();
      this.#byUser.set(user, set);
    }
    set.add(connection);
  }

  /** Forgets a closed connection. */
  remove(connection: C, user: string | null): void {
    this.#all.delete(connection);
    if (user === null) return;
    const set = this.#byUser.get(user);
    if (!set) return;
    set.delete(connection);
    if (set.size === 0) {
      this.#byUser.delete(user);
      this.#userBuckets.delete(user);
    }
  }

  /** Open, authenticated connections of `user`. */
  count(user: string): number {
    return this.#byUser.get(user)?.size ?? 0;
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
