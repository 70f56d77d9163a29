/**
 * Calls over the chat socket with a real mediasoup worker: who may join and
 * send, what the others are told, and that leaving, disconnecting or losing
 * membership frees every transport, producer and consumer (read from
 * mediasoup's own object counts in `/metrics`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@parley/sdk/protocol';
import type { EventFrame } from '@parley/sdk/protocol';
import { callGauges, eventually, joinCall, requireWorker, startCallServer } from './calls-helpers.js';
import { createRoom } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

type CallEvent<T extends EventFrame['type']> = Extract<EventFrame, { type: T }>;

describe('calls: access, signalling and cleanup', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient, cy: TestClient, otto: TestClient;

  before(async () => {
    ts = await startCallServer();
    ada = await ts.connect('ada', 'Ada');
    bob = await ts.connect('bob', 'Bob');
    cy = await ts.connect('cy', 'Cy');
    otto = await ts.connect('otto', 'Otto');
  });
  after(() => ts?.close());

  /** Waits until no call object is left on the server. */
  async function allFreed(): Promise<void> {
    await eventually(async () => {
      const g = await callGauges(ts);
      return g.calls_active === 0 && g.call_participants === 0 && g.call_transports === 0 && g.call_producers === 0 && g.call_consumers === 0 && g.call_routers === 0;
    }, 'every call object freed');
  }

  it('a non-member cannot join: not_found for a private room, not_member for a public one', async (t) => {
    if (!requireWorker(t)) return;
    const group = await createRoom(ada, ['bob'], 'group');
    assert.equal(await otto.fail('call.join', { room: group }), ErrorCode.NotFound);
    const open = await createRoom(ada, [], 'public');
    assert.equal(await otto.fail('call.join', { room: open }), ErrorCode.NotMember);
    // Nothing was opened for them.
    assert.equal((await callGauges(ts)).calls_active, 0);
    // And a participant's requests need the joined connection.
    assert.equal(await otto.fail('call.transport.create', { room: group, direction: 'recv' }), ErrorCode.NotFound);
  });

  it('two members exchange media: joined, producer added, consumed; pause and close reach the other', async (t) => {
    if (!requireWorker(t)) return;
    const room = await createRoom(ada, ['bob'], 'group');
    const a = await joinCall(ada, room);
    assert.deepEqual(a.join.participants, []);
    assert.equal(a.join.canProduce, true);
    const codecs = (a.join.routerRtpCapabilities.codecs as Array<{ mimeType: string }>).map((c) => c.mimeType);
    for (const mime of ['audio/opus', 'video/VP8', 'video/VP9', 'video/H264']) assert.ok(codecs.includes(mime), `router offers ${mime}`);

    const mic = await a.produce('mic');
    const camera = await a.produce('camera');
    const b = await joinCall(bob, room);
    // Bob learns about Ada and what she sends; Ada hears that Bob joined.
    assert.deepEqual(
      b.join.participants.map((p) => [p.user, p.name, p.producers.map((x) => x.source).sort()]),
      [['ada', 'Ada', ['camera', 'mic']]],
    );
    await ada.waitFor((f) => f.type === 'call.participant.joined' && f.room === room && f.participant.user === 'bob');
    await b.consume(mic);
    await b.consume(camera);

    const bobMic = await b.produce('mic');
    const added = await ada.waitFor<CallEvent<'call.producer.added'>>((f) => f.type === 'call.producer.added' && f.producer.id === bobMic);
    assert.deepEqual([added.producer.user, added.producer.kind, added.producer.source, added.producer.paused], ['bob', 'audio', 'mic', false]);
    await a.consume(bobMic);

    let gauges = await callGauges(ts);
    assert.deepEqual(
      [gauges.calls_active, gauges.call_participants, gauges.call_routers, gauges.call_transports, gauges.call_producers, gauges.call_consumers],
      [1, 2, 1, 4, 3, 3],
    );

    await ada.request('call.producer.pause', { room, producerId: mic });
    await bob.waitFor((f) => f.type === 'call.producer.paused' && f.producerId === mic && f.user === 'ada');
    await ada.request('call.producer.resume', { room, producerId: mic });
    await bob.waitFor((f) => f.type === 'call.producer.resumed' && f.producerId === mic);

    await ada.request('call.producer.close', { room, producerId: camera });
    await bob.waitFor((f) => f.type === 'call.producer.removed' && f.producerId === camera);
    // Consumers close when the worker reports their producer closed: asynchronously.
    await eventually(async () => {
      gauges = await callGauges(ts);
      return gauges.call_producers === 2 && gauges.call_consumers === 2;
    }, "bob's consumer of the camera closed with it");

    // A consumer of a producer that is gone: not_found.
    assert.equal(await b.client.fail('call.consume', { room, transportId: b.recv, producerId: camera, rtpCapabilities: b.join.routerRtpCapabilities }), ErrorCode.NotFound);

    await ada.request('call.leave', { room });
    const left = await bob.waitFor<CallEvent<'call.participant.left'>>((f) => f.type === 'call.participant.left' && f.user === 'ada');
    assert.equal(left.reason, 'left');
    await eventually(async () => {
      gauges = await callGauges(ts);
      return gauges.call_participants === 1 && gauges.call_transports === 2 && gauges.call_producers === 1 && gauges.call_consumers === 0;
    }, "ada's transports, producers and consumers freed");

    await bob.request('call.leave', { room });
    await allFreed();
  });

  it('a closed socket frees its transports, producers and consumers, and the others are told', async (t) => {
    if (!requireWorker(t)) return;
    const room = await createRoom(ada, ['cy'], 'group');
    const dropping = await ts.connect('cy', 'Cy');
    const c = await joinCall(dropping, room);
    const cyMic = await c.produce('mic');
    await c.produce('camera');
    const a = await joinCall(ada, room);
    await a.consume(cyMic);
    await c.consume(await a.produce('mic'));
    assert.equal((await callGauges(ts)).call_transports, 4);

    dropping.terminate();
    const left = await ada.waitFor<CallEvent<'call.participant.left'>>((f) => f.type === 'call.participant.left' && f.room === room && f.user === 'cy');
    assert.equal(left.reason, 'disconnected');
    await eventually(async () => {
      const g = await callGauges(ts);
      return g.call_participants === 1 && g.call_transports === 2 && g.call_producers === 1 && g.call_consumers === 0;
    }, "cy's media freed");
    await ada.request('call.leave', { room });
    await allFreed();
  });

  it('a member who is removed from the room leaves its call', async (t) => {
    if (!requireWorker(t)) return;
    const room = await createRoom(ada, ['bob'], 'group');
    const b = await joinCall(bob, room);
    await b.produce('mic');
    await joinCall(ada, room);
    await ada.request('room.kick', { room, user: 'bob' });
    const own = await bob.waitFor<CallEvent<'call.participant.left'>>((f) => f.type === 'call.participant.left' && f.room === room && f.user === 'bob');
    assert.equal(own.reason, 'removed');
    await ada.waitFor((f) => f.type === 'call.participant.left' && f.room === room && f.user === 'bob');
    await eventually(async () => (await callGauges(ts)).call_producers === 0, "bob's producer closed");
    await ada.request('call.leave', { room });
    await allFreed();
  });

  it('joining again from another socket replaces the first: it is told, and its media is freed', async (t) => {
    if (!requireWorker(t)) return;
    const room = await createRoom(ada, ['bob'], 'group');
    const first = await ts.connect('bob', 'Bob');
    const one = await joinCall(first, room);
    await one.produce('mic');
    const second = await ts.connect('bob', 'Bob');
    const two = await joinCall(second, room);
    const replaced = await first.waitFor<CallEvent<'call.participant.left'>>((f) => f.type === 'call.participant.left' && f.user === 'bob');
    assert.equal(replaced.reason, 'replaced');
    assert.equal(await first.fail('call.transport.create', { room, direction: 'send' }), ErrorCode.NotFound);
    await eventually(async () => {
      const g = await callGauges(ts);
      return g.call_participants === 1 && g.call_transports === 2 && g.call_producers === 0;
    }, 'the first socket’s media freed');
    await two.client.request('call.leave', { room });
    await allFreed();
    first.terminate();
    second.terminate();
  });

  it('broadcast rooms: members join to listen, moderators send; a muted member listens only', async (t) => {
    if (!requireWorker(t)) return;
    const room = await createRoom(ada, ['bob', 'cy'], 'broadcast');
    await ada.request('room.setRole', { room, user: 'cy', role: 'moderator' });
    const listener = await bob.request('call.join', { room });
    assert.equal(listener.canProduce, false);
    assert.equal(await bob.fail('call.transport.create', { room, direction: 'send' }), ErrorCode.Forbidden);
    // It can still receive.
    await bob.request('call.transport.create', { room, direction: 'recv' });

    const moderator = await joinCall(cy, room);
    assert.equal(moderator.join.canProduce, true);
    await moderator.produce('mic');

    // Demoted meanwhile: the next produce is refused.
    await ada.request('room.setRole', { room, user: 'cy', role: 'member' });
    assert.equal(
      await cy.fail('call.produce', {
        room,
        transportId: moderator.send ?? '',
        kind: 'video',
        source: 'camera',
        rtpParameters: { codecs: [], encodings: [] },
      }),
      ErrorCode.Forbidden,
    );
    await bob.request('call.leave', { room });
    await cy.request('call.leave', { room });

    const group = await createRoom(ada, ['bob'], 'group');
    await ada.request('room.mute', { room: group, user: 'bob' });
    assert.equal((await bob.request('call.join', { room: group })).canProduce, false);
    await bob.request('call.leave', { room: group });
    await allFreed();
  });

  it('bad media parameters are refused as bad_request, not internal', async (t) => {
    if (!requireWorker(t)) return;
    const room = await createRoom(ada, [], 'group');
    const a = await joinCall(ada, room);
    const send = a.send ?? '';
    assert.equal(await ada.fail('call.produce', { room, transportId: send, kind: 'audio', source: 'mic', rtpParameters: { nonsense: true } }), ErrorCode.BadRequest);
    assert.equal(
      await ada.fail('call.produce', { room, transportId: send, kind: 'audio', source: 'camera', rtpParameters: { codecs: [], encodings: [] } }),
      ErrorCode.BadRequest,
      'a camera carries video',
    );
    assert.equal(await ada.fail('call.transport.connect', { room, transportId: send, dtlsParameters: { fingerprints: 'no' } }), ErrorCode.BadRequest);
    assert.equal(await ada.fail('call.transport.create', { room, direction: 'send' }), ErrorCode.Conflict, 'one send transport');
    // The worker refusing what the client described (a MID in use) is the client's error too.
    const mic = await a.produce('mic');
    const taken = { mid: 'same', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 4242 }] };
    await ada.request('call.produce', { room, transportId: send, kind: 'video', source: 'camera', rtpParameters: taken });
    assert.equal(
      await ada.fail('call.produce', { room, transportId: send, kind: 'video', source: 'screen', rtpParameters: { ...taken, encodings: [{ ssrc: 4343 }] } }),
      ErrorCode.BadRequest,
    );
    await ada.request('call.producer.close', { room, producerId: mic });
    const raw = await ada.fail('call.join', { room: '' }).catch(() => ErrorCode.BadRequest);
    assert.equal(raw, ErrorCode.BadRequest);
    const { iceParameters } = await ada.request('call.transport.restartIce', { room, transportId: a.recv });
    assert.equal(typeof iceParameters.usernameFragment, 'string');
    await ada.request('call.leave', { room });
    await allFreed();
  });
});
