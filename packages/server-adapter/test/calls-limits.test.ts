/**
 * Call limits, each crossed: participants per call (`call_full`) and
 * producers per participant (`too_many_producers`), with their defaults
 * announced in `welcome.limits`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS, ErrorCode } from '@parley/sdk/protocol';
import { callGauges, joinCall, requireWorker, startCallServer } from './calls-helpers.js';
import { createRoom, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

describe('call limits', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient, cy: TestClient;

  before(async () => {
    ts = await startCallServer({ limits: { maxCallParticipants: 2, maxCallProducersPerParticipant: 2 } });
    ada = await ts.connect('ada', 'Ada');
    bob = await ts.connect('bob', 'Bob');
    cy = await ts.connect('cy', 'Cy');
  });
  after(() => ts?.close());

  it('announces the defaults: 16 participants, 3 producers', async () => {
    const plain = await startServer();
    try {
      const client = await plain.connect('ada');
      assert.equal(client.welcome?.limits.maxCallParticipants, 16);
      assert.equal(client.welcome?.limits.maxCallProducersPerParticipant, 3);
      assert.equal(DEFAULT_LIMITS.maxCallParticipants, 16);
    } finally {
      await plain.close();
    }
  });

  it('a call at maxCallParticipants answers call_full; a seat frees when someone leaves; rejoining is not counted twice', async (t) => {
    if (!requireWorker(t)) return;
    const room = await createRoom(ada, ['bob', 'cy'], 'group');
    await ada.request('call.join', { room });
    await bob.request('call.join', { room });
    assert.equal(await cy.fail('call.join', { room }), ErrorCode.CallFull);
    // Bob joining again (same user) replaces his place, it does not take a third.
    await bob.request('call.join', { room });
    assert.equal((await callGauges(ts)).call_participants, 2);
    await bob.request('call.leave', { room });
    await cy.request('call.join', { room });
    await cy.request('call.leave', { room });
    await ada.request('call.leave', { room });
  });

  it('a participant with maxCallProducersPerParticipant producers gets too_many_producers; one per source', async (t) => {
    if (!requireWorker(t)) return;
    const room = await createRoom(ada, [], 'group');
    const a = await joinCall(ada, room);
    const mic = await a.produce('mic');
    assert.equal(await ada.fail('call.produce', { room, transportId: a.send ?? '', kind: 'audio', source: 'mic', rtpParameters: {} }), ErrorCode.Conflict);
    await a.produce('camera');
    const code = await a.produce('screen').then(
      () => 'accepted',
      (error: { code?: string }) => error.code,
    );
    assert.equal(code, ErrorCode.TooManyProducers);
    assert.equal((await callGauges(ts)).call_producers, 2);
    // Closing one makes room again.
    await ada.request('call.producer.close', { room, producerId: mic });
    await a.produce('screen');
    await ada.request('call.leave', { room });
  });
});

/**
 * Per-connection and per-user call quotas (`quotas.maxCallsPerConnection`,
 * `maxCallsPerUser`, `maxCallTransportsPerUser`): one socket cannot hold
 * calls (and their media ports) in many rooms.
 */
describe('call quotas', () => {
  let ts: TestServer;

  before(async () => {
    ts = await startCallServer({ quotas: { maxCallTransportsPerUser: 3 } });
  });
  after(() => ts?.close());

  it('one call per connection by default: joining another room’s call is conflict until the first is left', async (t) => {
    if (!requireWorker(t)) return;
    const ada = await ts.connect('ada');
    const first = await createRoom(ada, [], 'group');
    const second = await createRoom(ada, [], 'group');
    await ada.request('call.join', { room: first });
    assert.equal(await ada.fail('call.join', { room: second }), ErrorCode.Conflict);
    // Joining the same room's call again is a rejoin, not a second call.
    await ada.request('call.join', { room: first });
    assert.equal((await callGauges(ts)).calls_active, 1);
    await ada.request('call.leave', { room: first });
    await ada.request('call.join', { room: second });
    await ada.request('call.leave', { room: second });
  });

  it('at most maxCallsPerUser (2) calls per user over all their sockets', async (t) => {
    if (!requireWorker(t)) return;
    const sockets = await Promise.all([1, 2, 3].map(() => ts.connect('bob')));
    const rooms = await Promise.all([1, 2, 3].map(() => createRoom(sockets[0], [], 'group')));
    await sockets[0].request('call.join', { room: rooms[0] });
    await sockets[1].request('call.join', { room: rooms[1] });
    assert.equal(await sockets[2].fail('call.join', { room: rooms[2] }), ErrorCode.Conflict);
    await sockets[1].request('call.leave', { room: rooms[1] });
    await sockets[2].request('call.join', { room: rooms[2] });
    for (const [i, room] of [[0, rooms[0]], [2, rooms[2]]] as const) await sockets[i].request('call.leave', { room });
    assert.equal((await callGauges(ts)).calls_active, 0);
  });

  it('at most maxCallTransportsPerUser transports per user; leaving frees them', async (t) => {
    if (!requireWorker(t)) return;
    const [one, two] = await Promise.all([ts.connect('cy'), ts.connect('cy')]);
    const [a, b] = await Promise.all([createRoom(one, [], 'group'), createRoom(one, [], 'group')]);
    await joinCall(one, a); // recv and send: 2
    await two.request('call.join', { room: b });
    await two.request('call.transport.create', { room: b, direction: 'recv' }); // 3
    assert.equal(await two.fail('call.transport.create', { room: b, direction: 'send' }), ErrorCode.Conflict);
    assert.equal((await callGauges(ts)).call_transports, 3);
    await one.request('call.leave', { room: a });
    await two.request('call.transport.create', { room: b, direction: 'send' });
    await two.request('call.leave', { room: b });
  });
});
