/**
 * Helpers shared by the browser test files (SDK and elements).
 *
 * Every wait is for something a user would notice, bounded in time, never a
 * pause that is assumed to be long enough: on a busy machine (a CI runner
 * sharing its cores with a build) everything takes several times longer.
 */

/** How long a wait may take before it fails: a bound for a busy machine, not a performance goal. */
export const WAIT_MS = 30_000;
/** Pause between two checks of a condition. */
const POLL_MS = 20;

/** A user name no earlier run has used (browser storage may outlive a run). */
export function unique(name: string): string {
  return `${name}-${crypto.randomUUID().slice(0, 8)}`;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `condition` holds, polling; fails after `timeoutMs` naming `what`. */
export async function until(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(POLL_MS);
  }
}

/**
 * Waits until the asynchronous `condition` holds (e.g. one read from WebRTC
 * statistics or a server command), checking every `intervalMs`; fails after
 * `timeoutMs` naming `what`.
 */
export async function eventually(
  condition: () => Promise<boolean>,
  what: string,
  { timeoutMs = WAIT_MS, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(intervalMs);
  }
}

/**
 * Does what a user does until something shows (e.g. scrolls up again until
 * older messages are there): `act`, then a pause of `intervalMs`, until
 * `condition` holds; fails after `timeoutMs` naming `what`.
 */
export async function repeatUntil(
  act: () => void,
  condition: () => boolean,
  what: string,
  { timeoutMs = WAIT_MS, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    act();
    await pause(intervalMs);
  }
}
