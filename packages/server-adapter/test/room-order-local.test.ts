/**
 * One room, one order, on a single node: members receive a room's events in
 * rev order whoever sent them and however their sends were pipelined, so a
 * client that resumes from the newest rev it received never skips an older
 * one still on its way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Message } from '@parley/sdk/protocol';
import { cid, createRoom, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

/** Sends per sender, all pipelined at once so they commit in shared batches. */
const PER_SENDER = 120;

/** The revs of a client's live `message`/`message.updated` events in `room`, in arrival order. */
function liveRevs(client: TestClient, room: string): number[] {
  return client.frames
    .filter((f): f is { type: 'message' | 'message.updated'; message: Message } => f.type === 'message' || f.type === 'message.updated')
    .filter((f) => f.message.room === room)
    .map((f) => f.message.rev);
}

/** Pairs where a later arrival carries a lower rev than one before it. */
function inversions(revs: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let highest = 0;
  for (const rev of revs) {
    if (rev < highest) out.push([highest, rev]);
    highest = Math.max(highest, rev);
  }
  return out;
}

describe('room order on one node', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(() => ts.close());

  it('delivers concurrent senders’ messages, edits and replies to every member in rev order, each rev once', async () => {
    const ada = await ts.connect('ada');
    const room = await createRoom(ada, ['bob', 'cy']);
    const bob = await ts.connect('bob');
    const cy = await ts.connect('cy');
    const { room: info } = await cy.request('room.get', { room });
    const start = info.rev;

    const first = await ada.request('message.send', { room, clientId: cid(), text: 'root' });
    // Two members fire their whole burst without waiting: sends, replies (two revs each) and edits interleave in commit batches.
    const burst = (client: TestClient, who: string): Array<Promise<unknown>> =>
      Array.from({ length: PER_SENDER }, (_, i) => {
        if (i % 10 === 3) return client.request('message.send', { room, clientId: cid(), text: `${who} reply ${i}`, parentId: first.message.id });
        if (i % 10 === 7 && who === 'ada') return client.request('message.edit', { messageId: first.message.id, clientId: cid(), text: `edit ${i}` });
        return client.request('message.send', { room, clientId: cid(), text: `${who} ${i}` });
      });
    await Promise.all([...burst(ada, 'ada'), ...burst(bob, 'bob')]);
    const { room: after } = await cy.request('room.get', { room });
    const end = after.rev;

    for (const [name, client] of [['ada', ada], ['bob', bob], ['cy', cy]] as const) {
      await client.waitFor(() => liveRevs(client, room).includes(end), 30_000);
      const revs = liveRevs(client, room);
      assert.deepEqual(inversions(revs), [], `${name} received a rev after a higher one`);
      const expected = Array.from({ length: end - start }, (_, i) => start + 1 + i);
      assert.deepEqual(revs, expected, `${name} received every rev once, in order`);
    }
  });
});
