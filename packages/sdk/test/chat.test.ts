/** Two real clients chatting through a real server. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LimitError, RequestError } from '../src/index.js';
import type { Message, ParleyClient } from '../src/index.js';
import { startPair, texts, until } from './helpers.js';
import type { Pair } from './helpers.js';

describe('chat between two clients', () => {
  let ada: ParleyClient;
  let bob: ParleyClient;

  let pair: Pair;

  before(async () => {
    pair = await startPair({});
    ({ ada, bob } = pair);
  });

  after(() => pair?.dispose());

  it('delivers messages both ways, in order, exactly once, with delivery and read states', async () => {
    const room = await ada.createRoom({ kind: 'group', name: 'Plans', members: ['bob'] });
    await until(() => bob.state.rooms[room.id]?.info?.name === 'Plans', 'bob learns about the room');

    const received: Message[] = [];
    const offMessage = bob.on('message', (m) => received.push(m));
    const sending = ['one', 'two', 'three'].map((text) => room.send(text));
    // Shown at once, before the server answered.
    assert.deepEqual(texts(ada, room.id), ['one', 'two', 'three']);
    assert.ok(ada.state.rooms[room.id].messages.filter((m) => m.kind === 'user').every((m) => m.status === 'pending'));
    const sent = await Promise.all(sending);
    assert.deepEqual(
      sent.map((m) => m.seq),
      [...sent.map((m) => m.seq)].sort((a, b) => a - b),
      'seq follows send order',
    );
    assert.deepEqual(texts(ada, room.id), ['one', 'two', 'three'], 'acks replace the pending copies, no duplicates');

    await until(() => texts(bob, room.id).length === 3, 'bob gets all three');
    assert.deepEqual(texts(bob, room.id), ['one', 'two', 'three']);
    assert.deepEqual(
      received.map((m) => m.text),
      ['one', 'two', 'three'],
    );
    assert.equal(bob.state.rooms[room.id].info?.unread, 3);
    assert.equal(bob.state.unreadTotal, 3);

    // Bob's client acknowledges delivery by itself; Ada sees it.
    const adaStatus = (): string[] =>
      ada.state.rooms[room.id].messages.filter((m) => m.kind === 'user').map((m) => m.status);
    await until(() => adaStatus().every((s) => s === 'delivered'), 'delivered ticks');
    bob.room(room.id).markRead();
    assert.equal(bob.state.rooms[room.id].info?.unread, 0, 'unread drops at once');
    assert.equal(bob.state.unreadTotal, 0);
    await until(() => adaStatus().every((s) => s === 'read'), 'read ticks');

    await bob.room(room.id).send('got it');
    await until(() => texts(ada, room.id).includes('got it'), 'ada gets the reply');
    assert.deepEqual(texts(ada, room.id), ['one', 'two', 'three', 'got it']);
    offMessage();
  });

  it('shows edits, reactions and deletes on both sides', async () => {
    const room = await ada.createRoom({ kind: 'group', name: 'Edits', members: ['bob'] });
    const message = await room.send('helo');
    await until(() => texts(bob, room.id).includes('helo'), 'bob sees the message');

    await room.edit(message.id, 'hello');
    assert.deepEqual(texts(ada, room.id), ['hello']);
    await until(() => texts(bob, room.id)[0] === 'hello', 'bob sees the edit');
    assert.notEqual(bob.state.rooms[room.id].messages.find((m) => m.id === message.id)?.editedAt, null);

    await bob.room(room.id).react(message.id, '👍');
    const reactions = (c: ParleyClient) => c.state.rooms[room.id].messages.find((m) => m.id === message.id)?.reactions;
    await until(() => reactions(ada)?.['👍']?.includes('bob') === true, 'ada sees the reaction');
    await bob.room(room.id).react(message.id, '👍');
    await until(() => reactions(ada)?.['👍'] === undefined, 'the toggle removes it');

    await room.delete(message.id);
    await until(() => bob.state.rooms[room.id].messages.find((m) => m.id === message.id)?.deletedAt != null, 'tombstone');
    assert.equal(bob.state.rooms[room.id].messages.find((m) => m.id === message.id)?.text, '');
  });

  it('edits and deletes of a message still queued act on the queue', async () => {
    const room = await ada.createRoom({ kind: 'group', name: 'Queue', members: ['bob'] });
    await ada.disconnect();
    const keep = room.send('draft');
    const gone = room.send('oops').catch((e: unknown) => e);
    const [draft, oops] = ada.state.rooms[room.id].messages.filter((m) => m.kind === 'user');
    await room.edit(draft.id, 'final');
    await room.delete(oops.id);
    assert.deepEqual(texts(ada, room.id), ['final']);
    assert.equal(((await gone) as { code: string }).code, 'aborted');
    await ada.connect();
    const sent = await keep;
    assert.equal(sent.text, 'final');
    await until(() => texts(bob, room.id).length === 1, 'bob gets one message');
    assert.deepEqual(texts(bob, room.id), ['final']);
  });

  it('notifies mentions and direct messages', async () => {
    const direct = await ada.directRoom('bob');
    const mentions: string[] = [];
    const directs: string[] = [];
    const off1 = bob.on('mention', (m) => mentions.push(m.text));
    const off2 = bob.on('direct-message', (m) => directs.push(m.text));
    await direct.send('hi @bob');
    await until(() => directs.length === 1, 'direct message event');
    assert.deepEqual(mentions, ['hi @bob']);
    assert.equal(bob.state.rooms[direct.id].info?.kind, 'direct');
    off1();
    off2();
  });

  it('shows who is typing and clears it when they send', async () => {
    const room = await ada.createRoom({ kind: 'group', name: 'Typing', members: ['bob'] });
    await until(() => bob.state.rooms[room.id] !== undefined, 'room known to bob');
    room.setTyping(true);
    await until(() => bob.state.rooms[room.id].typing.includes('ada'), 'bob sees ada typing');
    await room.send('done typing');
    await until(() => bob.state.rooms[room.id].typing.length === 0, 'indicator cleared');
  });

  it('reports typed errors: limits, membership, unknown rooms', async () => {
    const room = await ada.createRoom({ kind: 'public', name: 'Errors' });
    const max = ada.limits?.maxTextLength ?? 0;
    assert.ok(max > 0);

    // The server's own check, through the raw request.
    await assert.rejects(
      ada.request('message.send', { room: room.id, clientId: crypto.randomUUID(), text: 'x'.repeat(max + 1) }),
      (e: unknown) => e instanceof LimitError && e.code === 'text_too_long' && !e.retryable,
    );
    // The SDK refuses it before queuing, with the same type.
    await assert.rejects(room.send('x'.repeat(max + 1)), (e: unknown) => e instanceof LimitError && e.code === 'text_too_long');
    assert.equal(ada.state.pending, 0);

    // Bob has not joined Ada's public room: his message fails visibly and can be discarded.
    const intruder = bob.room(room.id);
    const failed = intruder.send('let me in').catch((e: unknown) => e);
    const error = await failed;
    assert.ok(error instanceof RequestError);
    assert.equal((error as RequestError).code, 'not_member');
    const shown = bob.state.rooms[room.id].messages.find((m) => m.text === 'let me in');
    assert.equal(shown?.status, 'failed');
    assert.equal(shown?.error?.code, 'not_member');
    assert.equal(bob.state.failed, 1);
    assert.equal(intruder.discard(shown?.clientId ?? ''), true);
    assert.equal(bob.state.failed, 0);
    assert.equal(bob.state.rooms[room.id].messages.length, 0);

    await assert.rejects(ada.room('no-such-room').members(), (e: unknown) => e instanceof RequestError && e.code === 'not_found');

    // Joining fixes it: the same text goes through on retry... as a new message.
    await bob.joinRoom(room.id);
    await intruder.send('let me in');
    await until(() => texts(ada, room.id).includes('let me in'), 'ada sees bob after he joined');
  });
});
