/**
 * The machine's Chromium, driven by playwright-core. No test downloads a
 * browser: `CHROME_PATH` wins, then the usual Debian locations.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Flags for a quiet, offline-friendly headless run in a container. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Raised when no Chromium binary can be found. */
export class ChromiumNotFoundError extends Error {
  override name = 'ChromiumNotFoundError';
}

/** Path of the Chromium binary to use. */
export function chromiumPath(): string {
  const path = process.env.CHROME_PATH || CANDIDATES.find((candidate) => existsSync(candidate));
  if (!path) throw new ChromiumNotFoundError(`no Chromium found: set CHROME_PATH (looked in ${CANDIDATES.join(', ')})`);
  return path;
}

/** Launches headless Chromium; every context it opens gets a fresh profile. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ARGS, timeout: 30_000 });
}
