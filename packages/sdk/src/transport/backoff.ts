/**
 * Reconnect delays: exponential backoff with full jitter, so clients dropped
 * together by a server restart spread their reconnects out instead of
 * arriving as one herd.
 */

/** Tuning of the reconnect delay. */
export interface BackoffOptions {
  /** Delay scale of the first retry (default 500 ms). */
  baseMs: number;
  /** Upper bound of the exponential part (default 30 s). */
  capMs: number;
}

/** The defaults: 500 ms base, 30 s cap. */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ baseMs: 500, capMs: 30_000 });

/**
 * Delay before retry number `attempt` (0 for the first): a uniformly random
 * value in `[0, min(cap, base · 2^attempt))`, and never less than
 * `retryAfterMs` when the server asked for one (servers jitter that value
 * themselves, so it is not spread further).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 52));
  const jitter = Math.floor(random() * ceiling);
  return Math.max(retryAfterMs ?? 0, jitter);
}
