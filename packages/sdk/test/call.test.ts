/**
 * The parts of calls that run without a browser: connection quality from
 * statistics, media errors turned into typed codes, and the `Call` handle in
 * Node (loaded on demand; joining needs WebRTC, so it fails typed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { receiveQuality, receiveSample, sendQuality, sendSample } from '../src/call/call-quality.js';
import { MediaAccess, mediaError } from '../src/call/media-access.js';
import { rejoin } from '../src/call/reconnect.js';
import { ParleyError } from '../src/errors.js';
import type { Timers } from '../src/transport/platform.js';
import { nodeClient, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

/** A stats report from plain objects (RTCStatsReport is a Map of id → stat). */
function report(...stats: Array<Record<string, unknown>>): RTCStatsReport {
  return new Map(stats.map((s, i) => [String(i), s])) as unknown as RTCStatsReport;
}

describe('call quality', () => {
  it('good, poor on loss or round trip, lost when expected media stops', () => {
    const first = { packetsReceived: 100, packetsLost: 0, roundTripTime: 0.05 };
    assert.equal(receiveQuality(null, first, true), 'good');
    assert.equal(receiveQuality(first, { packetsReceived: 200, packetsLost: 2, roundTripTime: 0.05 }, true), 'good');
    assert.equal(receiveQuality(first, { packetsReceived: 190, packetsLost: 10, roundTripTime: 0.05 }, true), 'poor', '10 % lost');
    assert.equal(receiveQuality(first, { packetsReceived: 200, packetsLost: 0, roundTripTime: 0.5 }, true), 'poor', '500 ms round trip');
    assert.equal(receiveQuality(first, { ...first }, true), 'lost', 'nothing arrived');
    assert.equal(receiveQuality(first, { ...first }, false), 'good', 'a muted participant is not lost');
    assert.equal(sendQuality({ fractionLost: 0.01, roundTripTime: 0.02 }, true), 'good');
    assert.equal(sendQuality({ fractionLost: 0.2, roundTripTime: 0.02 }, true), 'poor');
    assert.equal(sendQuality({ fractionLost: null, roundTripTime: null }, false), 'lost');
  });

  it('reads the counters WebRTC reports', () => {
    const sample = receiveSample(
      report(
        { type: 'inbound-rtp', packetsReceived: 50, packetsLost: 1 },
        { type: 'inbound-rtp', packetsReceived: 30, packetsLost: 2 },
        { type: 'candidate-pair', nominated: true, currentRoundTripTime: 0.12 },
        { type: 'candidate-pair', nominated: false, currentRoundTripTime: 9 },
      ),
    );
    assert.deepEqual(sample, { packetsReceived: 80, packetsLost: 3, roundTripTime: 0.12 });
    assert.deepEqual(sendSample(report({ type: 'remote-inbound-rtp', fractionLost: 0.1, roundTripTime: 0.3 }, { type: 'outbound-rtp' })), {
      fractionLost: 0.1,
      roundTripTime: 0.3,
    });
  });
});

describe('media errors', () => {
  it('maps the browser’s DOMException names to typed codes', () => {
    const named = (name: string): Error => Object.assign(new Error(name), { name });
    assert.equal(mediaError(named('NotAllowedError'), 'camera').code, 'permission_denied');
    assert.equal(mediaError(named('NotFoundError'), 'camera').code, 'no_device');
    assert.equal(mediaError(named('NotReadableError'), 'camera').code, 'no_device');
    assert.equal(mediaError(named('OverconstrainedError'), 'camera').code, 'no_device');
    assert.equal(mediaError(named('NotSupportedError'), 'screen').code, 'unsupported_browser');
    assert.match(mediaError(named('NotAllowedError'), 'microphone').message, /microphone/);
  });

  it('without media devices every capture fails as unsupported_browser', async () => {
    const none = new MediaAccess(null);
    await assert.rejects(none.microphone(null), (e: ParleyError) => e.code === 'unsupported_browser');
    await assert.rejects(none.screen(), (e: ParleyError) => e.code === 'unsupported_browser');
    await assert.rejects(none.list(), (e: ParleyError) => e.code === 'unsupported_browser');
  });
});

/** Timers that record each wait and run it at once: a rejoin's pauses without real time passing. */
function instantTimers(): { timers: Timers; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    timers: {
      setTimeout: (callback, ms) => {
        waits.push(ms);
        queueMicrotask(callback);
        return waits.length;
      },
      clearTimeout: () => undefined,
    },
  };
}

describe('rejoining a call', () => {
  const unavailable = (retryAfterMs: number): ParleyError =>
    new ParleyError('call_unavailable', 'the node hosting the call is gone', { retryable: true, retryAfterMs });

  it('waits as the server says (at most 5 s, on the client’s timers) and gives up after four joins', async () => {
    const { timers, waits } = instantTimers();
    let attempts = 0;
    const outcome = await rejoin({
      attempt: () => {
        attempts++;
        return Promise.reject(unavailable(attempts === 1 ? 1_200 : 60_000));
      },
      current: () => true,
      online: () => true,
      timers,
    });
    assert.equal(attempts, 4);
    assert.deepEqual(waits, [1_200, 5_000, 5_000]);
    assert.ok(outcome instanceof ParleyError && outcome.code === 'call_unavailable');
  });

  it('joins on a later try; stops when overtaken or when the connection dropped again', async () => {
    const { timers } = instantTimers();
    let attempts = 0;
    const joined = await rejoin({
      attempt: () => (++attempts < 2 ? Promise.reject(unavailable(100)) : Promise.resolve()),
      current: () => true,
      online: () => true,
      timers,
    });
    assert.equal(joined, 'joined');
    assert.equal(attempts, 2);
    const offline = new ParleyError('disconnected', 'the connection dropped', { retryable: true });
    assert.equal(await rejoin({ attempt: () => Promise.reject(offline), current: () => true, online: () => false, timers }), 'dropped');
    assert.equal(await rejoin({ attempt: () => Promise.reject(unavailable(100)), current: () => false, online: () => true, timers }), 'dropped');
    const refused = new ParleyError('not_member', 'removed from the room');
    assert.equal(await rejoin({ attempt: () => Promise.reject(refused), current: () => true, online: () => true, timers }), refused);
  });
});

describe('Call in Node', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.dispose());

  it('client.call() gives one handle per room with idle state; join fails as unsupported_browser', async () => {
    const ada = nodeClient(server.url, await server.token('ada'));
    try {
      await ada.connect();
      await ada.whenOnline();
      const room = await ada.createRoom({ kind: 'group', name: 'Node call' });
      const call = await ada.call(room.id);
      assert.equal(await ada.call(room.id), call);
      assert.equal(ada.state.calls[room.id]?.status, 'idle');
      assert.equal(call.state.self.id, 'ada');
      // Before joining, the toggles say what join() starts with.
      await call.setCamera(false);
      assert.equal(ada.state.calls[room.id]?.self.video.muted, true);
      await assert.rejects(call.join(), (e: ParleyError) => e.code === 'unsupported_browser');
      assert.equal(call.state.status, 'failed');
      assert.equal(call.state.error?.code, 'unsupported_browser');
    } finally {
      await ada.logout();
    }
  });
});
