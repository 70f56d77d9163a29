/**
 * A media worker that dies: the server starts a replacement, tells the
 * participants of the calls on it to rejoin, and they can.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callGauges, eventually, joinCall, requireWorker, startCallServer } from './calls-helpers.js';
import { createRoom, metricsText } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

/** The server's worker pids, from the `parley_call_worker_calls{pid}` gauge. */
async function workerPids(ts: TestServer): Promise<number[]> {
  const text = await metricsText(`${ts.url}`);
  return [...text.matchAll(/^parley_call_worker_calls\{pid="(\d+)"\} (\d+)$/gm)].map((m) => Number(m[1]));
}

describe('media worker death', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient;

  before(async () => {
    ts = await startCallServer();
    ada = await ts.connect('ada', 'Ada');
    bob = await ts.connect('bob', 'Bob');
  });
  after(() => ts?.close());

  it('is replaced; its calls are told call.rejoin, their objects are gone, and joining again works', async (t) => {
    if (!requireWorker(t)) return;
    const room = await createRoom(ada, ['bob'], 'group');
    const a = await joinCall(ada, room);
    const b = await joinCall(bob, room);
    await b.consume(await a.produce('mic'));
    const [pid] = await workerPids(ts);
    assert.ok(pid, 'the server names its worker');
    assert.equal((await callGauges(ts)).call_workers, 1);

    process.kill(pid, 'SIGKILL');
    for (const client of [ada, bob]) {
      const rejoin = await client.waitFor((f) => f.type === 'call.rejoin' && f.room === room);
      assert.equal(rejoin.type === 'call.rejoin' && typeof rejoin.reason, 'string');
    }
    await eventually(async () => {
      const g = await callGauges(ts);
      return g.call_workers === 1 && g.calls_active === 0 && g.call_transports === 0 && g.call_producers === 0 && g.call_consumers === 0;
    }, 'a replacement worker and no objects of the dead one');
    const replacement = await workerPids(ts);
    assert.equal(replacement.length, 1);
    assert.notEqual(replacement[0], pid);

    // The old participants are gone: their requests need a new join.
    assert.equal(await ada.fail('call.transport.create', { room, direction: 'recv' }), 'not_found');
    const again = await joinCall(ada, room);
    const bobAgain = await joinCall(bob, room);
    assert.deepEqual(bobAgain.join.participants.map((p) => p.user), ['ada']);
    await bobAgain.consume(await again.produce('mic'));
    const g = await callGauges(ts);
    assert.deepEqual([g.calls_active, g.call_participants, g.call_transports, g.call_producers, g.call_consumers], [1, 2, 4, 1, 1]);
    await ada.request('call.leave', { room });
    await bob.request('call.leave', { room });
  });
});
