/**
 * Finds the mediasoup worker binary calls need, the same way
 * scripts/mediasoup-worker/ensure.mjs does: `MEDIASOUP_WORKER_BIN`, then the
 * per-version cache. No worker is not an error: the server then runs without
 * calls and says why.
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
  source: 'env' | 'cache';
}

/** No worker: `reason` is a sentence for the server log (it names paths, so tell clients only that calls are off). */
export interface MissingWorkerBinary {
  path: null;
  reason: string;
}

/** The outcome of {@link locateWorkerBinary}. */
export type WorkerBinaryLookup = FoundWorkerBinary | MissingWorkerBinary;

/** What the lookup reads; tests pass their own. */
export interface WorkerBinaryLookupOptions {
  /** Environment to read `MEDIASOUP_WORKER_BIN`, `XDG_CACHE_HOME` and `HOME` from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** mediasoup's version; default: the installed package's. */
  mediasoupVersion?: string | null;
}

/** How to get a worker, appended to every "not found" reason. */
const buildHint = 'build one with `node scripts/mediasoup-worker/ensure.mjs --build` or set MEDIASOUP_WORKER_BIN';

/** The installed mediasoup's version, or null when it is not installed. */
export function installedMediasoupVersion(): string | null {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('mediasoup');
  } catch {
    return null;
  }
  // mediasoup's exports map hides package.json, so walk up from its entry.
  for (let dir = dirname(entry); dir !== parse(dir).root; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'mediasoup') return String(manifest.version);
    } catch {
      // No package.json at this level: keep walking up.
    }
  }
  return null;
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

/** Finds the worker binary, or says why there is none. */
export function locateWorkerBinary(options: WorkerBinaryLookupOptions = {}): WorkerBinaryLookup {
  const env = options.env ?? process.env;
  const fromEnv = env.MEDIASOUP_WORKER_BIN;
  if (fromEnv && isExecutableFile(fromEnv)) return { path: fromEnv, source: 'env' };
  const envNote = fromEnv ? `MEDIASOUP_WORKER_BIN=${fromEnv} is not an executable file; ` : '';
  const version = options.mediasoupVersion === undefined ? installedMediasoupVersion() : options.mediasoupVersion;
  if (version === null) return { path: null, reason: `${envNote}the mediasoup package is not installed` };
  const cached = cachedWorkerBinaryPath(version, env);
  if (isExecutableFile(cached)) return { path: cached, source: 'cache' };
  return { path: null, reason: `${envNote}no mediasoup worker for mediasoup ${version} at ${cached}; ${buildHint}` };
}

/** The worker binary's path, or null when calls must stay off. */
export function findWorkerBinary(options?: WorkerBinaryLookupOptions): string | null {
  return locateWorkerBinary(options).path;
}
