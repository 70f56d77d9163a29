// The build steps after `tsc -b`, each run only when one of its inputs is
// newer than the oldest of its outputs (a checkout, an edit or a failed run
// makes them so), so `npm start` and `npm test` on an unchanged tree skip the
// bundles. `tsc -b` is incremental by itself. `--force` runs every step.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What each step reads and writes (paths from the root; a directory stands for every file in it). */
const STEPS = [
  {
    name: 'browser bundles (rollup)',
    inputs: [
      'packages/sdk/src',
      'packages/elements/src',
      'packages/sdk/package.json',
      'packages/elements/package.json',
      // The npm-app example bundles the published entries, as an app would.
      'packages/sdk/dist',
      'packages/elements/dist',
      'examples/npm-app/src',
      'rollup.config.mjs',
      'scripts/esm-deps.mjs',
      'package-lock.json',
    ],
    // Its own bundles are outputs, not inputs.
    ignore: ['packages/sdk/dist/browser', 'packages/elements/dist/browser'],
    outputs: [
      'packages/sdk/dist/browser/parley-sdk.js',
      'packages/sdk/dist/browser/parley-sdk.iife.js',
      'packages/elements/dist/browser/parley.js',
      'examples/npm-app/dist/app.js',
    ],
    command: ['npx', 'rollup', '-c', '--silent'],
  },
  {
    name: 'custom elements manifest (cem)',
    inputs: ['packages/elements/src', 'packages/elements/custom-elements-manifest.config.mjs', 'packages/elements/package.json'],
    ignore: [],
    outputs: ['packages/elements/custom-elements.json'],
    command: ['npm', 'run', 'build:manifest', '--silent'],
  },
];

/** Newest modification time under `path` (0 when it does not exist), skipping `ignore`. */
function newest(path, ignore) {
  if (ignore.includes(path)) return 0;
  let stats;
  try {
    stats = statSync(join(ROOT, path));
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(join(ROOT, path))) latest = Math.max(latest, newest(`${path}/${entry}`, ignore));
  return latest;
}

/** Oldest modification time of `paths`; 0 when one is missing. */
function oldest(paths) {
  let earliest = Infinity;
  for (const path of paths) {
    try {
      earliest = Math.min(earliest, statSync(join(ROOT, path)).mtimeMs);
    } catch {
      return 0;
    }
  }
  return earliest;
}

const force = process.argv.includes('--force');
for (const step of STEPS) {
  const inputs = Math.max(...step.inputs.map((path) => newest(path, step.ignore)));
  if (!force && inputs <= oldest(step.outputs)) {
    console.log(`${step.name}: up to date`);
    continue;
  }
  const [command, ...args] = step.command;
  const run = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
