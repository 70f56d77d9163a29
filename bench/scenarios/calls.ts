/** Calls: join to first decoded remote frame in headless Chromium — once calls exist. */
import type { Scenario } from '../lib/scenario.js';

export const calls: Scenario = {
  name: 'calls',
  title: 'Calls',
  timeoutMs: () => 60_000,
  run: () => Promise.resolve({ skipped: 'calls not built yet' }),
};
