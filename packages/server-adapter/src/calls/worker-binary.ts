/**
 * Finds the mediasoup worker binary calls need: `MEDIASOUP_WORKER_BIN`, then
 * the worker mediasoup's own install script put in its package (its normal
 * install downloads or builds one), then the per-version cache that
 * scripts/mediasoup-worker/ensure.mjs fills in a checkout of the repository.
 * No worker is not an error, nor is mediasoup missing (it is an optional
 * dependency): the server then runs without calls and says why.
 *
 * mediasoup reads `MEDIASOUP_WORKER_BIN` once, when it is first imported, so
 * set it from the found path before `await import('mediasoup')`.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, parse } from 'node:path';

/** A worker that was found, and where it came from. */
export interface FoundWorkerBinary {
  path: string;
  source: 'env' | 'package' | 'cache';
}

/** No worker: `reason` is a sentence for the server log (it names paths, so tell clients only that calls are off). */
export interface MissingWorkerBinary {
  path: null;
  reason: string;
}

/** The outcome of {@link locateWorkerBinary}. */
export type WorkerBinaryLookup = FoundWorkerBinary | MissingWorkerBinary;

/** An installed mediasoup package. */
export interface InstalledMediasoup {
  /** Its package directory. */
  dir: string;
  version: string;
}

/** What the lookup reads; tests pass their own. */
export interface WorkerBinaryLookupOptions {
  /** Environment to read `MEDIASOUP_WORKER_BIN`, `MEDIASOUP_BUILDTYPE`, `XDG_CACHE_HOME` and `HOME` from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The mediasoup package; default: the one installed beside this server (null: not installed). */
  mediasoup?: InstalledMediasoup | null;
}

const require = createRequire(import.meta.url);

/** The mediasoup version this package asks for (its optional dependency). */
function wantedMediasoupVersion(): string {
  const manifest = require('../../package.json') as { optionalDependencies?: Record<string, string> };
  return manifest.optionalDependencies?.mediasoup ?? '3';
}

/** The installed mediasoup, or null when it is not installed. */
export function installedMediasoup(): InstalledMediasoup | null {
  let entry: string;
  try {
    entry = require.resolve('mediasoup');
  } catch {
    return null;
  }
  // mediasoup's exports map hides package.json, so walk up from its entry.
  for (let dir = dirname(entry); dir !== parse(dir).root; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'mediasoup') return { dir, version: String(manifest.version) };
    } catch {
      // No package.json at this level: keep walking up.
    }
  }
  return null;
}

/**
 * Where mediasoup's install script puts its worker, and where mediasoup itself
 * looks when `MEDIASOUP_WORKER_BIN` is not set: `worker/out/<Release|Debug>/`
 * in its package.
 */
export function packagedWorkerBinaryPath(mediasoupDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const buildType = env.MEDIASOUP_BUILDTYPE === 'Debug' ? 'Debug' : 'Release';
  return join(mediasoupDir, 'worker', 'out', buildType, process.platform === 'win32' ? 'mediasoup-worker.exe' : 'mediasoup-worker');
}

/** The cached worker's path for one mediasoup version: `${XDG_CACHE_HOME:-$HOME/.cache}/parley/mediasoup-worker/<version>/mediasoup-worker`. */
export function cachedWorkerBinaryPath(version: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'parley', 'mediasoup-worker', version, 'mediasoup-worker');
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds the worker binary, or says why there is none and how to get one. */
export function locateWorkerBinary(options: WorkerBinaryLookupOptions = {}): WorkerBinaryLookup {
  const env = options.env ?? process.env;
  const fromEnv = env.MEDIASOUP_WORKER_BIN;
  if (fromEnv && isExecutableFile(fromEnv)) return { path: fromEnv, source: 'env' };
  const envNote = fromEnv ? `MEDIASOUP_WORKER_BIN=${fromEnv} is not an executable file; ` : '';
  const mediasoup = options.mediasoup === undefined ? installedMediasoup() : options.mediasoup;
  if (mediasoup === null) {
    return {
      path: null,
      reason:
        `${envNote}the optional dependency mediasoup is not installed (its install may have failed to download or build its worker); ` +
        `for calls, install it beside @parley/server-adapter: npm install mediasoup@${wantedMediasoupVersion()}`,
    };
  }
  const packaged = packagedWorkerBinaryPath(mediasoup.dir, env);
  if (isExecutableFile(packaged)) return { path: packaged, source: 'package' };
  const cached = cachedWorkerBinaryPath(mediasoup.version, env);
  if (isExecutableFile(cached)) return { path: cached, source: 'cache' };
  return {
    path: null,
    reason:
      `${envNote}no mediasoup worker for mediasoup ${mediasoup.version} (looked at ${packaged} and ${cached}); ` +
      'let the install script of mediasoup download or build it (npm rebuild mediasoup), ' +
      'or set MEDIASOUP_WORKER_BIN to a mediasoup-worker binary',
  };
}

/** The worker binary's path, or null when calls must stay off. */
export function findWorkerBinary(options?: WorkerBinaryLookupOptions): string | null {
  return locateWorkerBinary(options).path;
}
