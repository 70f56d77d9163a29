import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageList } from '../src/chat/message-list.js';
import { fakeMessage } from './fixtures.js';

const msg = fakeMessage;

describe('MessageList', () => {
  it('keeps seq order when holes fill out of order, and dedupes by id', () => {
    const list = new MessageList();
    for (const seq of [1, 3, 5, 2, 2, 4]) list.merge(msg(seq), { knownSeq: 0 });
    assert.deepEqual(
      list.all().map((m) => m.seq),
      [1, 2, 3, 4, 5],
    );
  });

  it('lets the higher rev win', () => {
    const list = new MessageList();
    list.merge(msg(1, 1), { knownSeq: 0 });
    assert.equal(list.merge(msg(1, 7, { text: 'edited' }), { knownSeq: 0 }), 'updated');
    assert.equal(list.merge(msg(1, 4, { text: 'stale' }), { knownSeq: 0 }), 'ignored');
    assert.equal(list.get('m1')?.text, 'edited');
  });

  it('keeps the window contiguous: older messages only come in through history pages', () => {
    const list = new MessageList();
    list.merge(msg(50), { knownSeq: 49 });
    assert.equal(list.merge(msg(10, 60), { knownSeq: 50 }), 'ignored', 'an old edited message does not leave a hole');
    assert.equal(list.merge(msg(49), { knownSeq: 50, contiguous: true }), 'added');
    assert.equal(list.oldestSeq(), 49);
  });

  it('lets a resume fill in the messages it missed even when live ones arrived first', () => {
    // The cursor is at 1; live messages 264… arrive while `sync` is still paging 2…263 in.
    const list = new MessageList();
    list.merge(msg(264), { knownSeq: 1 });
    list.merge(msg(265), { knownSeq: 1 });
    for (let seq = 2; seq <= 263; seq++) assert.equal(list.merge(msg(seq), { knownSeq: 1 }), 'added', `seq ${seq}`);
    assert.deepEqual(
      list.all().map((m) => m.seq),
      Array.from({ length: 264 }, (_, i) => i + 2),
    );
    assert.equal(list.merge(msg(1, 300), { knownSeq: 1 }), 'ignored', 'at or below the cursor, outside the window');
  });

  it('with nothing loaded, only accepts messages newer than the known seq', () => {
    const list = new MessageList();
    assert.equal(list.merge(msg(5, 90), { knownSeq: 20 }), 'ignored');
    assert.equal(list.merge(msg(21), { knownSeq: 20 }), 'added');
  });

  it('finds our messages by client id and drops messages under the retention floor', () => {
    const list = new MessageList();
    for (let seq = 1; seq <= 5; seq++) list.merge(msg(seq), { knownSeq: 0, contiguous: true });
    assert.equal(list.idFor('ada', 'c3'), 'm3');
    assert.equal(list.dropThrough(2), 2);
    assert.equal(list.idFor('ada', 'c1'), undefined);
    assert.deepEqual(
      list.all().map((m) => m.seq),
      [3, 4, 5],
    );
  });
});
