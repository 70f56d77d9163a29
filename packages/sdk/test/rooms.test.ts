/** The room registry's merge and cursor rules, which decide what a resume asks for. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientEvents } from '../src/client/client-events.js';
import { RoomRegistry } from '../src/chat/room-registry.js';
import { Emitter } from '../src/events.js';
import { ReadStateManager } from '../src/managers/read-state.js';
import { TypingManager } from '../src/managers/typing.js';
import type { Message, RoomInfo } from '../src/protocol/model.js';
import type { RoomSync } from '../src/protocol/frames.js';
import { defaultTimers } from '../src/transport/platform.js';
import { fakeMessage } from './fixtures.js';

function msg(seq: number, rev: number, sender = 'bob', extra: Partial<Message> = {}): Message {
  return fakeMessage(seq, rev, { sender, ...extra });
}

function info(lastSeq: number, rev: number): RoomInfo {
  return {
    id: 'r',
    kind: 'group',
    name: 'R',
    topic: '',
    createdAt: 0,
    createdBy: 'ada',
    lastSeq,
    rev,
    floorSeq: 0,
    retention: { maxAgeMs: null, maxMessages: null },
    memberCount: 2,
    role: 'member',
    peer: null,
    readSeq: lastSeq,
    unread: 0,
  };
}

function sync(partial: Partial<RoomSync>): RoomSync {
  return { room: 'r', messages: [], gap: null, more: false, lastSeq: 0, rev: 0, removed: false, ...partial };
}

function setup() {
  const events = new Emitter<ClientEvents>();
  const readState = new ReadStateManager({
    sendDelivered: () => Promise.resolve(),
    canSend: () => false,
    me: () => 'ada',
    timers: defaultTimers,
    batchMs: 10_000,
  });
  const typing = new TypingManager({ send: () => undefined, timers: defaultTimers, now: Date.now, ttlMs: 3000, throttleMs: 1000 });
  const gaps: string[] = [];
  const registry = new RoomRegistry({
    me: () => 'ada',
    entries: () => [],
    writer: () => null,
    readState,
    typing,
    events,
    liveGap: (room) => gaps.push(room),
  });
  registry.setInfo(info(10, 20));
  for (let seq = 1; seq <= 10; seq++) registry.applyMessage(msg(seq, seq + 10), 'history');
  return { registry, events, readState, gaps };
}

describe('RoomRegistry', () => {
  it('starts a new room at its current position and loads history on demand', () => {
    const { registry } = setup();
    assert.deepEqual(registry.cursors(), [{ room: 'r', seq: 10, rev: 20 }]);
  });

  it('moves the cursor only over revs it holds contiguously, whatever order live events and sync pages come in', () => {
    const { registry, gaps } = setup();
    // A live event that skipped ahead (rev 22 before 21) is shown but does not move the cursor.
    registry.applyMessage(msg(12, 22), 'live');
    assert.deepEqual(registry.cursors(), [{ room: 'r', seq: 10, rev: 20 }], 'rev 21 is missing: the cursor stays');
    assert.deepEqual(gaps, ['r'], 'the gap is reported for a catch-up');
    assert.deepEqual(registry.gapped(), ['r']);
    const shown = registry.commit({}) ?? {};
    assert.equal(shown.r.messages.at(-1)?.seq, 12, 'the message is shown at once');

    // Its predecessor arrives: both join the cursor.
    registry.applyMessage(msg(11, 21), 'live');
    assert.deepEqual(registry.cursors(), [{ room: 'r', seq: 12, rev: 22 }]);
    assert.deepEqual(registry.gapped(), []);

    // A resume's page with more moves to its last message only, even past a live event far ahead.
    registry.applyMessage(msg(30, 50), 'live');
    registry.applySync([sync({ messages: [msg(13, 23), msg(14, 24)], more: true, lastSeq: 30, rev: 50 })]);
    assert.deepEqual(registry.cursors(), [{ room: 'r', seq: 12, rev: 24 }], 'a page with more: rev of its last message');

    // The connection drops here: the next resume asks from rev 24, not 50.
    registry.applySync([sync({ messages: [msg(15, 25)], more: false, lastSeq: 29, rev: 49 })]);
    assert.deepEqual(registry.cursors(), [{ room: 'r', seq: 30, rev: 50 }], 'the last page, then the live event that follows on');
    assert.deepEqual(registry.gapped(), []);
    registry.applyMessage(msg(31, 51), 'live');
    assert.deepEqual(registry.cursors(), [{ room: 'r', seq: 31, rev: 51 }], 'the next live event moves it');
    registry.applyMessage(msg(5, 51, 'bob', { text: 'an older rev again' }), 'live');
    assert.deepEqual(registry.cursors(), [{ room: 'r', seq: 31, rev: 51 }], 'a repeat changes nothing');
  });

  it('starts from the room info on first sight even when live events beat it there', () => {
    const { registry } = setup();
    registry.remove('r', 'left');
    registry.applyMessage(msg(41, 61), 'live');
    assert.deepEqual(registry.cursors(), [{ room: 'r', seq: 0, rev: 0 }]);
    registry.setInfo(info(40, 60));
    assert.deepEqual(registry.cursors(), [{ room: 'r', seq: 41, rev: 61 }]);
  });

  it('notifies and counts only new messages from others, however they arrive', () => {
    const { registry, events } = setup();
    const seen: string[] = [];
    events.on('message', (m) => seen.push(m.id));
    // Rev order: an edit of an old message, then new messages whose rev order differs from seq order.
    registry.applySync([
      sync({ messages: [msg(5, 30, 'bob', { text: 'edited' }), msg(12, 31), msg(11, 32), msg(13, 33, 'ada')], lastSeq: 13, rev: 33 }),
    ]);
    assert.deepEqual(seen.sort(), ['m11', 'm12']);
    const state = registry.commit({}) ?? {};
    assert.equal(state.r.info?.unread, 2);
    assert.deepEqual(
      state.r.messages.map((m) => m.seq),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    );
    assert.equal(state.r.messages[4].text, 'edited');
  });

  it('does not count again messages the server already counted as unread', () => {
    const { registry } = setup();
    // The room list says 5 unread up to seq 15 before those messages arrive.
    registry.setInfo({ ...info(15, 25), readSeq: 10, unread: 5 });
    for (let seq = 11; seq <= 15; seq++) registry.applyMessage(msg(seq, seq + 10), 'live');
    registry.applyMessage(msg(16, 26), 'live');
    const state = registry.commit({}) ?? {};
    assert.equal(state.r.info?.unread, 6);
  });

  it('surfaces a retention gap as an event and a flag, never silently', () => {
    const { registry, events } = setup();
    const gaps: unknown[] = [];
    events.on('gap', (g) => gaps.push(g));
    registry.applySync([sync({ messages: [msg(41, 60)], gap: { from: 11, to: 40 }, lastSeq: 41, rev: 60 })]);
    const state = registry.commit({}) ?? {};
    assert.deepEqual(gaps, [{ room: 'r', from: 11, to: 40 }]);
    assert.deepEqual(state.r.gap, { from: 11, to: 40 });
  });

  it('shows own messages as delivered and read from the other members\' markers', () => {
    const { registry, readState } = setup();
    registry.applyMessage(msg(11, 21, 'ada'), 'live');
    registry.applyMessage(msg(12, 22, 'ada'), 'live');
    readState.received('r', 'bob', 11, 12);
    registry.touch('r');
    const state = registry.commit({}) ?? {};
    const status = state.r.messages.filter((m) => m.sender === 'ada').map((m) => m.status);
    assert.deepEqual(status, ['read', 'delivered']);
  });
});
