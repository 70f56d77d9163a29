/**
 * Tells a Redis that answers from one that has stopped answering on a live
 * connection (paused, blocked by a slow command, or a peer that vanished
 * without closing the socket): a PING at a time, and how long it has waited.
 * A PING is answered after every command written before it, so an answer
 * also means those were answered.
 */
import type { Redis } from 'ioredis';

/** One PING at a time on one connection; see the module comment. */
export class RedisProbe {
  readonly #redis: Redis;
  /** When the PING in flight was sent, or null. */
  #sentAt: number | null = null;
  #epoch = 0;

  /** Probes `redis`. */
  constructor(redis: Redis) {
    this.#redis = redis;
  }

  /** Sends a PING unless one is still waiting or the connection is not ready; `answered` runs on its answer. */
  ping(answered: () => void): void {
    if (this.#sentAt !== null || this.#redis.status !== 'ready') return;
    const epoch = this.#epoch;
    this.#sentAt = Date.now();
    const done = (): void => {
      if (epoch !== this.#epoch) return;
      this.#sentAt = null;
      answered();
    };
    this.#redis.ping().then(done, done);
  }

  /** How long the PING in flight has waited (0 when none). */
  waitingMs(now: number): number {
    return this.#sentAt === null ? 0 : now - this.#sentAt;
  }

  /** The connection dropped: its PING will never be answered. */
  connectionLost(): void {
    this.#epoch++;
    this.#sentAt = null;
  }
}
