/**
 * Importing the packages in Node (server-side rendering, tests, tooling) must
 * not touch the DOM: no `document`, no `window`, no registration attempt that
 * throws. Each import runs in a fresh Node process on the built output, as a
 * host's server would load it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const { exports } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };

/** The SDK, and every script entry of the elements package: the index, `define` and each element's module. */
const MODULES = [
  '@parley/sdk',
  ...Object.keys(exports)
    .filter((entry) => !entry.includes('*') && !entry.endsWith('.json'))
    .map((entry) => `@parley/elements${entry.slice(1)}`),
];

describe('importing in Node (SSR)', () => {
  for (const specifier of MODULES) {
    it(`imports ${specifier} without a DOM`, async () => {
      const script = `
        await import(${JSON.stringify(specifier)});
        console.log(JSON.stringify({ document: typeof document, window: typeof window }));
      `;
      const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
      assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'), { document: 'undefined', window: 'undefined' });
      assert.equal(stderr.trim(), '', 'nothing is printed as an error or warning');
    });
  }
});
