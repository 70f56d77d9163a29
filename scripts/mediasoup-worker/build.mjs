// @ts-check
// Builds the mediasoup worker from the installed npm package's own sources
// against Debian's libraries, without touching node_modules or the network,
// and puts the binary in the cache.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedBinaryPath, cacheDirFor } from './locate.mjs';

const shimsDir = join(dirname(fileURLToPath(import.meta.url)), 'subprojects');

/** The DTLS fix: the BIO callback must test the BIO_CB_RETURN bit, not equality. */
const dtlsFile = join('src', 'RTC', 'DtlsTransport.cpp');
const dtlsBug = 'operationType == BIO_CB_RETURN';
const dtlsFix = 'operationType & BIO_CB_RETURN';

/** The oldest meson the build is known to work with (Debian 12 ships 1.0.1). */
const mesonFloor = '1.0.0';

/** Exit status of mediasoup-worker started without MEDIASOUP_VERSION: proof it links and runs. */
const missingVersionExitCode = 41;

/**
 * @typedef {(line: string) => void} Log
 * @typedef {{ path: string, seconds: number, bytes: number }} BuiltWorker
 */

/**
 * Turns a copy of mediasoup's worker/ folder into one that builds offline:
 * Debian-library shims instead of downloaded subprojects, a meson floor
 * Debian meets, and the DTLS fix.
 * @param {string} workerDir the copy (never node_modules itself)
 * @param {Log} log
 */
export function prepareSources(workerDir, log) {
  const subprojects = join(workerDir, 'subprojects');
  for (const name of readdirSync(subprojects)) {
    if (name.endsWith('.wrap')) unlinkSync(join(subprojects, name));
  }
  cpSync(shimsDir, subprojects, { recursive: true });

  const mesonBuild = join(workerDir, 'meson.build');
  const meson = readFileSync(mesonBuild, 'utf8');
  const floored = meson.replace(/meson_version\s*:\s*'>=\s*[\d.]+'/, `meson_version: '>= ${mesonFloor}'`);
  if (floored === meson) log(`note: no meson_version found in meson.build; left as it is`);
  writeFileSync(mesonBuild, floored);

  patchDtls(workerDir, log);
}

/**
 * Applies the DTLS BIO callback fix. Without it the worker, linked against
 * Debian's kTLS-enabled OpenSSL, crashes on the first DTLS handshake with a
 * browser. Throws if the code no longer looks as expected, so a mediasoup
 * upgrade cannot silently ship the bug.
 * @param {string} workerDir
 * @param {Log} log
 */
export function patchDtls(workerDir, log) {
  const file = join(workerDir, dtlsFile);
  const source = readFileSync(file, 'utf8');
  const bugCount = source.split(dtlsBug).length - 1;
  if (bugCount === 1) {
    writeFileSync(file, source.replace(dtlsBug, dtlsFix));
    log(`patched ${dtlsFile}: "${dtlsBug}" -> "${dtlsFix}"`);
    return;
  }
  if (bugCount === 0 && source.includes(dtlsFix)) {
    log(`${dtlsFile} already tests "${dtlsFix}"; the DTLS patch is no longer needed`);
    return;
  }
  throw new Error(
    `the DTLS patch no longer applies: expected "${dtlsBug}" exactly once in ${dtlsFile}, found it ${bugCount} times. ` +
      'Check onSslBioOut() in the new mediasoup version and update scripts/mediasoup-worker/build.mjs.',
  );
}

/**
 * Runs one build command at the lowest CPU priority (other work shares the
 * cores), appending its output to the build log.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, logStream: import('node:fs').WriteStream, onLine?: (line: string) => void }} options
 * @returns {Promise<void>}
 */
function run(command, args, { cwd, logStream, onLine }) {
  const niced = spawnSync('sh', ['-c', 'command -v nice'], { stdio: 'ignore' }).status === 0;
  const [file, argv] = niced ? ['nice', ['-n', '19', command, ...args]] : [command, args];
  logStream.write(`\n$ ${command} ${args.join(' ')}\n`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {string[]} */
    const tail = [];
    let partial = '';
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      logStream.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        onLine?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolvePromise();
      if (partial) tail.push(partial);
      const how = signal ? `was stopped by ${signal}` : `exited with ${code}`;
      reject(new Error(`${command} ${args[0] ?? ''} ${how}; last lines:\n${tail.join('\n')}`));
    });
  });
}

/**
 * Prints ninja's progress at every tenth of the way.
 * @param {Log} log
 */
function ninjaProgress(log) {
  let lastTenth = -1;
  /** @param {string} line */
  return (line) => {
    const match = /^\[(\d+)\/(\d+)\]/.exec(line);
    if (!match) return;
    const done = Number(match[1]);
    const total = Number(match[2]);
    const tenth = Math.floor((done / total) * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    log(`  ${done}/${total} steps (${tenth * 10}%)`);
  };
}

/**
 * Checks the built binary links and starts: without MEDIASOUP_VERSION it
 * must refuse with its own exit status.
 * @param {string} binary
 */
function checkBinaryRuns(binary) {
  const env = { ...process.env };
  delete env.MEDIASOUP_VERSION;
  const result = spawnSync(binary, [], { env, encoding: 'utf8', timeout: 10_000 });
  if (result.status !== missingVersionExitCode) {
    const detail = result.error?.message ?? `${result.stderr}`.trim();
    throw new Error(`the built worker does not start (exit ${result.status}): ${detail}`);
  }
}

/**
 * Copies the binary into the cache under a temporary name, then renames it,
 * so a reader never sees a half-written worker.
 * @param {string} built
 * @param {string} dest
 */
function installAtomically(built, dest) {
  const temporary = `${dest}.tmp-${process.pid}`;
  copyFileSync(built, temporary);
  chmodSync(temporary, 0o755);
  renameSync(temporary, dest);
}

/**
 * Removes build folders a killed build left behind. Call only while holding
 * the build lock.
 * @param {string} versionDir
 */
export function removeStaleBuildDirs(versionDir) {
  for (const name of readdirSync(versionDir)) {
    if (name.startsWith('build-')) rmSync(join(versionDir, name), { recursive: true, force: true });
  }
}

/**
 * Builds the worker for the installed mediasoup and caches it. The caller
 * holds the build lock.
 * @param {{ dir: string, version: string }} mediasoup the installed package
 * @param {Log} log
 * @returns {Promise<BuiltWorker>}
 */
export async function buildWorker(mediasoup, log) {
  const started = Date.now();
  const versionDir = cacheDirFor(mediasoup.version);
  mkdirSync(versionDir, { recursive: true });
  removeStaleBuildDirs(versionDir);
  const buildRoot = mkdtempSync(join(versionDir, 'build-'));
  const logPath = join(versionDir, 'build.log');
  const logStream = createWriteStream(logPath);
  const cleanUp = () => rmSync(buildRoot, { recursive: true, force: true });
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    cleanUp();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`building mediasoup-worker ${mediasoup.version} from its npm package (about 5 minutes on 2 idle cores; niced, so longer when they are busy)`);
    log(`  build log: ${logPath}`);
    const workerDir = join(buildRoot, 'worker');
    const outDir = join(buildRoot, 'out');
    log('[1/4] copying and patching the worker sources');
    cpSync(join(mediasoup.dir, 'worker'), workerDir, {
      recursive: true,
      filter: (source) => basename(source) !== 'out',
    });
    prepareSources(workerDir, (line) => log(`  ${line}`));

    log('[2/4] meson setup');
    await run(
      'meson',
      ['setup', outDir, '--buildtype=release', '--wrap-mode=nodownload', '-Dms_disable_liburing=true'],
      { cwd: workerDir, logStream },
    );
    log('[3/4] ninja fbs/FBS (FlatBuffers headers)');
    await run('ninja', ['-C', outDir, 'fbs/FBS'], { cwd: workerDir, logStream });
    log('[4/4] ninja mediasoup-worker');
    await run('ninja', ['-C', outDir, 'mediasoup-worker'], {
      cwd: workerDir,
      logStream,
      onLine: ninjaProgress(log),
    });

    const built = join(outDir, 'mediasoup-worker');
    checkBinaryRuns(built);
    const dest = cachedBinaryPath(mediasoup.version);
    installAtomically(built, dest);
    return { path: dest, seconds: Math.round((Date.now() - started) / 1000), bytes: statSync(dest).size };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await new Promise((done) => logStream.end(done));
    cleanUp();
  }
}
