/** Helpers shared by the browser test files (SDK and elements). */

/** A user name no earlier run has used (browser storage may outlive a run). */
export function unique(name: string): string {
  return `${name}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Waits until `condition` holds, polling; fails after `timeoutMs` naming `what`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
