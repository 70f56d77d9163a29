/**
 * Client-side token bucket mirroring the server's announced rate limit, so a
 * burst (a long outbox replay) is spread out instead of being refused with
 * `rate_limited`, which would reorder messages that were already pipelined.
 */
import type { Timers } from '../transport/platform.js';

/** Share of the server's budget the client allows itself, leaving room for timer drift. */
const HEADROOM = 0.98;
/** Frames the server already counted before the limits were known (the `auth` frame). */
const SPENT_BEFORE_WELCOME = 1;

/** Queues text frames and writes them no faster than the configured rate. */
export class Pacer {
  // Unlimited until the server announces its limits.
  private tokens = Infinity;
  private capacity = Infinity;
  private perMs = 0;
  private last = 0;
  private readonly queue: string[] = [];
  private head = 0;
  private timer: unknown = null;

  constructor(
    private readonly write: (text: string) => void,
    private readonly timers: Timers,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Sets the rate (frames per second) and burst; resets the bucket to full. */
  configure(perSecond: number, burst: number): void {
    this.capacity = Math.max(1, Math.floor(burst * HEADROOM) - SPENT_BEFORE_WELCOME);
    this.perMs = (perSecond * HEADROOM) / 1000;
    this.tokens = this.capacity;
    this.last = this.now();
  }

  /** Number of frames waiting for tokens. */
  get backlog(): number {
    return this.queue.length - this.head;
  }

  /** Writes `text` now if the bucket allows, else queues it behind earlier frames. */
  push(text: string): void {
    this.queue.push(text);
    this.drain();
  }

  /** Drops every queued frame (the connection is gone). */
  clear(): void {
    this.queue.length = 0;
    this.head = 0;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private drain(): void {
    if (this.timer !== null) return;
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
    while (this.head < this.queue.length && this.tokens >= 1) {
      this.tokens -= 1;
      this.write(this.queue[this.head++]);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      return;
    }
    const wait = Math.ceil((1 - this.tokens) / this.perMs);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.drain();
    }, wait);
  }
}
