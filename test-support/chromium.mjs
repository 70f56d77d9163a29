// The machine's Chromium for every browser test (web-test-runner, e2e, the
// Storybook check): where to find it and the flags to start it with. Plain
// JavaScript so web-test-runner.config.mjs can import it; types in
// chromium.d.mts. No test downloads a browser.
import { existsSync } from 'node:fs';

/** Where Debian's `chromium` package puts the binary, looked at in this order after `CHROME_PATH`. */
export const CHROMIUM_CANDIDATES = Object.freeze(['/usr/lib/chromium/chromium', '/usr/bin/chromium']);

/**
 * Flags for a quiet headless run as root in a container: no sandbox (root),
 * no GPU, no QUIC, and none of Chromium's own background connections (the
 * machine's network refuses them, which would fill the logs).
 */
export const CHROMIUM_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // /dev/shm is tiny in containers: without this, busy tabs crash.
  '--disable-dev-shm-usage',
]);

/**
 * Flags for call tests: fake camera and microphone (a test pattern and a
 * beep), media permission prompts accepted, and WebRTC over loopback (the
 * SFU listens on 127.0.0.1). Harmless for pages that never ask for media.
 */
export const CALL_CHROMIUM_ARGS = Object.freeze([
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
]);

/** Raised when no Chromium binary can be found. */
export class ChromiumNotFoundError extends Error {
  name = 'ChromiumNotFoundError';
}

/**
 * Path of the Chromium binary: `CHROME_PATH` when set, else the first of
 * {@link CHROMIUM_CANDIDATES} that exists.
 * @returns {string}
 * @throws {ChromiumNotFoundError} when there is none
 */
export function chromiumPath() {
  const path = process.env.CHROME_PATH || CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate));
  if (!path) {
    throw new ChromiumNotFoundError(`no Chromium found: set CHROME_PATH or install Debian's chromium (looked in ${CHROMIUM_CANDIDATES.join(', ')})`);
  }
  return path;
}
