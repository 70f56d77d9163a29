/**
 * The outbox while the server's database is away: a real server on
 * PostgreSQL, reached through a fault-injecting TCP proxy
 * (`test-support/fault-proxy.mjs`). The socket stays up, and every send is
 * refused with a retryable `unavailable`; the entries must stay queued (not
 * failed), be tried again, and land exactly once, in order, when the
 * database is back.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer } from '@parley/server-adapter';
import type { ParleyServer } from '@parley/server-adapter';
import { startFaultProxy } from '../../../test-support/fault-proxy.mjs';
import type { FaultProxy } from '../../../test-support/fault-proxy.mjs';
import { createThrowawayDatabase, reachable } from '../../../test-support/services.mjs';
import type { ThrowawayDatabase } from '../../../test-support/services.mjs';
import { fetchDevToken } from '../src/index.js';
import type { ParleyClient } from '../src/index.js';
import { SECRET, nodeClient, texts, until } from './helpers.js';

const ADMIN_URL = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Why this file cannot run here, or null; a missing PostgreSQL fails in CI. */
async function postgresMissing(): Promise<string | null> {
  if (await reachable(ADMIN_URL, 5432)) return null;
  const reason = `PostgreSQL is not reachable at ${new URL(ADMIN_URL).host}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (required in CI)`);
  return reason;
}

/** How many requests the server refused with `code`, from its Prometheus metrics. */
async function refusals(url: string, code: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^parley_errors_total\\{code="${code}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

const reason = await postgresMissing();

describe('the outbox while the database is away', { skip: reason ?? false }, () => {
  let database: ThrowawayDatabase;
  let proxy: FaultProxy;
  let server: ParleyServer;
  let dataDir: string;
  let url: string;
  let ada: ParleyClient;
  let bob: ParleyClient;

  before(async () => {
    database = await createThrowawayDatabase(ADMIN_URL, 'parley_sdk_');
    proxy = await startFaultProxy({ port: Number(new URL(ADMIN_URL).port || 5432) });
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    dataDir = await mkdtemp(join(tmpdir(), 'parley-sdk-outage-'));
    server = createServer({
      dataDir,
      logger: false,
      auth: { dev: true, secret: SECRET },
      invitations: 'direct',
      databaseUrl: viaProxy.toString(),
      postgres: { connectTimeoutMs: 2_000, statementTimeoutMs: 4_000, queryTimeoutMs: 5_000 },
    });
    ({ url } = await server.listen(0, '127.0.0.1'));
    ada = nodeClient(url, await fetchDevToken(url, 'ada', 'Ada'));
    bob = nodeClient(url, await fetchDevToken(url, 'bob', 'Bob'));
    await Promise.all([ada.connect(), bob.connect()]);
    await Promise.all([ada.whenOnline(), bob.whenOnline()]);
  });

  after(async () => {
    proxy?.restore();
    await ada?.dispose();
    await bob?.dispose();
    await server?.close();
    await proxy?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps refused sends queued, retries them, and delivers each once, in order, when the database is back', { timeout: 120_000 }, async () => {
    const room = await ada.createRoom({ kind: 'group', name: 'Outage', members: ['bob'] });
    await room.send('before');
    await until(() => texts(bob, room.id).includes('before'), 'bob has the first message');
    const failures: string[] = [];
    ada.on('error', (error) => failures.push(error.code));

    const refusedBefore = await refusals(url, 'unavailable');
    proxy.refuse();
    proxy.dropAll();
    const queued = ['o1', 'o2', 'o3'];
    const sends = queued.map((text) => room.send(text));
    // Each entry refused and tried again at least once (retryAfterMs apart).
    const deadline = Date.now() + 60_000;
    while ((await refusals(url, 'unavailable')) < refusedBefore + 2 * queued.length) {
      assert.ok(Date.now() < deadline, 'the server refused the sends, and the outbox tried them again');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(ada.state.connection, 'online', 'the socket stayed up');
    assert.equal(ada.state.failed, 0, 'no entry was marked failed');
    assert.equal(ada.state.pending, queued.length, 'every entry is still queued');
    assert.ok(ada.state.rooms[room.id].messages.filter((m) => queued.includes(m.text)).every((m) => m.status === 'pending'));
    assert.deepEqual(failures, [], 'no failure was reported');

    proxy.restore();
    const sent = await Promise.all(sends);
    await until(() => queued.every((text) => texts(bob, room.id).includes(text)), 'bob has every queued message', 60_000);
    const expected = ['before', ...queued];
    assert.deepEqual(texts(bob, room.id), expected, 'bob sees each once, in send order');
    assert.deepEqual(texts(ada, room.id), expected, 'ada sees each once, in send order');
    assert.equal(ada.state.pending, 0);
    const history = await bob.request('message.history', { room: room.id });
    const stored = history.messages.filter((m) => m.kind === 'user').map((m) => m.text);
    assert.deepEqual(stored, expected, 'stored once each');
    assert.deepEqual(sent.map((m) => m.text), queued);
  });
});
