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

  /** Takes one token: returns 0 on success, else the milliseconds until one is available. */
  take(now: number): number {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    if (this.#perSecond <= 0) return 60_000;
    return Math.max(1, Math.ceil(((1 - this.#tokens) / this.#perSecond) * 1000));
  }

  /** Gives back a token taken by {@link take} when another bucket refused the frame. */
  refund(): void {
    this.#tokens = Math.min(this.#burst, this.#tokens + 1);
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
