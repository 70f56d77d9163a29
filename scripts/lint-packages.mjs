#!/usr/bin/env node
// @ts-check
// Checks the three packages as npm would publish them (`npm run lint:packages`,
// after `npm run build`): each is packed into a temporary directory, and the
// tarball must
//   - ship no tests and no build state (`*.test.*`, `test/`, `.tsbuildinfo`),
//   - pass publint --strict (package.json fields, exports, files),
//   - pass @arethetypeswrong/cli with the esm-only profile: the packages are
//     ES modules only (`"type": "module"`, no CommonJS build), so the two
//     resolutions that profile leaves out do not apply to them: `node10`
//     (TypeScript's old resolution, which ignores `exports`) and `node16`
//     from CommonJS (which reports every ES module entry as needing import()).
// Exits 1 when any package fails, after checking all of them.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const packages = ['packages/sdk', 'packages/elements', 'packages/server-adapter'];
/** @param {string} name */
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Paths in a tarball that must never ship. */
const UNWANTED = [/\.test\.[cm]?[jt]sx?(\.map)?$/, /(^|\/)test\//, /\.tsbuildinfo$/];

const packDir = mkdtempSync(join(tmpdir(), 'parley-lint-packages-'));
let failed = false;
try {
  for (const dir of packages) {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: join(root, dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
    );
    const tarball = join(packDir, packed.filename);
    console.log(`\n${packed.name}: ${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} KB packed`);

    const unwanted = packed.files.map((file) => file.path).filter((path) => UNWANTED.some((pattern) => pattern.test(path)));
    if (unwanted.length > 0) {
      failed = true;
      console.error(`${packed.name} ships files it must not (fix "files" in ${dir}/package.json):\n  ${unwanted.join('\n  ')}`);
    }
    /** @type {Array<[string, string[]]>} */
    const checks = [
      ['publint', ['run', tarball, '--strict']],
      ['attw', [tarball, '--profile', 'esm-only', '--format', 'table', '--no-color', '--no-emoji']],
    ];
    for (const [tool, args] of checks) {
      const run = spawnSync(bin(tool), args, { cwd: root, stdio: 'inherit' });
      if (run.status !== 0) {
        failed = true;
        console.error(`${packed.name}: ${tool} failed`);
      }
    }
  }
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
