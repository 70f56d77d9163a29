/**
 * What one user's searches may cost others: a per-user search rate shared
 * by all their sockets (`limits.searchRate`, apart from the frame rate), and
 * a time bound per search (`searchTimeoutMs`; on PostgreSQL the statement is
 * cancelled by `statement_timeout`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { DEFAULT_LIMITS, ErrorCode } from '@parley/sdk/protocol';
import { createPostgresStorage } from '../src/storage/postgres/index.js';
import { FrameError, createRoom, send, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';
import { createTestDatabase, randomName, serviceMissing } from './service-helpers.js';
import type { TestDatabase } from './service-helpers.js';

describe('search rate', () => {
  let ts: TestServer;
  let ada: TestClient, adaToo: TestClient, bob: TestClient;
  let room: string;

  before(async () => {
    // Slow refill: the bucket cannot fill up again while the test runs.
    ts = await startServer({ limits: { searchRate: { perSecond: 0.01, burst: 3 } } });
    ada = await ts.connect('ada');
    adaToo = await ts.connect('ada');
    bob = await ts.connect('bob');
    room = await createRoom(ada, ['bob']);
    await send(ada, room, 'the lighthouse keeper waves');
  });
  after(() => ts.close());

  it('announces the search rate in welcome.limits (default 2/s, burst 10)', () => {
    assert.deepEqual(ada.welcome?.limits.searchRate, { perSecond: 0.01, burst: 3 });
    assert.deepEqual(DEFAULT_LIMITS.searchRate, { perSecond: 2, burst: 10 });
  });

  it("a user's sockets share one bucket: past it, rate_limited with retryAfterMs; other users search on", async () => {
    assert.equal((await ada.request('search', { query: 'lighthouse' })).messages.length, 1);
    assert.equal((await adaToo.request('search', { query: 'lighthouse' })).messages.length, 1);
    assert.equal((await ada.request('search', { query: 'keeper' })).messages.length, 1);
    for (const client of [ada, adaToo]) {
      const error = await client.request('search', { query: 'lighthouse' }).then(
        () => assert.fail('a fourth search was answered'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof FrameError);
      assert.equal(error.code, ErrorCode.RateLimited);
      assert.equal(error.frame.retryable, true);
      assert.ok((error.frame.retryAfterMs ?? 0) > 0, 'says when to try again');
    }
    // Everything else the user does is not held back by it, and nor is anyone else.
    await ada.request('ping', {});
    await send(ada, room, 'still chatting');
    assert.equal((await bob.request('search', { query: 'lighthouse' })).messages.length, 1);
  });

  it('reconnecting does not reset it', async () => {
    await ada.close();
    await adaToo.close();
    const again = await ts.connect('ada');
    assert.equal(await again.fail('search', { query: 'lighthouse' }), ErrorCode.RateLimited);
  });
});

const missing = await serviceMissing('PostgreSQL');

describe('search time bound (PostgreSQL)', { skip: missing ?? false }, () => {
  let database: TestDatabase;
  let schema: string;
  let ts: TestServer;
  let ada: TestClient;
  let room: string;

  before(async () => {
    database = await createTestDatabase();
    schema = randomName('s_');
    const storage = createPostgresStorage({ connectionString: database.url, schema, poolSize: 4 });
    ts = await startServer({ storage, searchTimeoutMs: 300 });
    ada = await ts.connect('ada');
    room = await createRoom(ada, []);
    await send(ada, room, 'a tide table for the harbour');
  });
  after(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('a search still running at searchTimeoutMs is cancelled and answered unavailable; the connection serves on', async () => {
    assert.equal((await ada.request('search', { query: 'harbour' })).messages.length, 1);
    // Another session holds the messages table: a search can only wait, as a very costly one would run.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE ${schema}.messages IN ACCESS EXCLUSIVE MODE`);
      const outcome = await Promise.race([
        ada.request('search', { query: 'harbour' }).then(
          () => 'answered',
          (error: unknown) => (error instanceof FrameError ? error.code : String(error)),
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 4_000)),
      ]);
      assert.equal(outcome, ErrorCode.Unavailable);
      assert.ok((await ada.request('ping', {})).t > 0);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
    }
    assert.equal((await ada.request('search', { query: 'harbour' })).messages.length, 1, 'searches work again');
  });
});
