#!/usr/bin/env node
// @ts-check
// Ensures a mediasoup worker binary exists and prints its path on stdout.
//
//   node scripts/mediasoup-worker/ensure.mjs            ensure: find it, or build it when the
//                                                       build tools are installed; never fails
//   node scripts/mediasoup-worker/ensure.mjs --build    find it or build it; exit 1 if neither works
//   node scripts/mediasoup-worker/ensure.mjs --rebuild  build even if one is cached
//   --quiet                                             print nothing when a worker is already there
//
// Lookup order: MEDIASOUP_WORKER_BIN, then mediasoup's own worker in its package
// (worker/out/Release/mediasoup-worker, when its install script ran), then the cache
// ${XDG_CACHE_HOME:-$HOME/.cache}/parley/mediasoup-worker/<mediasoup version>/mediasoup-worker.
// PARLEY_SKIP_MEDIASOUP_BUILD=1 stops ensure mode from building.
// Root package.json runs ensure mode as its postinstall, so `npm install`
// never fails because of the worker: the server then runs without calls.
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildWorker } from './build.mjs';
import { installHint, missingBuildPackages } from './build-tools.mjs';
import { cacheDirFor, findMediasoupPackage, locateWorker } from './locate.mjs';
import { tryLock } from './lock.mjs';

const args = new Set(process.argv.slice(2));
const rebuild = args.has('--rebuild');
const explicit = args.has('--build') || rebuild;
const quiet = args.has('--quiet');
for (const arg of args) {
  if (!['--build', '--rebuild', '--quiet'].includes(arg)) {
    console.error(`mediasoup-worker: unknown option ${arg} (use --build, --rebuild, --quiet)`);
    process.exit(2);
  }
}

/** Longest wait for another process's build before giving up (bounded). */
const waitForOtherBuildMs = 45 * 60_000;

/** @param {string} line */
const log = (line) => console.error(`mediasoup-worker: ${line}`);

/**
 * Ends without a worker: a failure with --build, a notice otherwise (so
 * `npm install` stays green and the server runs without calls).
 * @param {string} why
 * @returns {never}
 */
function giveUp(why) {
  log(`${why}`);
  if (!explicit) log('calls stay unavailable until a worker is built; the server runs without them');
  process.exit(explicit ? 1 : 0);
}

/** @param {number} bytes */
const megabytes = (bytes) => `${(bytes / 1_048_576).toFixed(1)} MB`;

async function main() {
  const found = locateWorker();
  if (found.path && !rebuild) {
    if (!quiet) console.log(found.path);
    return;
  }
  if (process.env.MEDIASOUP_WORKER_BIN && !found.path) {
    log(`MEDIASOUP_WORKER_BIN=${process.env.MEDIASOUP_WORKER_BIN} is not an executable file; ignoring it`);
  }

  const mediasoup = findMediasoupPackage();
  if (!mediasoup) giveUp('the mediasoup package is not installed (run npm install first)');
  if (!explicit && process.env.PARLEY_SKIP_MEDIASOUP_BUILD === '1') {
    giveUp('no worker, and PARLEY_SKIP_MEDIASOUP_BUILD=1: not building it');
  }

  const missing = missingBuildPackages();
  if (missing.length > 0) {
    giveUp(
      `no worker for mediasoup ${mediasoup.version}, and cannot build it: missing ${missing.join(', ')}. ` +
        `Install the build tools with: ${installHint()}; then run: node scripts/mediasoup-worker/ensure.mjs --build`,
    );
  }

  const versionDir = cacheDirFor(mediasoup.version);
  mkdirSync(versionDir, { recursive: true });
  let lock = tryLock(versionDir);
  if ('heldBy' in lock) {
    if (!explicit) giveUp(`another process (pid ${lock.heldBy || '?'}) is building the worker now`);
    log(`waiting for the build in process ${lock.heldBy || '?'} to finish`);
    const deadline = Date.now() + waitForOtherBuildMs;
    while ('heldBy' in lock && Date.now() < deadline) {
      await sleep(5_000);
      lock = tryLock(versionDir);
    }
    if ('heldBy' in lock) giveUp('gave up waiting for the other build');
    const afterWait = locateWorker();
    if (afterWait.path && !rebuild) {
      lock.release();
      if (!quiet) console.log(afterWait.path);
      return;
    }
  }

  let built;
  try {
    built = await buildWorker(mediasoup, log);
  } catch (error) {
    lock.release();
    giveUp(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  lock.release();
  log(`built in ${Math.floor(built.seconds / 60)}m ${built.seconds % 60}s, ${megabytes(built.bytes)}: ${built.path}`);
  console.log(built.path);
}

await main();
