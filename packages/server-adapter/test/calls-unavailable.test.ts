/**
 * A server without a media worker: it says so once in its log, answers
 * `call.join` with `call_unavailable` and a reason, and chat goes on. The
 * same with calls turned off.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ErrorCode } from '@parley/sdk/protocol';
import { FrameError, createRoom, send, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

describe('calls without a media worker', () => {
  let emptyCache: string;
  const saved = { bin: process.env.MEDIASOUP_WORKER_BIN, xdg: process.env.XDG_CACHE_HOME };

  before(async () => {
    // No binary anywhere the server looks (this file runs in its own process).
    emptyCache = await mkdtemp(join(tmpdir(), 'parley-no-worker-'));
    process.env.MEDIASOUP_WORKER_BIN = join(emptyCache, 'missing-worker');
    process.env.XDG_CACHE_HOME = emptyCache;
  });
  after(async () => {
    if (saved.bin === undefined) delete process.env.MEDIASOUP_WORKER_BIN;
    else process.env.MEDIASOUP_WORKER_BIN = saved.bin;
    if (saved.xdg === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved.xdg;
    await rm(emptyCache, { recursive: true, force: true });
  });

  /** A server whose log lines are collected. */
  async function serverWithLog(options: Parameters<typeof startServer>[0] = {}): Promise<{ ts: TestServer; lines: Array<{ level: number; msg: string }> }> {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    const ts = await startServer({ ...options, logger: pino({ level: 'info' }, sink) });
    return { ts, lines };
  }

  it('logs one warning at startup, answers call_unavailable with the reason, and chat works', async () => {
    const { ts, lines } = await serverWithLog();
    try {
      const warnings = lines.filter((l) => l.level === 40 && l.msg.includes('calls are off'));
      assert.equal(warnings.length, 1, 'one warning at startup');
      assert.match(warnings[0].msg, /no mediasoup worker|not an executable file/);
      assert.match(warnings[0].msg, /npm rebuild mediasoup/, 'it says how to get one');
      assert.match(warnings[0].msg, /MEDIASOUP_WORKER_BIN/);
      assert.doesNotMatch(warnings[0].msg, /scripts\/|ensure\.mjs/, 'it names nothing only a checkout of the repository has');

      const ada = await ts.connect('ada');
      const bob = await ts.connect('bob');
      const room = await createRoom(ada, ['bob'], 'group');
      const error = await ada.request('call.join', { room }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(error instanceof FrameError);
      assert.equal(error.code, ErrorCode.CallUnavailable);
      assert.match(error.frame.message, /calls are unavailable on this server/);
      assert.equal(error.frame.retryable, false);
      // Asking again does not log again.
      assert.equal(await ada.fail('call.join', { room }), ErrorCode.CallUnavailable);
      assert.equal(lines.filter((l) => l.level === 40 && l.msg.includes('calls are off')).length, 1);

      await send(ada, room, 'chat still works');
      await bob.waitForMessage((m) => m.text === 'chat still works');
    } finally {
      await ts.close();
    }
  });

  it('with calls.enabled false: call_unavailable saying calls are turned off', async () => {
    const { ts } = await serverWithLog({ calls: { enabled: false } });
    try {
      const ada = await ts.connect('ada');
      const room = await createRoom(ada, [], 'group');
      const error = await ada.request('call.join', { room }).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(error instanceof FrameError);
      assert.equal(error.code, ErrorCode.CallUnavailable);
      assert.match(error.frame.message, /turned off/);
    } finally {
      await ts.close();
    }
  });

  it('refuses unusable call options at creation', async () => {
    await assert.rejects(startServer({ calls: { workers: 0 } }), /calls\.workers/);
    await assert.rejects(startServer({ calls: { rtcMinPort: 50000 } }), /go together/);
  });
});
