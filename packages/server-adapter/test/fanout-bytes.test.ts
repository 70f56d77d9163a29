/**
 * Bytes sent to rooms, limited per user and per room (`limits.userByteRate`,
 * `limits.roomByteRate`) as encoded on the wire: a flood of large messages
 * is refused with `rate_limited` + `retryAfterMs` long before it fills the
 * members' socket buffers, while ordinary chat passes untouched.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS, ErrorCode } from '@parley/sdk/protocol';
import { FrameError, cid, createRoom, send, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

/** 4000 control characters: each takes six bytes in JSON (`\u0001`), about 24 KB per event. */
const ESCAPED = '\u0001'.repeat(4000);

/** Counts the bytes of every frame a socket receives. */
function countBytes(client: TestClient): { readonly bytes: number } {
  const counter = { bytes: 0 };
  client.ws.on('message', (data: Buffer) => (counter.bytes += data.length));
  return counter;
}

/** Sends until the first refusal (at most `max` sends); returns how many were acked and the refusal. */
async function sendUntilRefused(client: TestClient, room: string, text: string, max: number): Promise<{ acked: number; refusal: FrameError | null }> {
  for (let acked = 0; acked < max; acked++) {
    try {
      await client.request('message.send', { room, clientId: cid(), text });
    } catch (error) {
      if (error instanceof FrameError) return { acked, refusal: error };
      throw error;
    }
  }
  return { acked: max, refusal: null };
}

describe('bytes sent to rooms, default limits', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient, cy: TestClient;

  before(async () => {
    ts = await startServer();
    ada = await ts.connect('ada');
    bob = await ts.connect('bob');
    cy = await ts.connect('cy');
  });
  after(() => ts.close());

  it('announces the byte rates in welcome.limits: 64 KiB/s burst 512 KiB per user, 256 KiB/s burst 1 MiB per room', () => {
    assert.deepEqual(ada.welcome?.limits.userByteRate, { perSecond: 64 * 1024, burst: 512 * 1024 });
    assert.deepEqual(ada.welcome?.limits.roomByteRate, { perSecond: 256 * 1024, burst: 1024 * 1024 });
    assert.deepEqual(DEFAULT_LIMITS.userByteRate, ada.welcome?.limits.userByteRate);
  });

  it('ordinary chat passes untouched: 300 messages in a burst', async () => {
    const room = await createRoom(cy, ['bob']);
    const sends = Array.from({ length: 300 }, (_, i) =>
      cy.request('message.send', { room, clientId: cid(), text: `message ${i}: see you at the station at ten, bring the map` }),
    );
    const results = await Promise.allSettled(sends);
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
  });

  it('a flood of escaped control characters is refused long before members’ buffers fill; the member stays connected', async () => {
    const room = await createRoom(ada, ['bob']);
    const received = countBytes(bob);
    // 400 at once, as the review's flood did (9.2 MiB to every member without a byte limit).
    const answers = await Promise.allSettled(
      Array.from({ length: 400 }, () => ada.request('message.send', { room, clientId: cid(), text: ESCAPED })),
    );
    const acked = answers.filter((a) => a.status === 'fulfilled').length;
    const refusals = answers.flatMap((a) => (a.status === 'rejected' && a.reason instanceof FrameError ? [a.reason] : []));
    assert.equal(acked + refusals.length, 400);
    assert.ok(refusals.length > 0, `all ${acked} floods were accepted`);
    for (const refusal of refusals) {
      assert.equal(refusal.code, ErrorCode.RateLimited);
      assert.ok((refusal.frame.retryAfterMs ?? 0) > 0, 'says when to try again');
    }
    // Every accepted message reached bob (about 24 KB each); far below what closes a slow member.
    await bob.waitFor(() => bob.events('message').filter((e) => e.message.room === room).length >= acked);
    assert.ok(acked >= 10, `only ${acked} large messages passed`);
    assert.ok(received.bytes < DEFAULT_LIMITS.maxBufferedBytes / 2, `bob was sent ${received.bytes} bytes`);
    assert.equal(bob.ws.readyState, bob.ws.OPEN);
    // The room is still open to others, and ada may send again after retryAfterMs.
    await send(bob, room, 'that was a lot');
    await sleep((refusals.at(-1)?.frame.retryAfterMs ?? 0) + 50);
    await send(ada, room, 'sorry about that');
  });
});

describe('bytes sent to one room, shared by its members', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient;

  before(async () => {
    ts = await startServer({
      limits: {
        userByteRate: { perSecond: 1024 * 1024, burst: 1024 * 1024 },
        // Slow refill: the budget cannot come back while the test runs.
        roomByteRate: { perSecond: 10, burst: 64 * 1024 },
      },
    });
    ada = await ts.connect('ada');
    bob = await ts.connect('bob');
  });
  after(() => ts.close());

  it('members together get rate_limited in that room; other rooms are unaffected', async () => {
    const room = await createRoom(ada, ['bob']);
    const text = 'x'.repeat(3900);
    let refusal: FrameError | null = null;
    let acked = 0;
    for (let i = 0; i < 40 && !refusal; i++) {
      const client = i % 2 === 0 ? ada : bob;
      const answer = await sendUntilRefused(client, room, text, 1);
      acked += answer.acked;
      refusal = answer.refusal;
    }
    assert.ok(refusal, 'the room took every message');
    assert.equal(refusal.code, ErrorCode.RateLimited);
    assert.match(refusal.message, /room/);
    assert.ok(acked >= 10 && acked <= 17, `${acked} messages of ~4 KB passed a 64 KiB room budget`);
    const other = await createRoom(ada, ['bob']);
    await send(ada, other, text);
    await send(bob, other, text);
  });
});

describe('reactions count what they send', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient;

  before(async () => {
    ts = await startServer({ limits: { userByteRate: { perSecond: 10, burst: 128 * 1024 } } });
    ada = await ts.connect('ada');
    bob = await ts.connect('bob');
  });
  after(() => ts.close());

  it('each reaction on a long message sends the whole message again, and is limited like a send', async () => {
    const room = await createRoom(ada, ['bob']);
    const long = await send(ada, room, ESCAPED);
    let refused: ErrorCode | null = null;
    let reactions = 0;
    for (let i = 0; i < 40 && refused === null; i++) {
      try {
        await bob.request('message.react', { messageId: long.id, clientId: cid(), emoji: '👍', on: i % 2 === 0 });
        reactions++;
      } catch (error) {
        if (!(error instanceof FrameError)) throw error;
        refused = error.code;
      }
    }
    assert.equal(refused, ErrorCode.RateLimited);
    assert.ok(reactions >= 3 && reactions <= 6, `${reactions} reactions of ~24 KB each passed a 128 KiB budget`);
  });
});
