/**
 * The room-order layer on its own: an in-process bus that can say "resync",
 * and a scripted storage fill, so arrival orders and losses can be chosen
 * exactly. The cluster tests cover the same layer end to end on Redis.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BusMessage } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process-bus.js';
import type { ResyncingBus } from '../src/bus/redis-bus.js';
import { RoomOrderBus } from '../src/bus/room-order.js';
import type { FillChanges } from '../src/bus/room-order.js';

const TOPIC = 'room:r1';
const GAP_MS = 20;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An in-process bus with a resync button. */
class TestBus extends InProcessBus implements ResyncingBus {
  readonly #listeners = new Set<(topics?: readonly string[]) => void>();
  override onResync(listener: (topics?: readonly string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** Every topic may have missed messages, or only `topics`. */
  resync(topics?: readonly string[]): void {
    for (const listener of this.#listeners) listener(topics);
  }
}

const event = (rev: number): BusMessage => ({ frame: `rev ${rev}`, rev });

/** Storage as the fill sees it: the revs it holds (a rev absent here was removed by retention). */
function storage(revs: () => number[], page = 500): { fill: FillChanges; reads: number[] } {
  const reads: number[] = [];
  const fill: FillChanges = (_room, afterRev) => {
    reads.push(afterRev);
    const after = revs().filter((rev) => rev > afterRev).sort((a, b) => a - b);
    return Promise.resolve({ messages: after.slice(0, page).map((rev) => ({ ...event(rev), frame: `filled ${rev}` })), more: after.length > page });
  };
  return { fill, reads };
}

function subscribe(bus: RoomOrderBus): string[] {
  const got: string[] = [];
  bus.subscribe(TOPIC, (message) => got.push(message.frame));
  return got;
}

describe('room order (rev order, gap fill)', () => {
  it('delivers out-of-order arrivals in rev order, each once', async () => {
    const inner = new TestBus();
    const { fill, reads } = storage(() => []);
    const bus = new RoomOrderBus(inner, fill, { gapWaitMs: GAP_MS, lastRev: () => Promise.resolve(10) });
    const got = subscribe(bus);
    await sleep(0);
    for (const rev of [12, 11, 11, 13, 10]) await inner.publish(TOPIC, event(rev));
    await inner.publish(TOPIC, { frame: 'typing' });
    assert.deepEqual(got, ['rev 11', 'rev 12', 'rev 13', 'typing']);
    await sleep(GAP_MS * 3);
    assert.deepEqual(reads, [], 'no gap, no storage read');
    await bus.close();
  });

  it('fills a lost rev from storage after the gap wait, then delivers what was held', async () => {
    const inner = new TestBus();
    const { fill, reads } = storage(() => [1, 2, 3]);
    const bus = new RoomOrderBus(inner, fill, { gapWaitMs: GAP_MS, lastRev: () => Promise.resolve(0) });
    const got = subscribe(bus);
    await sleep(0);
    await inner.publish(TOPIC, event(1));
    await inner.publish(TOPIC, event(3)); // 2 was lost
    assert.deepEqual(got, ['rev 1']);
    await sleep(GAP_MS * 4);
    // The fill reads current state from rev 1 on, so it also brings 3; the held copy of 3 is dropped.
    assert.deepEqual(reads, [1]);
    assert.deepEqual(got, ['rev 1', 'filled 2', 'filled 3']);
    await bus.close();
  });

  it('stops waiting for a rev storage no longer has, but only once a read began after the held event arrived', async () => {
    const inner = new TestBus();
    let stored = [1, 3];
    const { fill, reads } = storage(() => stored);
    const bus = new RoomOrderBus(inner, fill, { gapWaitMs: GAP_MS, lastRev: () => Promise.resolve(1) });
    const got = subscribe(bus);
    await sleep(0);
    // Rev 2 is gone (retention); rev 3 was committed and arrives.
    await inner.publish(TOPIC, event(3));
    await sleep(GAP_MS * 4);
    assert.deepEqual(got, ['filled 3'], 'the fill delivers 3 and the gap at 2 is given up');
    // A later gap whose missing rev is not yet visible to a read that began earlier is filled by the next read.
    stored = [1, 3, 4, 5];
    await inner.publish(TOPIC, event(5)); // 4 still in flight
    await sleep(GAP_MS * 4);
    assert.deepEqual(got, ['filled 3', 'filled 4', 'filled 5']);
    assert.ok(reads.length >= 2);
    await bus.close();
  });

  it('after a resync reads every page up to the room’s current rev', async () => {
    const inner = new TestBus();
    const revs = Array.from({ length: 25 }, (_, i) => i + 1);
    let visible = 5;
    const { fill, reads } = storage(() => revs.slice(0, visible), 10);
    const bus = new RoomOrderBus(inner, fill, { gapWaitMs: GAP_MS, lastRev: () => Promise.resolve(5) });
    const got = subscribe(bus);
    await sleep(0);
    // Everything after 5 was published while this node's subscriber was away.
    visible = 25;
    inner.resync();
    await sleep(GAP_MS * 2);
    assert.deepEqual(got, revs.slice(5).map((rev) => `filled ${rev}`));
    assert.deepEqual(reads, [5, 15, 25].slice(0, reads.length));
    assert.ok(reads.length >= 2, 'more than one page was read');
    // Live events continue from there.
    await inner.publish(TOPIC, event(26));
    assert.equal(got.at(-1), 'rev 26');
    await bus.close();
  });

  it('a resync naming topics fills only those rooms', async () => {
    const inner = new TestBus();
    const reads: string[] = [];
    const fill: FillChanges = (room) => {
      reads.push(room);
      return Promise.resolve({ messages: [], more: false });
    };
    const bus = new RoomOrderBus(inner, fill, { gapWaitMs: GAP_MS, lastRev: () => Promise.resolve(1) });
    bus.subscribe('room:a', () => undefined);
    bus.subscribe('room:b', () => undefined);
    await sleep(0);
    // A subscription that had to wait is in place: only its room may have missed anything.
    inner.resync(['room:b', 'user:u1']);
    await sleep(GAP_MS);
    assert.deepEqual(reads, ['b']);
    inner.resync();
    await sleep(GAP_MS);
    assert.deepEqual([...reads].sort(), ['a', 'b', 'b']);
    await bus.close();
  });

  it('holds arrivals until the baseline is read, then delivers them in order', async () => {
    const inner = new TestBus();
    const { fill } = storage(() => [7, 8, 9]);
    let release: (rev: number) => void = () => undefined;
    const baseline = new Promise<number>((resolve) => {
      release = resolve;
    });
    const bus = new RoomOrderBus(inner, fill, { gapWaitMs: GAP_MS, lastRev: () => baseline });
    const got = subscribe(bus);
    await inner.publish(TOPIC, event(9));
    await inner.publish(TOPIC, event(8));
    assert.deepEqual(got, []);
    release(7);
    await sleep(0);
    assert.deepEqual(got, ['rev 8', 'rev 9']);
    await bus.close();
  });
});
