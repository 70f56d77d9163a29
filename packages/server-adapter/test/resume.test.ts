import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Message, RoomCursor, RoomInfo } from '@parley/sdk/protocol';
import { cid, createRoom, send, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

describe('resume with sync', () => {
  let ts: TestServer;
  let ada: TestClient;

  before(async () => {
    ts = await startServer({ limits: { maxPageSize: 5 }, retentionIntervalMs: 50 });
    ada = await ts.connect('ada');
  });
  after(() => ts.close());

  async function cursorOf(client: TestClient, room: string): Promise<RoomCursor> {
    const { room: info } = await client.request('room.get', { room });
    return { room, seq: info.lastSeq, rev: info.rev };
  }

  it('returns exactly what was missed: new messages and changes to old ones, once each, in rev order', async () => {
    const room = await createRoom(ada, ['bob']);
    const bob = await ts.connect('bob');
    const old = await send(ada, room, 'seen before the drop');
    const untouched = await send(ada, room, 'also seen, never changed');
    const cursor = await cursorOf(bob, room);
    await bob.close();

    const missed: Message[] = [];
    for (let i = 0; i < 3; i++) missed.push(await send(ada, room, `missed ${i}`));
    await ada.request('message.edit', { messageId: old.id, clientId: cid(), text: 'edited while away' });
    await ada.request('message.react', { messageId: missed[0].id, clientId: cid(), emoji: '👀', on: true });

    const back = await ts.connect('bob');
    const first = await back.request('sync', { rooms: [cursor] });
    const page1 = first.rooms[0];
    assert.equal(page1.removed, false);
    assert.equal(page1.gap, null);
    assert.equal(page1.more, false);
    const ids = page1.messages.map((m) => m.id);
    assert.deepEqual([...ids].sort(), [old.id, ...missed.map((m) => m.id)].sort());
    assert.ok(!ids.includes(untouched.id));
    const revs = page1.messages.map((m) => m.rev);
    assert.deepEqual(revs, [...revs].sort((a, b) => a - b));
    assert.ok(revs.every((r) => r > cursor.rev));
    assert.equal(page1.messages.find((m) => m.id === old.id)?.text, 'edited while away');
    assert.deepEqual(page1.messages.find((m) => m.id === missed[0].id)?.reactions['👀'], ['ada']);
    assert.equal(page1.lastSeq, missed[2].seq);
    assert.equal(page1.rev, Math.max(...revs));

    const again = await back.request('sync', { rooms: [{ room, seq: page1.lastSeq, rev: page1.rev }] });
    assert.deepEqual(again.rooms[0].messages, []);
    await back.close();
  });

  it('pages long absences with more, continuing from the last rev', async () => {
    const room = await createRoom(ada, ['bob']);
    const bob = await ts.connect('bob');
    const cursor = await cursorOf(bob, room);
    await bob.close();
    const sent: Message[] = [];
    for (let i = 0; i < 8; i++) sent.push(await send(ada, room, `bulk ${i}`));

    const back = await ts.connect('bob');
    const got: string[] = [];
    let at = cursor;
    for (let page = 0; page < 10; page++) {
      const { rooms } = await back.request('sync', { rooms: [at] });
      const r = rooms[0];
      got.push(...r.messages.map((m) => m.id));
      const last = r.messages.at(-1);
      if (!r.more) break;
      assert.ok(last);
      assert.equal(r.messages.length, 5);
      at = { room, seq: Math.max(at.seq, ...r.messages.map((m) => m.seq)), rev: last.rev };
    }
    assert.deepEqual(got, sent.map((m) => m.id));
    await back.close();
  });

  it('reports a gap when retention removed messages the client never saw', async () => {
    const room = await createRoom(ada, ['bob']);
    const bob = await ts.connect('bob');
    await send(ada, room, 'seen');
    const cursor = await cursorOf(bob, room);
    await bob.close();
    const sent: Message[] = [];
    for (let i = 0; i < 6; i++) sent.push(await send(ada, room, `later ${i}`));
    await ada.request('room.update', { room, retention: { maxAgeMs: null, maxMessages: 2 } });
    const lastSeq = sent[5].seq;
    const updated = await ada.waitFor<{ type: 'room.updated'; room: RoomInfo }>(
      (f) => f.type === 'room.updated' && f.room.id === room && f.room.floorSeq > cursor.seq,
    );
    const floor = updated.room.floorSeq;
    assert.ok(floor >= lastSeq - 2);

    const back = await ts.connect('bob');
    const { rooms } = await back.request('sync', { rooms: [cursor] });
    const r = rooms[0];
    assert.deepEqual(r.gap, { from: cursor.seq + 1, to: floor });
    assert.ok(r.messages.every((m) => m.seq > floor));
    assert.deepEqual(
      r.messages.map((m) => m.text),
      sent.filter((m) => m.seq > floor).map((m) => m.text),
    );
    const { messages } = await back.request('message.history', { room });
    assert.ok(messages.every((m) => m.seq > floor));
    await back.close();
  });

  it('says removed for rooms the user was kicked from, and for unknown rooms', async () => {
    const room = await createRoom(ada, ['bob']);
    const bob = await ts.connect('bob');
    const cursor = await cursorOf(bob, room);
    await bob.close();
    await send(ada, room, 'before kick');
    await ada.request('room.kick', { room, user: 'bob' });
    await send(ada, room, 'after kick');

    const back = await ts.connect('bob');
    const { rooms } = await back.request('sync', { rooms: [cursor, { room: 'r_does_not_exist', seq: 3, rev: 4 }] });
    assert.equal(rooms.length, 2);
    assert.equal(rooms[0].removed, true);
    assert.deepEqual(rooms[0].messages, []);
    assert.equal(rooms[1].removed, true);
    assert.deepEqual(rooms[1].messages, []);
    await back.close();
  });
});
