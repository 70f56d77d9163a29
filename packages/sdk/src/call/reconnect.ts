/**
 * Joining a call again after it was lost (the chat connection came back, or
 * the server's media worker died): one attempt, and a few more when the
 * server answers `call_unavailable` with a time to wait (the node hosting
 * the call just died and another takes over).
 */
import type { ParleyError } from '../errors.js';
import type { Timers } from '../transport/platform.js';
import { toCallError } from './call-errors.js';

/** Joins a rejoin tries when the server answers `call_unavailable` with a `retryAfterMs`. */
const REJOIN_ATTEMPTS = 4;
/** Longest wait between those tries (ms), whatever the server suggests. */
const MAX_REJOIN_WAIT_MS = 5_000;

/** The steps of one rejoin. */
export interface RejoinSteps {
  /** One join: `call.join` and a new media session. */
  attempt(): Promise<void>;
  /** Whether this rejoin still matters (no leave and no newer rejoin since). */
  current(): boolean;
  /** Whether the chat connection is up. */
  online(): boolean;
  readonly timers: Timers;
}

/**
 * Rejoins: `'joined'`, or the failure that ends the call, or `'dropped'`
 * when it stopped mattering or the connection dropped again (whose return
 * starts another rejoin).
 */
export async function rejoin(steps: RejoinSteps): Promise<'joined' | 'dropped' | ParleyError> {
  for (let attempt = 1; ; attempt++) {
    try {
      await steps.attempt();
      return 'joined';
    } catch (error) {
      if (!steps.current()) return 'dropped';
      const failure = toCallError(error);
      // A connection lost meanwhile brings us back here when it returns.
      if (failure.retryable && !steps.online()) return 'dropped';
      // The server said when to try again (e.g. the node hosting the call just died): a few times.
      if (failure.code === 'call_unavailable' && failure.retryAfterMs !== undefined && attempt < REJOIN_ATTEMPTS) {
        const wait = Math.min(failure.retryAfterMs, MAX_REJOIN_WAIT_MS);
        await new Promise<void>((resolve) => steps.timers.setTimeout(resolve, wait));
        if (!steps.current()) return 'dropped';
        continue;
      }
      return failure;
    }
  }
}
