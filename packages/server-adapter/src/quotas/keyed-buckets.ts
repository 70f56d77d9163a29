/**
 * Token buckets by key (a user, a room). A bucket is made on first use and
 * forgotten once it has refilled, since a full bucket is no different from
 * a new one: memory follows the keys active within a refill time, and
 * reconnecting never resets a limit.
 */
import { TokenBucket } from '../quotas/rate-limit.js';

/** How often full buckets are dropped (ms). */
const SWEEP_MS = 60_000;

/** See the module comment. */
export class KeyedBuckets {
  readonly #rate: { perSecond: number; burst: number };
  readonly #buckets = new Map<string, TokenBucket>();
  #sweptAt = 0;

  /** Buckets of `rate.burst` tokens refilled at `rate.perSecond`. */
  constructor(rate: { perSecond: number; burst: number }) {
    this.#rate = rate;
  }

  /** Takes `cost` tokens from `key`'s bucket: 0 on success, else the milliseconds to wait. */
  take(key: string, now: number, cost = 1): number {
    return this.#bucket(key, now).take(now, cost);
  }

  /** Gives back tokens taken from `key`'s bucket. */
  refund(key: string, cost: number): void {
    this.#buckets.get(key)?.refund(cost);
  }

  /** Takes `cost` tokens from `key`'s bucket whatever its balance (see {@link TokenBucket.charge}). */
  charge(key: string, now: number, cost: number): void {
    this.#bucket(key, now).charge(now, cost);
  }

  /** Buckets held now (for tests). */
  get size(): number {
    return this.#buckets.size;
  }

  #bucket(key: string, now: number): TokenBucket {
    if (now - this.#sweptAt >= SWEEP_MS) this.#sweep(now);
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, (bucket = new TokenBucket(this.#rate, now)));
    return bucket;
  }

  #sweep(now: number): void {
    this.#sweptAt = now;
    for (const [key, bucket] of this.#buckets) if (bucket.full(now)) this.#buckets.delete(key);
  }
}
