/** Token buckets for frame rates, and the window that spots clients ignoring them. */

/** A token bucket refilled continuously at `perSecond`, holding at most `burst` tokens. */
export class TokenBucket {
  readonly #perSecond: number;
  readonly #burst: number;
  #tokens: number;
  #updatedAt: number;

  /** Starts full. */
  constructor(rate: { perSecond: number; burst: number }, now: number) {
    this.#perSecond = rate.perSecond;
    this.#burst = Math.max(1, rate.burst);
    this.#tokens = this.#burst;
    this.#updatedAt = now;
  }

  /**
   * Takes `cost` tokens (one by default): returns 0 on success, else the
   * milliseconds until they are available. A cost above the burst is taken
   * from a full bucket, which it leaves in debt.
   */
  take(now: number, cost = 1): number {
    this.#refill(now);
    const need = Math.min(cost, this.#burst);
    if (this.#tokens >= need) {
      this.#tokens -= cost;
      return 0;
    }
    if (this.#perSecond <= 0) return 60_000;
    return Math.max(1, Math.ceil(((need - this.#tokens) / this.#perSecond) * 1000));
  }

  /** Gives back tokens taken by {@link take} (one by default) when another bucket refused, or the cost was less. */
  refund(cost = 1): void {
    this.#tokens = Math.min(this.#burst, this.#tokens + cost);
  }

  /** Takes `cost` tokens whatever the balance; below zero, later takes wait until it is paid back. */
  charge(now: number, cost: number): void {
    this.#refill(now);
    this.#tokens -= cost;
  }

  /** Whether the bucket is full again, i.e. no different from a new one. */
  full(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.#burst;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#updatedAt = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed / 1000) * this.#perSecond);
  }
}

/** Counts events in a sliding time window (rejected frames, to disconnect abusers). */
export class WindowCounter {
  readonly #windowMs: number;
  readonly #times: number[] = [];

  /** Creates a counter over the last `windowMs` milliseconds. */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Records one event at `now` and returns how many fall in the window. */
  hit(now: number): number {
    this.#times.push(now);
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < this.#times.length && this.#times[drop] <= cutoff) drop++;
    if (drop > 0) this.#times.splice(0, drop);
    return this.#times.length;
  }
}
