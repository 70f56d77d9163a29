import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionError, requestError } from '../src/errors.js';
import { Outbox } from '../src/managers/outbox.js';
import { MemoryOfflineStore } from '../src/offline/memory.js';
import type { OutboxEntry } from '../src/offline/types.js';
import { OfflineWriter } from '../src/offline/writer.js';
import { ErrorCode } from '../src/protocol/codes.js';
import { defaultTimers } from '../src/transport/platform.js';

const SCOPE = { name: 'test', historyLimit: 10 };

interface Call {
  entry: OutboxEntry;
  messageId: string | null;
  storedWhenSent: boolean;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** An outbox over a real memory store; `dispatch` records calls so the test plays the server. */
async function setup(store = new MemoryOfflineStore()) {
  await store.open(SCOPE);
  const writer = new OfflineWriter(store, defaultTimers, 0, (err) => {
    throw err;
  });
  const calls: Call[] = [];
  const serverIds = new Map<string, string>();
  let n = 0;
  const outbox = new Outbox({
    persist: (entry) => writer.putOutbox(entry),
    forget: (id) => writer.deleteOutbox(id),
    dispatch: async (entry, messageId) => {
      const stored = (await store.load()).outbox.some((e) => e.clientId === entry.clientId);
      return new Promise((resolve, reject) => calls.push({ entry, messageId, storedWhenSent: stored, resolve, reject }));
    },
    resolveMessageId: (_room, clientId) => serverIds.get(clientId) ?? null,
    timers: defaultTimers,
    now: () => Date.now(),
    newId: () => `c${++n}`,
  });
  return { store, writer, outbox, calls, serverIds };
}

function send(outbox: Outbox, text: string) {
  return outbox.add({ kind: 'send', room: 'r', text, parentId: null, attachments: [] });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('Outbox', () => {
  it('stores every entry before sending it, pipelines them in order, and removes each only on its ack', async () => {
    const { outbox, calls, store, writer } = await setup();
    outbox.start();
    const results = ['one', 'two', 'three'].map((text) => send(outbox, text));
    await until(() => calls.length === 3, 'three dispatches');
    assert.deepEqual(
      calls.map((c) => (c.entry.kind === 'send' ? c.entry.text : '')),
      ['one', 'two', 'three'],
    );
    assert.ok(calls.every((c) => c.storedWhenSent), 'written to storage before it was attempted');
    // All three were sent before any ack: pipelined.
    calls[1].resolve({ message: { id: 'm2' } });
    await results[1].done;
    assert.deepEqual(
      outbox.entries.map((e) => e.clientId),
      [results[0].entry.clientId, results[2].entry.clientId],
    );
    calls[0].resolve({ message: { id: 'm1' } });
    calls[2].resolve({ message: { id: 'm3' } });
    await Promise.all(results.map((r) => r.done));
    await writer.flush();
    assert.equal(outbox.entries.length, 0);
    assert.equal((await store.load()).outbox.length, 0);
  });

  it('survives a reload: a new outbox on the same storage replays in the original order', async () => {
    const first = await setup();
    for (const text of ['a', 'b', 'c', 'd']) void send(first.outbox, text).done.catch(() => undefined);
    await first.writer.flush();
    const second = await setup(first.store);
    second.outbox.load((await first.store.load()).outbox);
    second.outbox.start();
    await until(() => second.calls.length === 4, 'four replays');
    assert.deepEqual(
      second.calls.map((c) => (c.entry.kind === 'send' ? c.entry.text : '')),
      ['a', 'b', 'c', 'd'],
    );
  });

  it('keeps entries after a disconnect and replays them on the next start', async () => {
    const { outbox, calls } = await setup();
    outbox.start();
    const a = send(outbox, 'a');
    const b = send(outbox, 'b');
    await until(() => calls.length === 2, 'two dispatches');
    outbox.stop();
    for (const call of calls.splice(0)) call.reject(connectionError('disconnected', 'gone'));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(outbox.entries.length, 2, 'still queued');
    outbox.start();
    await until(() => calls.length === 2, 'replay');
    assert.deepEqual(
      calls.map((c) => c.entry.clientId),
      [a.entry.clientId, b.entry.clientId],
    );
    calls[0].resolve({});
    calls[1].resolve({});
    await Promise.all([a.done, b.done]);
  });

  it('marks an entry failed on a permanent error; the rest go on; retry and discard work', async () => {
    const { outbox, calls } = await setup();
    outbox.start();
    const bad = send(outbox, 'bad');
    const good = send(outbox, 'good');
    const badDone = bad.done.catch((e: unknown) => e);
    await until(() => calls.length === 2, 'two dispatches');
    calls[0].reject(requestError(ErrorCode.NotMember, 'not a member'));
    calls[1].resolve({});
    const error = await badDone;
    assert.equal((error as { code: string }).code, 'not_member');
    await good.done;
    assert.equal(outbox.entries.length, 1);
    assert.equal(outbox.entries[0].status, 'failed');
    assert.equal(outbox.entries[0].error?.code, 'not_member');
    assert.deepEqual(outbox.counts(), { pending: 0, failed: 1 });

    assert.equal(outbox.retry(bad.entry.clientId), true);
    const retried = outbox.waitFor(bad.entry.clientId);
    await until(() => calls.length === 3, 'the retry');
    calls[2].resolve({ ok: true });
    assert.deepEqual(await retried, { ok: true });
    assert.equal(outbox.entries.length, 0);

    const doomed = send(outbox, 'doomed');
    const doomedDone = doomed.done.catch((e: unknown) => e);
    await until(() => calls.length === 4, 'dispatch');
    calls[3].reject(requestError(ErrorCode.Forbidden, 'no'));
    await doomedDone;
    assert.equal(outbox.discard(doomed.entry.clientId), true);
    assert.equal(outbox.entries.length, 0);
  });

  it('holds a reaction to a queued message until the message has its server id', async () => {
    const { outbox, calls, serverIds } = await setup();
    outbox.start();
    const message = send(outbox, 'hello');
    const reaction = outbox.add({ kind: 'react', room: 'r', target: { messageId: null, clientId: message.entry.clientId }, emoji: '👍', on: true });
    await until(() => calls.length === 1, 'the send');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(calls.length, 1, 'the reaction waits');
    serverIds.set(message.entry.clientId, 'm-server');
    calls[0].resolve({ message: { id: 'm-server' } });
    await until(() => calls.length === 2, 'the reaction');
    assert.equal(calls[1].messageId, 'm-server');
    calls[1].resolve({});
    await reaction.done;
  });

  it('rewrites a queued message that has not been sent yet, and coalesces read markers', async () => {
    const { outbox, calls } = await setup();
    const queued = send(outbox, 'tpyo');
    assert.equal(outbox.rewrite(queued.entry.clientId, { text: 'typo' }), true);
    void outbox.markRead('r', 5).catch(() => undefined);
    void outbox.markRead('r', 9).catch(() => undefined);
    assert.equal(outbox.entries.filter((e) => e.kind === 'read').length, 1);
    outbox.start();
    await until(() => calls.length === 2, 'dispatches');
    const [sent, read] = calls.map((c) => c.entry);
    assert.equal(sent.kind === 'send' && sent.text, 'typo');
    assert.equal(read.kind === 'read' && read.seq, 9);
    assert.equal(outbox.rewrite(queued.entry.clientId, { text: 'late' }), false, 'in flight: cannot rewrite');
    calls.forEach((c) => c.resolve({}));
  });

  it('pauses after rate_limited and then resumes in order', async () => {
    const { outbox, calls } = await setup();
    outbox.start();
    const a = send(outbox, 'a');
    await until(() => calls.length === 1, 'first');
    calls[0].reject(requestError(ErrorCode.RateLimited, 'slow down', { retryAfterMs: 30 }));
    await new Promise((r) => setTimeout(r, 0));
    const b = send(outbox, 'b');
    await until(() => calls.length === 3, 'resume after the pause');
    assert.deepEqual(
      calls.slice(1).map((c) => c.entry.clientId),
      [a.entry.clientId, b.entry.clientId],
    );
    calls[1].resolve({});
    calls[2].resolve({});
    await Promise.all([a.done, b.done]);
  });
});
