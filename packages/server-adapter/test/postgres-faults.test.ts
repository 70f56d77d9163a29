/**
 * The cluster's promise under PostgreSQL faults: two CLI nodes (child
 * processes) reach a fresh database through a fault-injecting TCP proxy
 * (`test-support/fault-proxy.mjs`), with short, configured timeouts.
 *
 * - The database down (connections dropped, new ones refused): sends fail
 *   with a retryable `unavailable`, never an ack; `/healthz` says degraded;
 *   once it is back everything recovers by itself.
 * - The database stalled (sockets open, nothing answered): every send gets
 *   its answer within the configured bounds; then recovery as above.
 * - Every connection dropped under load: the senders' retries make every
 *   message land exactly once, and the other node's client sees one order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ErrorFrame, Message, ServerFrame } from '@parley/sdk/protocol';
import { ErrorCode } from '@parley/sdk/protocol';
import { startFaultProxy } from '../../../test-support/fault-proxy.mjs';
import type { FaultProxy } from '../../../test-support/fault-proxy.mjs';
import type { HealthReport } from '../src/health.js';
import { startCliCluster } from './cli-cluster.js';
import type { CliCluster } from './cli-cluster.js';
import type { CliProcess } from './cli-process.js';
import type { TestClient } from './helpers.js';
import { clusterServicesMissing } from './redis-process.js';
import { ADMIN_DATABASE_URL } from './service-helpers.js';

/** The nodes' PostgreSQL timeouts (ms): short, so a stalled database answers soon. */
const TIMEOUTS = { connect: 2_000, statement: 4_000, query: 5_000 };
/** Bound on any single answer while the database is away: well above connect + query timeouts, for a busy machine. */
const ANSWER_MS = 45_000;
/** Bound on recovery after the database is back. */
const RECOVERY_MS = 45_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function health(node: CliProcess): Promise<{ code: number; body: HealthReport }> {
  const res = await fetch(`${node.base}/healthz`);
  return { code: res.status, body: (await res.json()) as HealthReport };
}

/** Polls `/healthz` until `accept` holds (bounded); returns the last answer. */
async function waitForHealth(node: CliProcess, accept: (a: { code: number; body: HealthReport }) => boolean, what: string) {
  const deadline = Date.now() + RECOVERY_MS;
  for (;;) {
    const answer = await health(node);
    if (accept(answer)) return answer;
    if (Date.now() > deadline) assert.fail(`${what}: /healthz still answers ${answer.code} ${JSON.stringify(answer.body)}`);
    await sleep(100);
  }
}

const healthy = (a: { code: number; body: HealthReport }): boolean => a.code === 200 && a.body.status === 'ok';

/** Sends a message and waits for its answer (bounded by {@link ANSWER_MS}). */
async function trySend(client: TestClient, room: string, clientId: string): Promise<ServerFrame> {
  const id = client.sendWithId({ type: 'message.send', room, clientId, text: `text of ${clientId}` });
  return client.answerTo(id, ANSWER_MS);
}

/** Asserts the answer is a retryable `unavailable` error, never an ack. */
function assertUnavailable(answer: ServerFrame, what: string): void {
  assert.equal(answer.type, 'error', `${what}: no ack while the database is away (${JSON.stringify(answer)})`);
  const error = answer as ErrorFrame;
  assert.equal(error.code, ErrorCode.Unavailable, `${what}: typed unavailable`);
  assert.equal(error.retryable, true, `${what}: retryable`);
}

/** Sends until acked, as the SDK's outbox does: the same client id again after each retryable error. */
async function sendUntilAcked(client: TestClient, room: string, clientId: string): Promise<Message> {
  for (let attempt = 1; ; attempt++) {
    const answer = await trySend(client, room, clientId);
    if (answer.type === 'ack') return (answer.result as { message: Message }).message;
    assertUnavailable(answer, `attempt ${attempt} of ${clientId}`);
    assert.ok(attempt < 40, `${clientId} was still refused after ${attempt} attempts`);
    await sleep((answer as ErrorFrame).retryAfterMs ?? 200);
  }
}

async function fullHistory(client: TestClient, room: string): Promise<Message[]> {
  const all: Message[] = [];
  let before: number | undefined;
  for (let page = 0; page < 100; page++) {
    const { messages, hasMore } = await client.request('message.history', { room, before, limit: 200 });
    all.unshift(...messages);
    if (!hasMore || messages.length === 0) return all;
    before = messages[0].seq;
  }
  throw new Error('history did not end');
}

/** Every acked message is in history exactly once, with the acked seq; user messages are exactly the acked ones. */
function assertExactlyOnce(history: Message[], acked: Map<string, Message>): void {
  const mine = history.filter((m) => m.kind === 'user');
  const keys = mine.map((m) => m.clientId);
  assert.equal(new Set(keys).size, keys.length, 'nothing stored twice');
  assert.deepEqual(new Set(keys), new Set(acked.keys()), 'history holds exactly the acked messages');
  const byId = new Map(history.map((m) => [m.id, m]));
  for (const message of acked.values()) assert.equal(byId.get(message.id)?.seq, message.seq, 'every ack is in history as acked');
  assert.deepEqual(history.map((m) => m.seq), history.map((_, i) => i + 1), 'seqs are 1..N without gaps');
}

/** Waits until the reader has the room's message `seq` live; then its live seqs must run from `from` to `seq`, once each. */
async function assertLiveInOrder(reader: TestClient, room: string, from: number, seq: number): Promise<void> {
  await reader.waitFor((f) => f.type === 'message' && f.message.room === room && f.message.seq >= seq, RECOVERY_MS);
  const live = reader.events('message').filter((f) => f.message.room === room).map((f) => f.message.seq);
  assert.deepEqual(live, Array.from({ length: seq - from + 1 }, (_, i) => from + i), 'the other node’s client saw every message once, in order');
}

const reason = await clusterServicesMissing();

describe('a cluster under PostgreSQL faults', { skip: reason ?? false }, () => {
  let proxy: FaultProxy;
  let cluster: CliCluster;
  let nodes: CliProcess[];

  before(async () => {
    proxy = await startFaultProxy({ port: Number(new URL(ADMIN_DATABASE_URL).port || 5432) });
    cluster = await startCliCluster(
      2,
      'pg-faults',
      {
        PARLEY_PG_CONNECT_TIMEOUT_MS: String(TIMEOUTS.connect),
        PARLEY_PG_STATEMENT_TIMEOUT_MS: String(TIMEOUTS.statement),
        PARLEY_PG_QUERY_TIMEOUT_MS: String(TIMEOUTS.query),
      },
      {
        databaseUrl: (url) => {
          const viaProxy = new URL(url);
          viaProxy.hostname = '127.0.0.1';
          viaProxy.port = String(proxy.port);
          return viaProxy.toString();
        },
      },
    );
    nodes = cluster.nodes;
  });

  after(async () => {
    proxy?.restore();
    await cluster?.close();
    await proxy?.close();
  });

  /** A room with a writer on node 0 and a reader on node 1 who has its first message. */
  async function setUp(name: string): Promise<{ writer: TestClient; reader: TestClient; room: string; acked: Map<string, Message> }> {
    const writer = await cluster.connect(nodes[0], `${name}-writer`);
    const { room: info } = await writer.request('room.create', { kind: 'group', name, members: [`${name}-reader`] });
    const reader = await cluster.connect(nodes[1], `${name}-reader`);
    const acked = new Map<string, Message>();
    const first = await sendUntilAcked(writer, info.id, `${name}-first`);
    acked.set(`${name}-first`, first);
    await reader.waitFor((f) => f.type === 'message' && f.message.id === first.id, RECOVERY_MS);
    return { writer, reader, room: info.id, acked };
  }

  it('the database down: retryable errors, never an ack, /healthz degraded, then recovery by itself', { timeout: 180_000 }, async () => {
    const { writer, reader, room, acked } = await setUp('down');
    const first = acked.get('down-first')!;

    proxy.refuse();
    proxy.dropAll();
    const ids = Array.from({ length: 5 }, (_, i) => `down-${i}`);
    const answers = await Promise.all(ids.map((clientId) => trySend(writer, room, clientId)));
    answers.forEach((answer, i) => assertUnavailable(answer, ids[i]));
    const degraded = await waitForHealth(nodes[0], (a) => a.code === 503, 'node 0 while the database is down');
    assert.equal(degraded.body.status, 'degraded');
    assert.notEqual(degraded.body.checks.storage.status, 'ok');
    assert.ok(degraded.body.checks.storage.reason, 'the storage check says why');
    assert.equal(degraded.body.checks.bus.status, 'ok');

    proxy.restore();
    for (const node of nodes) await waitForHealth(node, healthy, 'after the database came back');
    for (const clientId of [...ids, 'down-after']) acked.set(clientId, await sendUntilAcked(writer, room, clientId));
    await assertLiveInOrder(reader, room, first.seq, acked.get('down-after')!.seq);
    assertExactlyOnce(await fullHistory(writer, room), acked);
  });

  it('the database stalled: every send is answered within the configured bounds, then recovery by itself', { timeout: 180_000 }, async () => {
    const { writer, reader, room, acked } = await setUp('stall');
    const first = acked.get('stall-first')!;

    proxy.stall();
    try {
      const ids = Array.from({ length: 3 }, (_, i) => `stall-${i}`);
      const answers = await Promise.all(ids.map((clientId) => trySend(writer, room, clientId)));
      answers.forEach((answer, i) => assertUnavailable(answer, ids[i]));
      const degraded = await waitForHealth(nodes[0], (a) => a.code === 503, 'node 0 while the database is stalled');
      assert.ok(['stalled', 'down'].includes(degraded.body.checks.storage.status), JSON.stringify(degraded.body));
      // The socket stays served: a request that needs no database is answered too.
      const pong = await writer.answerTo(writer.sendWithId({ type: 'ping' }), ANSWER_MS);
      assert.equal(pong.type, 'ack');
    } finally {
      proxy.restore();
    }
    for (const node of nodes) await waitForHealth(node, healthy, 'after the database answers again');
    for (const clientId of ['stall-0', 'stall-1', 'stall-2', 'stall-after']) acked.set(clientId, await sendUntilAcked(writer, room, clientId));
    await assertLiveInOrder(reader, room, first.seq, acked.get('stall-after')!.seq);
    assertExactlyOnce(await fullHistory(writer, room), acked);
  });

  it('every database connection dropped under load: each message lands exactly once, in one order', { timeout: 180_000 }, async () => {
    const { writer, reader, room, acked } = await setUp('drop');
    const first = acked.get('drop-first')!;
    const total = 60;
    let next = 0;
    let dropped = false;
    const lane = async (): Promise<void> => {
      while (next < total) {
        const clientId = `drop-${next++}`;
        acked.set(clientId, await sendUntilAcked(writer, room, clientId));
        if (!dropped && acked.size >= 15) {
          dropped = true;
          proxy.dropAll();
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, lane));
    assert.ok(dropped, 'the connections were dropped mid-stream');
    // One more after the burst, so any message committed but never announced shows up as a gap and is filled.
    acked.set('drop-after', await sendUntilAcked(writer, room, 'drop-after'));
    await assertLiveInOrder(reader, room, first.seq, acked.get('drop-after')!.seq);
    assertExactlyOnce(await fullHistory(writer, room), acked);
    for (const node of nodes) await waitForHealth(node, healthy, 'after the drop');
  });
});
