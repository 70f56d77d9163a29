/**
 * One clock for every process of a run. `process.hrtime()` reads
 * CLOCK_MONOTONIC on Linux, which is system-wide, so a stamp taken in one
 * process can be subtracted from a reading in another on the same machine.
 */

/** Microseconds on the machine's monotonic clock. */
export function nowMicros(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1e6 + nanos / 1e3;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Raised when a bounded wait runs out. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Rejects with {@link TimeoutError} when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`${what}: no result within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every `everyMs` until it holds or `ms` pass; returns whether it held. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}
