/**
 * The mediasoup worker calls run on: found the way the server finds it, it
 * starts, routes the codecs Parley offers and opens a WebRTC transport on
 * loopback. Without a worker this fails in CI (which builds one) and is
 * skipped locally with the reason.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RouterRtpCodecCapability, Worker } from 'mediasoup/types';
import { cachedWorkerBinaryPath, locateWorkerBinary, packagedWorkerBinaryPath } from '../src/calls/worker-binary.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');

/** The codecs a Parley call router offers. */
const mediaCodecs: RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
  { kind: 'video', mimeType: 'video/VP9', clockRate: 90000, parameters: { 'profile-id': 2 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
];

test('the build script and the server look in the same places', async () => {
  const locate = (await import(pathToFileURL(join(repoRoot, 'scripts', 'mediasoup-worker', 'locate.mjs')).href)) as {
    cachedBinaryPath: (version: string, env: NodeJS.ProcessEnv) => string;
    packagedBinaryPath: (dir: string, env: NodeJS.ProcessEnv) => string;
  };
  for (const env of [{}, { MEDIASOUP_BUILDTYPE: 'Debug' }]) {
    assert.equal(packagedWorkerBinaryPath('/app/node_modules/mediasoup', env), locate.packagedBinaryPath('/app/node_modules/mediasoup', env));
  }
  assert.equal(packagedWorkerBinaryPath('/m', {}), '/m/worker/out/Release/mediasoup-worker', 'where mediasoup itself looks');
  const withXdg = { XDG_CACHE_HOME: '/xdg-cache', HOME: '/home/someone' };
  const withHome = { HOME: '/home/someone' };
  assert.equal(cachedWorkerBinaryPath('3.19.3', withXdg), '/xdg-cache/parley/mediasoup-worker/3.19.3/mediasoup-worker');
  assert.equal(cachedWorkerBinaryPath('3.19.3', withHome), '/home/someone/.cache/parley/mediasoup-worker/3.19.3/mediasoup-worker');
  for (const env of [withXdg, withHome]) {
    assert.equal(cachedWorkerBinaryPath('3.19.3', env), locate.cachedBinaryPath('3.19.3', env));
  }
});

test('the worker build patches the DTLS callback bug, and stops if the code changed under it', async () => {
  const build = (await import(pathToFileURL(join(repoRoot, 'scripts', 'mediasoup-worker', 'build.mjs')).href)) as {
    patchDtls: (workerDir: string, log: (line: string) => void) => void;
  };
  const dir = await mkdtemp(join(tmpdir(), 'parley-dtls-patch-'));
  const file = join(dir, 'src', 'RTC', 'DtlsTransport.cpp');
  const notes: string[] = [];
  const note = (line: string) => notes.push(line);
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, 'long r = (operationType == BIO_CB_RETURN) ? ret : 1;\n');
    build.patchDtls(dir, note);
    assert.equal(await readFile(file, 'utf8'), 'long r = (operationType & BIO_CB_RETURN) ? ret : 1;\n');

    // Fixed upstream: nothing to do, and it says so.
    build.patchDtls(dir, note);
    assert.match(notes.at(-1) ?? '', /no longer needed/);

    await writeFile(file, 'long r = callbackResult(operationType, ret);\n');
    assert.throws(() => build.patchDtls(dir, note), /the DTLS patch no longer applies/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('MEDIASOUP_WORKER_BIN wins when it names an executable, and is reported when it does not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-worker-bin-'));
  try {
    const notExecutable = join(dir, 'not-executable');
    await writeFile(notExecutable, '');
    const executable = join(dir, 'executable');
    await writeFile(executable, '#!/bin/sh\n');
    await chmod(executable, 0o755);
    const emptyCache = { XDG_CACHE_HOME: join(dir, 'cache') };

    const mediasoup = { dir: join(dir, 'no-worker-mediasoup'), version: '3.19.3' };

    assert.deepEqual(locateWorkerBinary({ env: { ...emptyCache, MEDIASOUP_WORKER_BIN: executable }, mediasoup }), {
      path: executable,
      source: 'env',
    });

    const missing = locateWorkerBinary({ env: { ...emptyCache, MEDIASOUP_WORKER_BIN: notExecutable }, mediasoup });
    assert.equal(missing.path, null);
    assert.match(
      missing.path === null ? missing.reason : '',
      /MEDIASOUP_WORKER_BIN=.*not an executable file.*no mediasoup worker for mediasoup 3\.19\.3/,
    );

    const notInstalled = locateWorkerBinary({ env: emptyCache, mediasoup: null });
    assert.equal(notInstalled.path, null);
    assert.match(notInstalled.path === null ? notInstalled.reason : '', /optional dependency mediasoup is not installed.*npm install mediasoup@3\.19\.3/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('mediasoup\'s own worker comes after MEDIASOUP_WORKER_BIN and before the cache; the hint names only what a package user has', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-worker-order-'));
  const executable = async (path: string): Promise<string> => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '#!/bin/sh\n');
    await chmod(path, 0o755);
    return path;
  };
  try {
    const mediasoup = { dir: join(dir, 'node_modules', 'mediasoup'), version: '3.19.3' };
    const env = { XDG_CACHE_HOME: join(dir, 'cache') };
    const none = locateWorkerBinary({ env, mediasoup });
    const reason = none.path === null ? none.reason : '';
    assert.match(reason, /npm rebuild mediasoup/);
    assert.match(reason, /MEDIASOUP_WORKER_BIN/);
    assert.doesNotMatch(reason, /scripts\/|ensure\.mjs/, 'no repository-only script');

    const cached = await executable(cachedWorkerBinaryPath('3.19.3', env));
    assert.deepEqual(locateWorkerBinary({ env, mediasoup }), { path: cached, source: 'cache' });

    const packaged = await executable(join(mediasoup.dir, 'worker', 'out', 'Release', 'mediasoup-worker'));
    assert.deepEqual(locateWorkerBinary({ env, mediasoup }), { path: packaged, source: 'package' });

    const fromEnv = await executable(join(dir, 'elsewhere', 'mediasoup-worker'));
    assert.deepEqual(locateWorkerBinary({ env: { ...env, MEDIASOUP_WORKER_BIN: fromEnv }, mediasoup }), { path: fromEnv, source: 'env' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * A real worker from the binary the server would use. Without one: fails in
 * CI (which builds it), otherwise skips the test with the reason.
 */
async function startWorkerOrSkip(t: TestContext): Promise<Worker | null> {
  const found = locateWorkerBinary();
  if (found.path === null) {
    const message = `no mediasoup worker: ${found.reason}`;
    if (process.env.CI === 'true') assert.fail(`${message} (CI must build it: .ci/run runs npm install, whose postinstall builds it)`);
    t.skip(message);
    return null;
  }
  // mediasoup reads MEDIASOUP_WORKER_BIN when it is first imported.
  process.env.MEDIASOUP_WORKER_BIN = found.path;
  const mediasoup = await import('mediasoup');
  const worker = await mediasoup.createWorker({ logLevel: 'warn' });
  t.after(() => worker.close());
  return worker;
}

/** A minimal RTP packet: version 2, the given payload type, sequence number and SSRC. */
function rtpPacket(payloadType: number, sequence: number, ssrc: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = payloadType & 0x7f;
  header.writeUInt16BE(sequence & 0xffff, 2);
  header.writeUInt32BE(sequence * 960, 4);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, payload]);
}

test('a real mediasoup worker routes Opus, VP8, VP9 and H264 and opens a WebRTC transport on 127.0.0.1', async (t) => {
  const worker = await startWorkerOrSkip(t);
  if (!worker) return;

  const router = await worker.createRouter({ mediaCodecs });
  const routed = router.rtpCapabilities.codecs?.map((codec) => codec.mimeType) ?? [];
  for (const mimeType of ['audio/opus', 'video/VP8', 'video/VP9', 'video/H264']) {
    assert.ok(routed.includes(mimeType), `router offers ${mimeType} (offers ${routed.join(', ')})`);
  }

  const transport = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
  assert.ok(transport.iceCandidates.length > 0, 'the transport has an ICE candidate');
  for (const candidate of transport.iceCandidates) {
    assert.equal(candidate.address, '127.0.0.1');
    assert.equal(candidate.protocol, 'udp');
    assert.ok(candidate.port > 0);
  }
  assert.ok(transport.dtlsParameters.fingerprints.length > 0, 'the transport offers DTLS fingerprints');

  transport.close();
  router.close();
  assert.ok(transport.closed && router.closed);
  worker.close();
  assert.ok(worker.closed, 'the worker closed');
});

// SRTP runs through the libsrtp 3 compatibility header over Debian's libsrtp 2
// (scripts/mediasoup-worker/subprojects/libsrtp3): audio sent into the worker
// goes out encrypted over loopback UDP, comes back in, is decrypted, and must
// arrive with its payload intact.
for (const srtpCryptoSuite of ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_256_GCM'] as const) {
  test(`audio survives an SRTP round trip through the worker over 127.0.0.1 (${srtpCryptoSuite})`, async (t) => {
    const worker = await startWorkerOrSkip(t);
    if (!worker) return;
    const router = await worker.createRouter({ mediaCodecs });

    const plain = { listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false, enableSrtp: true, srtpCryptoSuite } as const;
    const sending = await router.createPlainTransport(plain);
    const receiving = await router.createPlainTransport(plain);
    await sending.connect({ ip: '127.0.0.1', port: receiving.tuple.localPort, srtpParameters: receiving.srtpParameters });
    await receiving.connect({ ip: '127.0.0.1', port: sending.tuple.localPort, srtpParameters: sending.srtpParameters });

    const source = await router.createDirectTransport();
    const producer = await source.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 1111 }] },
    });
    const encrypted = await sending.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
    const decrypted = await receiving.produce({ kind: 'audio', rtpParameters: encrypted.rtpParameters });
    const sink = await router.createDirectTransport();
    const listener = await sink.consume({ producerId: decrypted.id, rtpCapabilities: router.rtpCapabilities });

    const payload = Buffer.from('parley-srtp-round-trip');
    const received: Buffer[] = [];
    listener.on('rtp', (packet) => received.push(packet));
    // Bounded: at most 250 packets, 20 ms apart (5 s), until one comes back.
    for (let sequence = 1; sequence <= 250 && received.length === 0; sequence++) {
      producer.send(rtpPacket(100, sequence, 1111, payload));
      await delay(20);
    }
    assert.ok(received.length > 0, 'a packet came back through SRTP');
    assert.ok(received[0].subarray(-payload.length).equals(payload), 'its payload is intact');
    router.close();
  });
}
