import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRoom, send, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

describe('receipts and unread counts', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient, bobPhone: TestClient;

  before(async () => {
    ts = await startServer();
    ada = await ts.connect('ada');
    bob = await ts.connect('bob');
    bobPhone = await ts.connect('bob');
  });
  after(() => ts.close());

  async function unreadOf(client: TestClient, room: string): Promise<{ unread: number; total: number }> {
    const { rooms, unreadTotal } = await client.request('rooms.list', {});
    return { unread: rooms.find((r) => r.id === room)?.unread ?? -1, total: unreadTotal };
  }

  it('counts unread per room and in total, not counting one’s own messages', async () => {
    const room = await createRoom(ada, ['bob']);
    const other = await createRoom(ada, ['bob']);
    const before = (await unreadOf(bob, room)).total;
    await send(ada, room, 'one');
    await send(ada, room, 'two');
    await send(ada, room, 'three');
    await send(bob, room, 'mine');
    await send(ada, other, 'elsewhere');
    assert.deepEqual(await unreadOf(bob, room), { unread: 3, total: before + 4 });
    assert.equal((await unreadOf(ada, room)).unread, 1);
  });

  it('moves delivered and read markers forward, pushes receipt to the room and unread to the user', async () => {
    const room = await createRoom(ada, ['bob']);
    const m1 = await send(ada, room, 'one');
    const m2 = await send(ada, room, 'two');
    const m3 = await send(ada, room, 'three');
    const totalBefore = (await unreadOf(bob, room)).total;

    const delivered = await bob.request('receipt', { room, delivered: m3.seq });
    assert.equal(delivered.deliveredSeq, m3.seq);
    assert.equal(delivered.unread, 3);
    await ada.waitFor((f) => f.type === 'receipt' && f.room === room && f.user === 'bob' && f.deliveredSeq === m3.seq);

    const read = await bob.request('receipt', { room, read: m1.seq });
    assert.deepEqual(read, { readSeq: m1.seq, deliveredSeq: m3.seq, unread: 2, unreadTotal: totalBefore - 1 });
    const pushed = await bobPhone.waitFor((f) => f.type === 'unread' && f.room === room && f.readSeq === m1.seq);
    assert.deepEqual(pushed, { type: 'unread', room, readSeq: m1.seq, unread: 2, unreadTotal: totalBefore - 1 });
    await ada.waitFor((f) => f.type === 'receipt' && f.room === room && f.user === 'bob' && f.readSeq === m1.seq);

    const { members } = await ada.request('room.members', { room });
    const bobRow = members.find((m) => m.user === 'bob');
    assert.equal(bobRow?.readSeq, m1.seq);
    assert.equal(bobRow?.deliveredSeq, m3.seq);

    const back = await bob.request('receipt', { room, read: 1, delivered: 1 });
    assert.equal(back.readSeq, m1.seq);
    assert.equal(back.deliveredSeq, m3.seq);

    const all = await bob.request('receipt', { room, read: 1_000_000 });
    assert.equal(all.readSeq, m3.seq);
    assert.equal(all.unread, 0);
    assert.equal(m2.seq, m1.seq + 1);
    assert.equal((await unreadOf(bob, room)).unread, 0);
  });

  it('a read marker implies delivery', async () => {
    const room = await createRoom(ada, ['bob']);
    const m = await send(ada, room, 'read directly');
    const r = await bob.request('receipt', { room, read: m.seq });
    assert.equal(r.deliveredSeq, m.seq);
  });

  it('does not publish anything when the markers did not move', async () => {
    const room = await createRoom(ada, ['bob']);
    const m = await send(ada, room, 'x');
    await bob.request('receipt', { room, read: m.seq });
    await ada.waitFor((f) => f.type === 'receipt' && f.room === room && f.readSeq === m.seq);
    await bob.request('receipt', { room, read: m.seq });
    const marker = await send(bob, room, 'marker');
    await ada.waitForMessage((msg) => msg.id === marker.id);
    assert.equal(ada.events('receipt').filter((f) => f.room === room).length, 1);
  });
});
