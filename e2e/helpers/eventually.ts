/** Bounded polling: the only way these tests wait for something to happen. */
import { setTimeout as sleep } from 'node:timers/promises';
import { WAIT_MS } from './bounds.js';

/** Raised when a condition did not hold in time; carries the last observation. */
export class TimedOutError extends Error {
  override name = 'TimedOutError';
}

export interface EventuallyOptions {
  /** Give up after this long (a bound, not a performance goal; default {@link WAIT_MS}). */
  timeoutMs?: number;
  /** Pause between two checks. */
  intervalMs?: number;
}

/**
 * Reads a value until `done(value)` holds and returns it. On timeout it throws
 * with `what` and the last value read (or the last error), so a failure says
 * what the page actually showed.
 */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = WAIT_MS, intervalMs = 100 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await read();
      if (done(value)) return value;
      last = { value };
    } catch (error) {
      // A page in the middle of a reload throws; keep polling until the deadline.
      last = { error };
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  const seen =
    last === undefined ? 'nothing' : 'value' in last ? JSON.stringify(last.value) : `error: ${String(last.error)}`;
  throw new TimedOutError(`timed out after ${timeoutMs} ms waiting for ${what}; last saw ${seen}`);
}
