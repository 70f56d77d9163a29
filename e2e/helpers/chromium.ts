/**
 * The machine's Chromium, driven by playwright-core. Where it is and how it
 * starts is shared with the other browser tests (`test-support/chromium.mjs`).
 */
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../../test-support/chromium.mjs';
import { BROWSER_LAUNCH_MS } from './bounds.js';

/** Launches headless Chromium with `extraArgs`; every context it opens gets a fresh profile. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: BROWSER_LAUNCH_MS });
}
