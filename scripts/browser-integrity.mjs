// @ts-check
// Rollup plugin for the published browser bundles (dist/browser of the SDK and
// the elements). It empties each output directory once per build, since rollup
// never deletes and the chunks of earlier builds would linger and ship, and it
// writes `integrity.json` beside the bundles: every emitted `.js` file, by its
// path in the directory, to its Subresource Integrity hash (`sha384-…`). The
// package ships the manifest and the server publishes it at
// `/parley.integrity.json`.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The file the manifest is written to, in each output directory. */
export const INTEGRITY_FILE = 'integrity.json';

/**
 * Entries gathered per output directory in this build: two configurations
 * (the SDK's ES module and script builds) write into one directory.
 * @type {Map<string, Record<string, string>>}
 */
const manifests = new Map();

/**
 * The SRI hash of `bytes`, as an `integrity` attribute takes it.
 * @param {Uint8Array} bytes
 */
export function sriHash(bytes) {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/** @returns {import('rollup').Plugin} */
export function browserIntegrity() {
  return {
    name: 'parley-browser-integrity',
    renderStart(outputOptions) {
      const dir = resolve(outputOptions.dir ?? '.');
      if (manifests.has(dir)) return;
      rmSync(dir, { recursive: true, force: true });
      manifests.set(dir, {});
    },
    writeBundle(outputOptions, bundle) {
      const dir = resolve(outputOptions.dir ?? '.');
      const manifest = manifests.get(dir) ?? {};
      for (const [file, output] of Object.entries(bundle)) {
        if (output.type === 'chunk') manifest[file] = sriHash(readFileSync(join(dir, file)));
      }
      const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
      writeFileSync(join(dir, INTEGRITY_FILE), `${JSON.stringify(sorted, null, 2)}\n`);
    },
  };
}
