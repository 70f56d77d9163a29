import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode } from '@parley/sdk/protocol';
import { cid, createRoom, metricsText, send, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

async function metric(ts: TestServer, name: string): Promise<number | null> {
  const text = await metricsText(`${ts.url}`);
  const match = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

async function waitForMetric(ts: TestServer, name: string, value: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (((await metric(ts, name)) ?? -1) >= value) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${name} never reached ${value}`);
}

describe('node-wide cap on queued outbound bytes', () => {
  it('closes the consumer holding the most with 4008 and keeps serving the others', async () => {
    const ts = await startServer({
      // Each socket alone may hold far more than the node as a whole: only the node cap can act.
      limits: { maxBufferedBytes: 256 * 1024 * 1024, maxTextLength: 4000 },
      maxQueuedBytes: 1024 * 1024,
      timing: { closeTimeoutMs: 30_000 },
    });
    try {
      const writer = await ts.connect('ada');
      const room = await createRoom(writer, ['slow', 'calm', 'bob']);
      const text = 'y'.repeat(4000);
      let lastId = 0;
      for (let i = 0; i < 50; i++) lastId = writer.sendWithId({ type: 'message.send', room, clientId: cid(), text });
      await writer.answerTo(lastId);
      const bob = await ts.connect('bob');

      // A paused reader with a little queued (two ~200 KB history pages)…
      const calm = await ts.connect('calm');
      calm.ws.pause();
      const calmIds = [0, 1].map(() => calm.sendWithId({ type: 'message.history', room, limit: 50 }));
      // …and one that asks for far more than the node may hold.
      const slow = await ts.connect('slow');
      slow.ws.pause();
      for (let i = 0; i < 400; i++) slow.sendWithId({ type: 'message.history', room, limit: 50 });

      await waitForMetric(ts, 'parley_queued_cap_closes_total', 1);
      slow.ws.resume();
      const closed = await slow.waitForClose(15_000);
      assert.equal(closed.code, CloseCode.SlowConsumer);
      assert.ok((closed.reason.retryAfterMs ?? 0) > 0);

      // The small consumer was not shed: once it reads again, both its answers arrive on an open socket.
      calm.ws.resume();
      for (const id of calmIds) assert.equal((await calm.answerTo(id, 15_000)).type, 'ack');
      assert.equal(calm.ws.readyState, calm.ws.OPEN);

      // And the node still serves: a new message reaches the others.
      const message = await send(bob, room, 'still here');
      await writer.waitForMessage((m) => m.id === message.id);
      await calm.waitForMessage((m) => m.id === message.id);
      assert.equal(await metric(ts, 'parley_queued_cap_closes_total'), 1);
      assert.notEqual(await metric(ts, 'parley_queued_bytes'), null);
    } finally {
      await ts.close();
    }
  });
});
