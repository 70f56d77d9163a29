/** History removed by retention while a client was away is reported, never skipped silently. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ParleyClient } from '../src/index.js';
import { startPair, texts, until } from './helpers.js';
import type { Pair } from './helpers.js';

describe('retention gaps', () => {
  let ada: ParleyClient;
  let bob: ParleyClient;

  let pair: Pair;

  before(async () => {
    pair = await startPair({ retentionIntervalMs: 50 });
    ({ ada, bob } = pair);
  });

  after(() => pair?.dispose());

  it('tells a returning client which messages it missed for good', async () => {
    const room = await ada.createRoom({ kind: 'group', name: 'Short memory', members: ['bob'] });
    await room.send('seen by bob');
    await until(() => texts(bob, room.id).includes('seen by bob'), 'bob has the first message');
    const bobSeq = bob.state.rooms[room.id].messages.at(-1)?.seq ?? 0;

    await bob.disconnect();
    await room.update({ retention: { maxAgeMs: null, maxMessages: 2 } });
    for (const text of ['x1', 'x2', 'x3', 'x4', 'x5']) await room.send(text);
    // Retention runs on the server's timer; wait (bounded) until it removed what bob never saw.
    let floor = 0;
    for (let i = 0; i < 100 && floor <= bobSeq; i++) {
      floor = (await ada.request('room.get', { room: room.id })).room.floorSeq;
      if (floor <= bobSeq) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(floor > bobSeq, `retention removed nothing (floor ${floor})`);

    const gaps: Array<{ room: string; from: number; to: number }> = [];
    const off = bob.on('gap', (g) => gaps.push(g));
    await bob.connect();
    await bob.whenOnline();
    off();

    assert.equal(gaps.length, 1);
    assert.equal(gaps[0].room, room.id);
    assert.equal(gaps[0].from, bobSeq + 1);
    assert.deepEqual(bob.state.rooms[room.id].gap, { from: gaps[0].from, to: gaps[0].to });
    // What survived retention arrived; what did not is covered by the gap.
    assert.deepEqual(texts(bob, room.id).slice(-2), ['x4', 'x5']);
    const seqs = bob.state.rooms[room.id].messages.map((m) => m.seq);
    for (const seq of seqs) assert.ok(seq <= bobSeq || seq > gaps[0].to, `seq ${seq} lies inside the reported gap`);
  });
});
