/**
 * When the client's state reaches the store. Changes run inside `mutate()`
 * or `act()` and are published once, at the outermost call. Network-driven
 * changes (`mutate`) are published at most every `intervalMs`, so a burst of
 * acks does not rebuild big rooms a thousand times; user actions (`act`) are
 * published at once, because the user must see them immediately.
 */
import type { Timers } from '../transport/platform.js';

/** Settings of a {@link StatePublisher}. */
export interface StatePublisherOptions {
  timers: Timers;
  /** Shortest time between two publications of network-driven changes (ms). */
  intervalMs: number;
  /** Builds the next state from the parts and puts it into the store. */
  publish(): void;
}

/** See the module comment. */
export class StatePublisher {
  private depth = 0;
  private urgent = false;
  private timer: unknown = null;
  private lastPublish = 0;
  private settledWaiters: Array<() => void> = [];

  constructor(private readonly options: StatePublisherOptions) {}

  /** Runs `fn`, then publishes (throttled, or at once when `urgent`); nested calls publish at the outermost. */
  mutate<T>(fn: () => T, urgent = false): T {
    this.depth++;
    if (urgent) this.urgent = true;
    try {
      return fn();
    } finally {
      if (--this.depth === 0) {
        const now = this.urgent;
        this.urgent = false;
        this.schedule(now);
      }
    }
  }

  /** Like {@link StatePublisher.mutate} but publishes at once. */
  act<T>(fn: () => T): T {
    return this.mutate(fn, true);
  }

  /** Resolves once every change made so far is visible in the store. */
  settled(): Promise<void> {
    if (this.timer === null) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private schedule(now: boolean): void {
    const { timers, intervalMs } = this.options;
    const elapsed = Date.now() - this.lastPublish;
    if (now || (this.timer === null && elapsed >= intervalMs)) {
      this.publishNow();
    } else {
      this.timer ??= timers.setTimeout(() => this.publishNow(), intervalMs - elapsed);
    }
  }

  private publishNow(): void {
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
    this.lastPublish = Date.now();
    this.options.publish();
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
