import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@parley/sdk/protocol';
import type { Message, ServerFrame } from '@parley/sdk/protocol';
import type { ModerationContext } from '../src/index.js';
import { cid, createRoom, send, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

describe('messages', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient, cy: TestClient;
  const seen: ModerationContext[] = [];

  before(async () => {
    ts = await startServer({
      limits: { maxTextLength: 100, maxPageSize: 20 },
      hooks: {
        moderateMessage: async (ctx) => {
          seen.push(ctx);
          await Promise.resolve();
          if (ctx.text.includes('forbidden-word')) return { action: 'reject', reason: 'watch your language' };
          if (ctx.text.includes('suspicious')) return { action: 'flag' };
          if (ctx.text.includes('hook-crash')) throw new Error('hook exploded');
          return 'allow';
        },
      },
    });
    ada = await ts.connect('ada', 'Ada');
    bob = await ts.connect('bob', 'Bob');
    cy = await ts.connect('cy', 'Cy');
  });
  after(() => ts.close());

  it('gives pipelined sends contiguous seqs, acks them in order, and every member sees the same order', async () => {
    const room = await createRoom(ada, ['bob']);
    const count = 30;
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      ids.push(ada.sendWithId({ type: 'message.send', room, clientId: cid(), text: `n${i}` }));
    }
    const acks: Message[] = [];
    for (const id of ids) {
      const answer = await ada.answerTo(id);
      assert.equal(answer.type, 'ack');
      acks.push((answer as { result: { message: Message } }).result.message);
    }
    const ackOrder = ada.frames.filter((f) => f.type === 'ack' && ids.includes(f.id)).map((f) => (f as { id: number }).id);
    assert.deepEqual(ackOrder, ids);
    const first = acks[0].seq;
    assert.deepEqual(acks.map((m) => m.seq), acks.map((_, i) => first + i));
    assert.deepEqual(acks.map((m) => m.text), acks.map((_, i) => `n${i}`));

    const last = acks[count - 1];
    await bob.waitForMessage((m) => m.id === last.id);
    const delivered = bob.events('message').filter((f) => f.message.room === room && f.message.kind === 'user');
    assert.deepEqual(delivered.map((f) => f.message.seq), acks.map((m) => m.seq));

    const { messages } = await bob.request('message.history', { room, limit: 20 });
    assert.deepEqual(messages.map((m) => m.seq), acks.slice(-20).map((m) => m.seq));
  });

  it('answers pipelined frames in frame order even when later ones finish first', async () => {
    const room = await createRoom(ada, ['bob']);
    const order: number[] = [];
    for (let i = 0; i < 20; i++) {
      order.push(ada.sendWithId({ type: 'message.send', room, clientId: cid(), text: `p${i}` }));
      // Quick frames behind a committing send: a ping, and a send refused before it reaches storage.
      if (i % 4 === 0) order.push(ada.sendWithId({ type: 'ping' }));
      if (i % 5 === 0) order.push(ada.sendWithId({ type: 'message.send', room, clientId: cid(), text: '   ' }));
    }
    await ada.answerTo(order[order.length - 1]);
    const answered = ada.frames
      .filter((f): f is Extract<ServerFrame, { type: 'ack' | 'error' }> => (f.type === 'ack' || f.type === 'error') && order.includes(f.id ?? -1))
      .map((f) => f.id);
    assert.deepEqual(answered, order);
    const { messages } = await bob.request('message.history', { room, limit: 20 });
    assert.deepEqual(messages.filter((m) => m.kind === 'user').map((m) => m.text), Array.from({ length: 20 }, (_, i) => `p${i}`));
  });

  it('acks a send before the sender receives its own message event', async () => {
    const room = await createRoom(ada, ['bob']);
    const id = ada.sendWithId({ type: 'message.send', room, clientId: cid(), text: 'order check' });
    const answer = await ada.answerTo(id);
    const message = (answer as { result: { message: Message } }).result.message;
    await ada.waitForMessage((m) => m.id === message.id);
    const ackAt = ada.frames.indexOf(answer);
    const eventAt = ada.frames.findIndex((f) => f.type === 'message' && f.message.id === message.id);
    assert.ok(ackAt < eventAt);
  });

  it('is idempotent: the same clientId returns the original and is not fanned out again', async () => {
    const room = await createRoom(ada, ['bob']);
    const clientId = cid();
    const { message: first } = await ada.request('message.send', { room, clientId, text: 'only once' });
    const { message: again } = await ada.request('message.send', { room, clientId, text: 'only once' });
    assert.equal(again.id, first.id);
    assert.equal(again.seq, first.seq);

    // Also from another connection of the same user (an outbox replay after reconnect).
    const second = await ts.connect('ada');
    const { message: replay } = await second.request('message.send', { room, clientId, text: 'only once' });
    assert.equal(replay.id, first.id);
    await second.close();

    const marker = await send(ada, room, 'marker');
    await bob.waitForMessage((m) => m.id === marker.id);
    assert.equal(bob.events('message').filter((f) => f.message.id === first.id).length, 1);
    const { messages } = await bob.request('message.history', { room });
    assert.equal(messages.filter((m) => m.text === 'only once').length, 1);
    assert.equal(marker.seq, first.seq + 1);
  });

  it('answers a retried edit, reaction or delete with the message even after a later delete or mute', async () => {
    const room = await createRoom(ada, ['bob']);
    const message = await send(ada, room, 'soon gone');
    const edit = { messageId: message.id, clientId: cid(), text: 'edited once' };
    const react = { messageId: message.id, clientId: cid(), emoji: '👍', on: true };
    const remove = { messageId: message.id, clientId: cid() };
    await ada.request('message.edit', edit);
    await bob.request('message.react', react);
    const { message: deleted } = await ada.request('message.delete', remove);

    // The acks were lost: the clients send the same pairs again. They were applied, so they are answered, not refused.
    const replays = [
      await ada.request('message.edit', edit),
      await bob.request('message.react', react),
      await ada.request('message.delete', remove),
    ];
    for (const { message: answer } of replays) {
      assert.equal(answer.id, message.id);
      assert.equal(answer.rev, deleted.rev, 'a replay changes nothing');
    }

    // A mute that came after the reaction does not turn its replay into a refusal either.
    const kept = await send(ada, room, 'kept');
    const again = { messageId: kept.id, clientId: cid(), emoji: '🎉', on: true };
    const { message: reacted } = await bob.request('message.react', again);
    await ada.request('room.mute', { room, user: 'bob' });
    const { message: replayed } = await bob.request('message.react', again);
    assert.equal(replayed.rev, reacted.rev);
    assert.equal(await bob.fail('message.react', { ...again, clientId: cid() }), ErrorCode.Muted, 'a new reaction is still refused');
    // A client id already used for another operation stays a conflict.
    assert.equal(await bob.fail('message.react', { ...again, emoji: '👀' , messageId: message.id }), ErrorCode.Conflict);
  });

  it('edits: only the sender, with history kept and message.updated pushed', async () => {
    const room = await createRoom(ada, ['bob']);
    const msg = await send(ada, room, 'first draft');
    assert.equal(await bob.fail('message.edit', { messageId: msg.id, clientId: cid(), text: 'hijack' }), ErrorCode.Forbidden);
    const { message: edited } = await ada.request('message.edit', { messageId: msg.id, clientId: cid(), text: 'second draft' });
    assert.equal(edited.text, 'second draft');
    assert.ok(edited.editedAt !== null);
    assert.ok(edited.rev > msg.rev);
    assert.equal(edited.seq, msg.seq);
    await ada.request('message.edit', { messageId: msg.id, clientId: cid(), text: 'final' });
    const update = await bob.waitFor(
      (f) => f.type === 'message.updated' && f.message.id === msg.id && f.message.text === 'final',
    );
    assert.ok(update);
    const { edits } = await bob.request('message.edits', { messageId: msg.id });
    assert.deepEqual(edits.map((e) => e.text), ['first draft', 'second draft']);
    assert.equal(
      await ada.fail('message.edit', { messageId: msg.id, clientId: cid(), text: 'x'.repeat(101) }),
      ErrorCode.TextTooLong,
    );
    const { messages } = await ada.request('message.history', { room });
    const system = messages.find((m) => m.kind === 'system');
    assert.ok(system);
    assert.equal(await ada.fail('message.edit', { messageId: system.id, clientId: cid(), text: 'x' }), ErrorCode.Forbidden);
  });

  it('deletes leave a tombstone, pushed to the room, that cannot be edited', async () => {
    const room = await createRoom(ada, ['bob']);
    const msg = await send(ada, room, 'regrettable');
    await ada.request('message.react', { messageId: msg.id, clientId: cid(), emoji: '👍', on: true });
    const { message: tomb } = await ada.request('message.delete', { messageId: msg.id, clientId: cid() });
    assert.ok(tomb.deletedAt !== null);
    assert.equal(tomb.text, '');
    assert.deepEqual(tomb.reactions, {});
    await bob.waitFor((f) => f.type === 'message.updated' && f.message.id === msg.id && f.message.deletedAt !== null);
    const { messages } = await bob.request('message.history', { room });
    const shown = messages.find((m) => m.id === msg.id);
    assert.equal(shown?.text, '');
    assert.equal(await ada.fail('message.edit', { messageId: msg.id, clientId: cid(), text: 'undo' }), ErrorCode.Forbidden);
    const { message: again } = await ada.request('message.delete', { messageId: msg.id, clientId: cid() });
    assert.equal(again.id, msg.id);
  });

  it('reactions toggle per user and emoji, are idempotent, and refuse free text', async () => {
    const room = await createRoom(ada, ['bob']);
    const msg = await send(ada, room, 'react to me');
    await ada.request('message.react', { messageId: msg.id, clientId: cid(), emoji: '👍', on: true });
    const key = cid();
    const { message: both } = await bob.request('message.react', { messageId: msg.id, clientId: key, emoji: '👍', on: true });
    assert.deepEqual([...(both.reactions['👍'] ?? [])].sort(), ['ada', 'bob']);
    const { message: same } = await bob.request('message.react', { messageId: msg.id, clientId: key, emoji: '👍', on: true });
    assert.deepEqual([...(same.reactions['👍'] ?? [])].sort(), ['ada', 'bob']);
    await bob.request('message.react', { messageId: msg.id, clientId: cid(), emoji: ':tada:', on: true });
    const { message: off } = await ada.request('message.react', { messageId: msg.id, clientId: cid(), emoji: '👍', on: false });
    assert.deepEqual(off.reactions['👍'], ['bob']);
    assert.deepEqual(off.reactions[':tada:'], ['bob']);
    await ada.waitFor((f) => f.type === 'message.updated' && f.message.id === msg.id && (f.message.reactions['👍'] ?? []).length === 1);
    assert.equal(
      await ada.fail('message.react', { messageId: msg.id, clientId: cid(), emoji: '<b>hi</b>', on: true }),
      ErrorCode.BadRequest,
    );
    await ada.request('message.react', { messageId: msg.id, clientId: cid(), emoji: '👍🏽', on: true });
    await ada.request('message.react', { messageId: msg.id, clientId: cid(), emoji: '🇫🇷', on: true });
  });

  it('threads: replies bump the parent reply count, a reply to a reply joins the root thread, pages with after', async () => {
    const room = await createRoom(ada, ['bob']);
    const other = await createRoom(ada, ['bob']);
    const root = await send(ada, room, 'root');
    const r1 = await send(bob, room, 'reply 1', { parentId: root.id });
    assert.equal(r1.parentId, root.id);
    await ada.waitFor((f) => f.type === 'message.updated' && f.message.id === root.id && f.message.replyCount === 1);
    const r2 = await send(ada, room, 'reply to a reply', { parentId: r1.id });
    assert.equal(r2.parentId, root.id);
    await send(bob, room, 'reply 3', { parentId: root.id });
    const { parent, replies, hasMore } = await ada.request('message.thread', { messageId: root.id });
    assert.equal(parent.replyCount, 3);
    assert.deepEqual(replies.map((m) => m.text), ['reply 1', 'reply to a reply', 'reply 3']);
    assert.equal(hasMore, false);
    const page = await ada.request('message.thread', { messageId: root.id, after: r1.seq, limit: 1 });
    assert.deepEqual(page.replies.map((m) => m.text), ['reply to a reply']);
    assert.equal(page.hasMore, true);
    assert.equal(
      await ada.fail('message.send', { room: other, clientId: cid(), text: 'cross-room', parentId: root.id }),
      ErrorCode.NotFound,
    );
  });

  it('mentions keep only room members, with punctuation trimmed', async () => {
    const room = await createRoom(ada, ['bob']);
    const msg = await send(ada, room, 'hi @bob, and @cy and @nobody! email me@example.com');
    assert.deepEqual(msg.mentions, ['bob']);
    const { message } = await ada.request('message.edit', { messageId: msg.id, clientId: cid(), text: 'just @ada.' });
    assert.deepEqual(message.mentions, ['ada']);
  });

  it('pages history backwards with before, clamps limit to maxPageSize', async () => {
    const room = await createRoom(ada, []);
    for (let i = 0; i < 25; i++) ada.sendWithId({ type: 'message.send', room, clientId: cid(), text: `h${i}` });
    const lastId = ada.sendWithId({ type: 'message.send', room, clientId: cid(), text: 'h25' });
    await ada.answerTo(lastId);
    const page1 = await ada.request('message.history', { room, limit: 10 });
    assert.deepEqual(page1.messages.map((m) => m.text), Array.from({ length: 10 }, (_, i) => `h${16 + i}`));
    assert.equal(page1.hasMore, true);
    const page2 = await ada.request('message.history', { room, before: page1.messages[0].seq, limit: 10 });
    assert.deepEqual(page2.messages.map((m) => m.text), Array.from({ length: 10 }, (_, i) => `h${6 + i}`));
    const page3 = await ada.request('message.history', { room, before: page2.messages[0].seq, limit: 10 });
    assert.deepEqual(page3.messages.map((m) => m.text ?? ''), ['', 'h0', 'h1', 'h2', 'h3', 'h4', 'h5']);
    assert.equal(page3.messages[0].system?.event, 'created');
    assert.equal(page3.hasMore, false);
    const clamped = await ada.request('message.history', { room, limit: 500 });
    assert.equal(clamped.messages.length, 20);
  });

  it('refuses text over the limit and empty messages', async () => {
    const room = await createRoom(ada, []);
    assert.equal(await ada.fail('message.send', { room, clientId: cid(), text: 'x'.repeat(101) }), ErrorCode.TextTooLong);
    assert.equal(await ada.fail('message.send', { room, clientId: cid(), text: '   ' }), ErrorCode.BadRequest);
    await send(ada, room, 'x'.repeat(100));
  });

  it('runs the moderation hook: reject is not stored, flag is stored flagged, a failing hook stores nothing', async () => {
    const room = await createRoom(ada, ['bob']);
    const rejected = await ada.fail('message.send', { room, clientId: cid(), text: 'a forbidden-word here' });
    assert.equal(rejected, ErrorCode.Rejected);
    const err = ada.frames.filter((f): f is Extract<ServerFrame, { type: 'error' }> => f.type === 'error').at(-1);
    assert.equal(err?.message, 'watch your language');
    const flagged = await send(ada, room, 'something suspicious');
    assert.equal(flagged.flagged, true);
    const plain = await send(ada, room, 'something nice');
    assert.equal(plain.flagged, false);
    assert.equal(await ada.fail('message.send', { room, clientId: cid(), text: 'hook-crash' }), ErrorCode.Internal);
    const { messages } = await bob.request('message.history', { room });
    assert.deepEqual(
      messages.filter((m) => m.kind === 'user').map((m) => [m.text, m.flagged]),
      [
        ['something suspicious', true],
        ['something nice', false],
      ],
    );
    const ctx = seen.find((c) => c.text === 'something nice');
    assert.equal(ctx?.user.id, 'ada');
    assert.equal(ctx?.room.id, room);
    assert.equal(ctx?.edit, false);
    const editRejected = await ada.fail('message.edit', { messageId: plain.id, clientId: cid(), text: 'now a forbidden-word' });
    assert.equal(editRejected, ErrorCode.Rejected);
  });

  it('system messages record joins, invites and renames in history', async () => {
    const room = await createRoom(ada, [], 'public', 'Sys');
    await bob.request('room.join', { room });
    await ada.request('room.invite', { room, user: 'cy' });
    await ada.request('room.update', { room, name: 'Sys 2' });
    await bob.request('room.leave', { room });
    const { messages } = await cy.request('message.history', { room });
    assert.deepEqual(
      messages.map((m) => [m.kind, m.system?.event, m.system?.actor, m.system?.target ?? null]),
      [
        ['system', 'created', 'ada', null],
        ['system', 'joined', 'bob', null],
        ['system', 'invited', 'ada', 'cy'],
        ['system', 'renamed', 'ada', null],
        ['system', 'left', 'bob', null],
      ],
    );
    assert.deepEqual(messages.map((m) => m.seq), [1, 2, 3, 4, 5]);
  });
});
