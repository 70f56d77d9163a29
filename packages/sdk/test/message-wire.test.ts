import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compactMessage, encodeEvent, expandEvent, expandMessage } from '../src/protocol/message-wire.js';
import type { Message } from '../src/protocol/model.js';
import { fakeMessage } from './fixtures.js';

/** A message with every optional field away from its default. */
function busyMessage(): Message {
  return fakeMessage(7, 9, {
    clientId: 'c-7',
    editedAt: 1_700_000_000_500,
    deletedAt: 1_700_000_000_900,
    parentId: 'm-parent',
    replyCount: 3,
    mentions: ['bob'],
    reactions: { '👍': ['bob', 'eve'] },
    attachments: [{ id: 'a1', name: 'x.png', type: 'image/png', size: 12 }],
    flagged: true,
  });
}

describe('message wire form', () => {
  it('leaves out every field that holds its default', () => {
    const plain = fakeMessage(1, 1, {
      clientId: null,
      editedAt: null,
      deletedAt: null,
      parentId: null,
      replyCount: 0,
      mentions: [],
      reactions: {},
      attachments: [],
      system: null,
      flagged: false,
      kind: 'user',
    });
    const wire = compactMessage(plain);
    assert.deepEqual(Object.keys(wire).sort(), ['createdAt', 'id', 'rev', 'room', 'sender', 'seq', 'text']);
    assert.deepEqual(expandMessage(wire), plain);
  });

  it('keeps every field that does not, and round-trips through JSON', () => {
    const busy = busyMessage();
    assert.deepEqual(expandMessage(JSON.parse(JSON.stringify(compactMessage(busy))) as Message), busy);
    const system = fakeMessage(2, 2, { kind: 'system', clientId: null, system: { event: 'renamed', actor: 'ada', target: null, name: 'x' } });
    assert.deepEqual(expandMessage(compactMessage(system)), system);
  });

  it('decodes the full form unchanged (servers that send every field)', () => {
    const busy = busyMessage();
    const full = JSON.parse(JSON.stringify({ type: 'message', message: busy })) as { type: 'message'; message: Message };
    assert.deepEqual(expandEvent(full), { type: 'message', message: busy });
  });

  it('encodes message and message.updated events compactly and leaves other events alone', () => {
    const plain = fakeMessage(3);
    for (const type of ['message', 'message.updated'] as const) {
      const text = encodeEvent({ type, message: plain });
      assert.ok(!text.includes('"reactions"'), text);
      assert.deepEqual(expandEvent(JSON.parse(text) as { type: string }), { type, message: plain });
    }
    const typing = { type: 'typing' as const, room: 'r', user: 'u', typing: true };
    assert.equal(encodeEvent(typing), JSON.stringify(typing));
    assert.equal(expandEvent(typing), typing);
  });

  it('gives each decoded message its own arrays and objects', () => {
    const wire = compactMessage(fakeMessage(4));
    const a = expandMessage(wire);
    const b = expandMessage(wire);
    a.mentions.push('x');
    a.reactions['👍'] = ['x'];
    assert.deepEqual(b.mentions, []);
    assert.deepEqual(b.reactions, {});
  });
});
