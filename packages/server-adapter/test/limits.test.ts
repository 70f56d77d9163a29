import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode, ErrorCode } from '@parley/sdk/protocol';
import type { ErrorFrame, ServerFrame } from '@parley/sdk/protocol';
import type { ServerOptions } from '../src/index.js';
import { TestClient, cid, createRoom, metricsText, send, signToken, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

type ErrorOf = Extract<ServerFrame, { type: 'error' }>;

/** Runs `body` against a fresh server, then proves another client is still served. */
async function withServer(options: Partial<ServerOptions>, body: (ts: TestServer, bystander: TestClient) => Promise<void>): Promise<void> {
  const ts = await startServer(options);
  try {
    const bystander = await ts.connect('bystander');
    await body(ts, bystander);
    const { t } = await bystander.request('ping', {});
    assert.equal(typeof t, 'number');
    const fresh = await ts.connect('newcomer');
    await fresh.request('rooms.list', {});
  } finally {
    await ts.close();
  }
}

/** Polls `/metrics` until `name` reaches `value` (bounded). */
async function waitForMetric(ts: TestServer, name: string, value: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const text = await metricsText(`${ts.url}`);
    const match = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
    if (match && Number(match[1]) >= value) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${name} never reached ${value}`);
}

function lastError(client: TestClient): ErrorOf | undefined {
  return client.frames.filter((f): f is ErrorOf => f.type === 'error').at(-1);
}

describe('limits and bad input', () => {
  it('answers malformed JSON with bad_request and keeps the connection', async () => {
    await withServer({}, async (ts) => {
      const client = await ts.connect('ada');
      client.sendRaw('{"type":"ping","id":');
      const err = await client.waitFor<ErrorFrame>((f) => f.type === 'error');
      assert.equal(err.code, ErrorCode.BadRequest);
      assert.equal(err.id, undefined);
      assert.equal(err.retryable, false);
      client.sendRaw('null');
      client.sendRaw('[1,2,3]');
      client.sendRaw('"just a string"');
      await client.waitFor(() => client.events('error').length === 4);
      await client.request('ping', {});
    });
  });

  it('answers schema violations with bad_request carrying the request id', async () => {
    await withServer({}, async (ts) => {
      const client = await ts.connect('ada');
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ type: 'no.such.op' }, /unknown frame type/],
        [{ type: 'message.send', room: 'r', text: 'hi' }, /clientId/],
        [{ type: 'message.send', room: 'r', clientId: 'c', text: 42 }, /text/],
        [{ type: 'ping', extra: true }, /extra/],
        [{ type: 'room.create', kind: 'direct', name: 'x' }, /kind/],
        [{ type: 'message.history', room: 'r', limit: -1 }, /limit/],
        [{ type: 'typing', room: '', typing: true }, /room/],
      ];
      for (const [frame, pattern] of cases) {
        const id = client.sendWithId(frame);
        const answer = await client.answerTo(id);
        assert.equal(answer.type, 'error', JSON.stringify(frame));
        assert.equal((answer as ErrorFrame).code, ErrorCode.BadRequest);
        assert.match((answer as ErrorFrame).message, pattern);
      }
      const noId = { type: 'ping', id: 'seven' };
      client.sendRaw(noId);
      await client.waitFor((f) => f.type === 'error' && f.id === undefined);
    });
  });

  it('refuses binary frames with bad_request', async () => {
    await withServer({}, async (ts) => {
      const client = await ts.connect('ada');
      client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      const err = await client.waitFor<ErrorFrame>((f) => f.type === 'error');
      assert.equal(err.code, ErrorCode.BadRequest);
      await client.request('ping', {});
    });
  });

  it('answers frames over maxFrameBytes with frame_too_large and its id; the connection stays', async () => {
    await withServer({ limits: { maxFrameBytes: 2048, hardMaxFrameBytes: 65_536 } }, async (ts) => {
      const client = await ts.connect('ada');
      const room = await createRoom(client, []);
      const id = client.sendWithId({ type: 'message.send', room, clientId: cid(), text: 'x'.repeat(3000) });
      const answer = await client.answerTo(id);
      assert.equal(answer.type === 'error' && answer.code, ErrorCode.FrameTooLarge);
      await send(client, room, 'small is fine');
    });
  });

  it('closes with 1009 for frames over hardMaxFrameBytes', async () => {
    await withServer({ limits: { maxFrameBytes: 2048, hardMaxFrameBytes: 8192 } }, async (ts) => {
      const client = await ts.connect('ada');
      client.sendRaw(JSON.stringify({ type: 'ping', id: 1, pad: 'x'.repeat(10_000) }));
      assert.equal((await client.waitForClose()).code, CloseCode.MessageTooBig);
    });
  });

  it('answers text over maxTextLength with text_too_long', async () => {
    await withServer({ limits: { maxTextLength: 10 } }, async (ts) => {
      const client = await ts.connect('ada');
      const room = await createRoom(client, []);
      assert.equal(await client.fail('message.send', { room, clientId: cid(), text: 'x'.repeat(11) }), ErrorCode.TextTooLong);
      assert.equal(lastError(client)?.retryable, false);
    });
  });

  it('answers frames before auth with unauthenticated, and frames for inaccessible rooms with not_found', async () => {
    await withServer({}, async (ts) => {
      const anon = await TestClient.open(ts.wsUrl);
      assert.equal(await anon.fail('message.send', { room: 'r', clientId: 'c', text: 'x' }), ErrorCode.Unauthenticated);
      await anon.close();
      const owner = await ts.connect('owner');
      const room = await createRoom(owner, []);
      const stranger = await ts.connect('stranger');
      assert.equal(await stranger.fail('message.history', { room }), ErrorCode.NotFound);
      assert.equal(await stranger.fail('room.kick', { room, user: 'owner' }), ErrorCode.NotFound);
    });
  });

  it('rate-limits a connection with retryable rate_limited and retryAfterMs', async () => {
    await withServer({ limits: { connectionRate: { perSecond: 1, burst: 5 } } }, async (ts) => {
      const client = await ts.connect('ada');
      const ids = Array.from({ length: 12 }, () => client.sendWithId({ type: 'ping' }));
      const answers = await Promise.all(ids.map((id) => client.answerTo(id)));
      const limited = answers.filter((a): a is ErrorOf => a.type === 'error');
      assert.ok(limited.length >= 6, `expected most pings limited, got ${limited.length}`);
      for (const err of limited) {
        assert.equal(err.code, ErrorCode.RateLimited);
        assert.equal(err.retryable, true);
        assert.ok((err.retryAfterMs ?? 0) > 0);
      }
      // Answers stay in request order, limited or not.
      assert.deepEqual(
        client.frames.filter((f) => (f.type === 'ack' || f.type === 'error') && ids.includes(f.id ?? -1)).map((f) => (f as { id: number }).id),
        ids,
      );
    });
  });

  it('rate-limits a user across connections', async () => {
    await withServer(
      { limits: { connectionRate: { perSecond: 1000, burst: 1000 }, userRate: { perSecond: 1, burst: 10 } } },
      async (ts) => {
        const a = await ts.connect('ada');
        const b = await ts.connect('ada');
        const idsA = Array.from({ length: 8 }, () => a.sendWithId({ type: 'ping' }));
        const idsB = Array.from({ length: 8 }, () => b.sendWithId({ type: 'ping' }));
        const answers = [
          ...(await Promise.all(idsA.map((id) => a.answerTo(id)))),
          ...(await Promise.all(idsB.map((id) => b.answerTo(id)))),
        ];
        const limited = answers.filter((x) => x.type === 'error' && x.code === ErrorCode.RateLimited);
        assert.ok(limited.length >= 4, `expected at least 4 limited, got ${limited.length}`);
      },
    );
  });

  it('disconnects a client that keeps hammering after being rate-limited with 4029', async () => {
    await withServer(
      { limits: { connectionRate: { perSecond: 1, burst: 5 } }, abuse: { maxRejectedFrames: 20, windowMs: 10_000 } },
      async (ts) => {
        const client = await ts.connect('ada');
        for (let i = 0; i < 60 && client.ws.readyState === client.ws.OPEN; i++) client.sendWithId({ type: 'ping' });
        const closed = await client.waitForClose();
        assert.equal(closed.code, CloseCode.RateLimited);
        assert.equal(closed.reason.code, ErrorCode.RateLimited);
        assert.ok((closed.reason.retryAfterMs ?? 0) > 0);
      },
    );
  });

  it('sheds sockets over the node maxConnections with 4013 and a retryAfterMs, and takes them again once there is room', async () => {
    const ts = await startServer({ maxConnections: 2 });
    try {
      const ada = await ts.connect('ada');
      await ts.connect('bob');
      const third = await TestClient.open(ts.wsUrl);
      const closed = await third.waitForClose();
      assert.equal(closed.code, CloseCode.TryAgainLater);
      assert.equal(closed.reason.code, ErrorCode.Unavailable);
      assert.ok((closed.reason.retryAfterMs ?? 0) >= 5_000);
      assert.match(await metricsText(`${ts.url}`), /^parley_connections_shed_total 1$/m);
      await ada.close();
      // The server counts the socket gone once its own close handler ran.
      for (let i = 0; i < 200 && !/^parley_connections 1$/m.test(await metricsText(`${ts.url}`)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const later = await ts.connect('carol');
      await later.request('ping', {});
    } finally {
      await ts.close();
    }
  });

  it('closes connections over maxConnectionsPerUser with 4009 and retryAfterMs', async () => {
    await withServer({ limits: { maxConnectionsPerUser: 2 } }, async (ts) => {
      const first = await ts.connect('ada');
      await ts.connect('ada');
      const third = await TestClient.open(ts.wsUrl);
      third.sendRaw({ type: 'auth', id: 1, v: 1, token: await signToken('ada') });
      const closed = await third.waitForClose();
      assert.equal(closed.code, CloseCode.TooManyConnections);
      assert.ok((closed.reason.retryAfterMs ?? 0) > 0);
      await first.close();
      const again = await ts.connect('ada');
      await again.request('ping', {});
    });
  });

  it('closes a slow consumer with 4008 once its outbound buffer overflows', async () => {
    await withServer({ limits: { maxBufferedBytes: 64 * 1024, maxTextLength: 4000 } }, async (ts) => {
      const writer = await ts.connect('ada');
      const room = await createRoom(writer, ['slow']);
      const text = 'y'.repeat(4000);
      let lastId = 0;
      for (let i = 0; i < 50; i++) lastId = writer.sendWithId({ type: 'message.send', room, clientId: cid(), text });
      await writer.answerTo(lastId);

      const slow = await ts.connect('slow');
      slow.ws.pause();
      // Each history page is ~200 KB; 400 of them far exceed what the kernel buffers for a paused reader.
      for (let i = 0; i < 400; i++) slow.sendWithId({ type: 'message.history', room, limit: 50 });
      let closedCode = 0;
      void slow.closed.then((c) => (closedCode = c.code));
      // Once the server has given up on the socket, read again so the close frame arrives.
      await waitForMetric(ts, 'parley_slow_consumers_total', 1);
      slow.ws.resume();
      const closed = await slow.waitForClose(15_000);
      assert.equal(closed.code, CloseCode.SlowConsumer);
      assert.ok((closed.reason.retryAfterMs ?? 0) > 0);
      assert.equal(closedCode, CloseCode.SlowConsumer);
      const answered = slow.frames.filter((f) => f.type === 'ack').length;
      assert.ok(answered < 400, 'the server stopped answering before all requests were served');
    });
  });
});
