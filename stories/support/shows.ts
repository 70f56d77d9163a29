/**
 * Checks for story play functions: each story checks that it shows the state
 * it is named after. A play function that throws marks the story as failed in
 * Storybook, and so in `npm run test:stories`.
 */

/**
 * How long a story may take to reach its state: a bound for a busy machine
 * (`npm run test:stories` on a CI runner sharing its cores), not a goal.
 */
const WAIT_MS = 20_000;
const POLL_MS = 50;

/** The shadow root of the first `tag` element in `canvas`, once it exists. */
function shadowOf(canvas: HTMLElement, tag: string): ShadowRoot | null {
  return canvas.querySelector(tag)?.shadowRoot ?? null;
}

/** Visible text of a shadow root (or of an element in it), whitespace collapsed. */
export function textOf(node: ParentNode | null | undefined): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * Waits until `check` holds for the shadow root of the first `tag` in
 * `canvas`; throws "<tag> does not show <what>" after {@link WAIT_MS}.
 */
export async function shows(canvas: HTMLElement, tag: string, what: string, check: (root: ShadowRoot) => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const root = shadowOf(canvas, tag);
    if (root && check(root)) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`<${tag}> does not show ${what} (waited ${WAIT_MS / 1000} s)`);
}

/** Waits for `selector` in the shadow root of the first `tag` in `canvas` and returns it. */
export async function shadowQuery(canvas: HTMLElement, tag: string, selector: string): Promise<HTMLElement> {
  await shows(canvas, tag, `"${selector}"`, (root) => root.querySelector(selector) !== null);
  return shadowOf(canvas, tag)!.querySelector<HTMLElement>(selector)!;
}

/** Whether a CSS colour (`rgb(…)`) is dark: its mean channel is below the middle. */
export function isDark(color: string): boolean {
  const channels = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
  return channels.length === 3 && channels.reduce((a, b) => a + b, 0) / 3 < 128;
}
