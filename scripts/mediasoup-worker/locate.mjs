// @ts-check
// Where the mediasoup worker binary is looked for. The server does the same
// lookup at run time in packages/server-adapter/src/calls/worker-binary.ts;
// keep the two in step (a test checks they agree on the cache path).
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is in scripts/mediasoup-worker/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The installed mediasoup package, resolved the way the server resolves it
 * (from packages/server-adapter), or null when it is not installed.
 * @returns {{ dir: string, version: string } | null}
 */
export function findMediasoupPackage() {
  const require = createRequire(join(repoRoot, 'packages', 'server-adapter', 'package.json'));
  let entry;
  try {
    entry = require.resolve('mediasoup');
  } catch {
    return null;
  }
  // mediasoup's exports map hides package.json, so walk up from its entry.
  for (let dir = dirname(entry); dir !== parse(dir).root; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (manifest.name === 'mediasoup') return { dir, version: String(manifest.version) };
    } catch {
      // No package.json at this level: keep walking up.
    }
  }
  return null;
}

/**
 * The cache folder for one mediasoup version:
 * `${XDG_CACHE_HOME:-$HOME/.cache}/parley/mediasoup-worker/<version>`.
 * @param {string} version
 * @param {NodeJS.ProcessEnv} [env]
 */
export function cacheDirFor(version, env = process.env) {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'parley', 'mediasoup-worker', version);
}

/**
 * Where mediasoup's own install script puts its worker (and where mediasoup
 * looks without `MEDIASOUP_WORKER_BIN`).
 * @param {string} mediasoupDir
 * @param {NodeJS.ProcessEnv} [env]
 */
export function packagedBinaryPath(mediasoupDir, env = process.env) {
  const buildType = env.MEDIASOUP_BUILDTYPE === 'Debug' ? 'Debug' : 'Release';
  return join(mediasoupDir, 'worker', 'out', buildType, process.platform === 'win32' ? 'mediasoup-worker.exe' : 'mediasoup-worker');
}

/**
 * The cached worker binary's path for one mediasoup version.
 * @param {string} version
 * @param {NodeJS.ProcessEnv} [env]
 */
export function cachedBinaryPath(version, env = process.env) {
  return join(cacheDirFor(version, env), 'mediasoup-worker');
}

/**
 * True if `path` is a regular file this process may execute.
 * @param {string} path
 */
export function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * @typedef {{ path: string, source: 'env' | 'package' | 'cache' }} FoundWorker
 * @typedef {{ path: null, reason: string }} MissingWorker
 */

/**
 * Finds a usable worker binary: `MEDIASOUP_WORKER_BIN` if it names an
 * executable file, then the worker mediasoup's install script put in its
 * package, then the cache for the installed mediasoup version.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {FoundWorker | MissingWorker}
 */
export function locateWorker(env = process.env) {
  const fromEnv = env.MEDIASOUP_WORKER_BIN;
  if (fromEnv && isExecutableFile(fromEnv)) return { path: fromEnv, source: 'env' };
  const pkg = findMediasoupPackage();
  if (!pkg) return { path: null, reason: 'the mediasoup package is not installed' };
  const packaged = packagedBinaryPath(pkg.dir, env);
  if (isExecutableFile(packaged)) return { path: packaged, source: 'package' };
  const cached = cachedBinaryPath(pkg.version, env);
  if (isExecutableFile(cached)) return { path: cached, source: 'cache' };
  const envNote = fromEnv ? `MEDIASOUP_WORKER_BIN=${fromEnv} is not an executable file; ` : '';
  return { path: null, reason: `${envNote}no worker for mediasoup ${pkg.version} at ${cached}` };
}
