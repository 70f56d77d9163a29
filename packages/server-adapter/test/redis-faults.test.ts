/**
 * The cluster's promise under Redis faults: CLI nodes as child processes on
 * one fresh PostgreSQL database and a redis-server of this file's own, which
 * the tests kill, start again, and freeze with SIGSTOP.
 *
 * - A room whose first socket on a node arrives while Redis is down is heard
 *   on that node once Redis is back, and nothing sent meanwhile is missing.
 * - A Redis that stops answering holds no answer: acks and pongs arrive while
 *   it is frozen; once it goes on, the other node has every message, in
 *   order, once; `/healthz` says `stalled` meanwhile.
 * - A node started while Redis is down reports degraded until its
 *   subscriptions are in place, then hears the others (presence, calls).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { ServerFrame } from '@parley/sdk/protocol';
import type { HealthReport } from '../src/health.js';
import { startCliCluster } from './cli-cluster.js';
import type { CliCluster } from './cli-cluster.js';
import type { CliProcess } from './cli-process.js';
import type { TestClient } from './helpers.js';
import { clusterServicesMissing } from './redis-process.js';

/** Generous bound for anything that waits on a reconnect (ioredis backs off up to 2 s) on a busy machine. */
const RECOVERY_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `/healthz` of a node: status code and body. */
async function health(node: CliProcess): Promise<{ code: number; body: HealthReport }> {
  const res = await fetch(`${node.base}/healthz`);
  return { code: res.status, body: (await res.json()) as HealthReport };
}

/** Polls `/healthz` until `accept` holds (bounded); returns the last answer. */
async function waitForHealth(
  node: CliProcess,
  accept: (answer: { code: number; body: HealthReport }) => boolean,
  what: string,
  timeoutMs = RECOVERY_MS,
): Promise<{ code: number; body: HealthReport }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await health(node);
    if (accept(answer)) return answer;
    if (Date.now() > deadline) assert.fail(`${what}: /healthz still answers ${answer.code} ${JSON.stringify(answer.body)}`);
    await sleep(100);
  }
}

const healthy = (answer: { code: number; body: HealthReport }): boolean => answer.code === 200 && answer.body.status === 'ok';

/** The seqs of the room's `message` events a client received live, in arrival order. */
function liveSeqs(client: TestClient, room: string): number[] {
  return client.events('message').filter((f) => f.message.room === room).map((f) => f.message.seq);
}

/** Waits until `client` received the room's message `seq` live (bounded). */
async function waitForSeq(client: TestClient, room: string, seq: number, timeoutMs = RECOVERY_MS): Promise<void> {
  await client.waitFor((f) => f.type === 'message' && f.message.room === room && f.message.seq >= seq, timeoutMs);
}

/** Sends texts one after another; returns the acked seqs. */
async function sendAll(client: TestClient, room: string, prefix: string, count: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) {
    const { message } = await client.request('message.send', { room, clientId: `${prefix}-${i}`, text: `${prefix} ${i}` });
    seqs.push(message.seq);
  }
  return seqs;
}

const reason = await clusterServicesMissing();

describe('a cluster under Redis faults', { skip: reason ?? false }, () => {
  let cluster: CliCluster;
  let nodes: CliProcess[];

  before(async () => {
    cluster = await startCliCluster(2, 'redis-faults');
    nodes = cluster.nodes;
  });

  after(async () => {
    cluster?.resumeRedis();
    await cluster?.close();
  });

  it('a room first joined on a node while Redis is down is heard there once it is back, with nothing missed', { timeout: 120_000 }, async () => {
    // The room is made on node 1, so node 0 has never listened to it.
    const sender = await cluster.connect(nodes[1], 'late-sender');
    const { room: info } = await sender.request('room.create', { kind: 'group', name: 'late', members: ['late-listener'] });
    const room = info.id;
    await sendAll(sender, room, 'before', 1);

    await cluster.killRedis();
    // The listener's first socket in the room: node 0 subscribes while Redis is away.
    const listener = await cluster.connect(nodes[0], 'late-listener');
    const { rooms } = await listener.request('sync', { rooms: [{ room, seq: 0, rev: 0 }] });
    const resumed = rooms[0].messages.map((m) => m.seq);
    const during = await sendAll(sender, room, 'during', 3);
    await cluster.startRedis();

    await waitForHealth(nodes[0], healthy, 'node 0 after Redis came back');
    await waitForHealth(nodes[1], healthy, 'node 1 after Redis came back');
    const afterwards = await sendAll(sender, room, 'after', 5);
    const last = afterwards[afterwards.length - 1];
    await waitForSeq(listener, room, last);

    const live = liveSeqs(listener, room);
    assert.equal(new Set(live).size, live.length, 'no message arrived live twice');
    assert.deepEqual([...live].sort((a, b) => a - b), live, 'live messages arrive in seq order');
    for (const seq of afterwards) assert.ok(live.includes(seq), `message ${seq} sent on node 1 after Redis came back reached node 0 live`);
    const seen = new Set([...resumed, ...live]);
    for (const seq of during) assert.ok(seen.has(seq), `message ${seq} sent during the outage is not missing (live or resume)`);
    assert.deepEqual(
      Array.from({ length: last }, (_, i) => i + 1).filter((seq) => !seen.has(seq)),
      [],
      'the listener has every message of the room',
    );
  });

  it('a Redis that stops answering holds no answer; afterwards the other node has every message, in order, once', { timeout: 120_000 }, async () => {
    const writer = await cluster.connect(nodes[0], 'stall-writer');
    const { room: info } = await writer.request('room.create', { kind: 'group', name: 'stall', members: ['stall-reader'] });
    const room = info.id;
    const reader = await cluster.connect(nodes[1], 'stall-reader');
    const [first] = await sendAll(writer, room, 'first', 1);
    await waitForSeq(reader, room, first);

    cluster.pauseRedis();
    let answers: ServerFrame[];
    try {
      // Everything a client does that publishes on the bus: messages, typing, receipts, presence, pings.
      const ids = [
        ...Array.from({ length: 10 }, (_, i) => writer.sendWithId({ type: 'message.send', room, clientId: `stalled-${i}`, text: `stalled ${i}` })),
        writer.sendWithId({ type: 'typing', room, typing: true }),
        writer.sendWithId({ type: 'receipt', room, read: first }),
        writer.sendWithId({ type: 'presence.set', status: 'away' }),
        writer.sendWithId({ type: 'ping' }),
      ];
      // Redis stays frozen until every answer is here: none of them may wait for it.
      answers = await Promise.all(ids.map((id) => writer.answerTo(id, RECOVERY_MS)));
      const report = await waitForHealth(nodes[0], (a) => a.body.checks?.bus.status === 'stalled', 'node 0 while Redis is frozen');
      assert.equal(report.code, 503);
      assert.equal(report.body.status, 'degraded');
    } finally {
      cluster.resumeRedis();
    }
    for (const answer of answers) assert.equal(answer.type, 'ack', `answered while Redis was frozen: ${JSON.stringify(answer)}`);
    const acked = answers.slice(0, 10).map((a) => (a.type === 'ack' ? (a.result as { message: { seq: number } }).message.seq : 0));
    const last = Math.max(...acked);
    await waitForSeq(reader, room, last);
    await waitForHealth(nodes[0], healthy, 'node 0 after Redis went on');
    assert.deepEqual(
      liveSeqs(reader, room),
      Array.from({ length: last - first + 1 }, (_, i) => first + i),
      'the reader on node 1 got every message once, in order',
    );
    const typing = reader.events('typing').filter((f) => f.room === room && f.user === 'stall-writer');
    assert.equal(typing.length, 1, 'the typing event sent while Redis was frozen crossed once');
  });

  it('a node started while Redis is down is degraded until its subscriptions are in place, then hears the others', { timeout: 120_000 }, async () => {
    await cluster.killRedis();
    const late = await cluster.addNode();
    const down = await waitForHealth(late, (a) => a.code === 503, 'the new node while Redis is down', 10_000);
    assert.equal(down.body.status, 'degraded');
    assert.equal(down.body.checks.bus.status, 'down');
    assert.ok(down.body.checks.bus.reason, 'the bus check says why');
    assert.equal(down.body.checks.storage.status, 'ok');

    await cluster.startRedis();
    await waitForHealth(late, healthy, 'the new node after Redis came back');
    for (const [i, node] of nodes.entries()) await waitForHealth(node, healthy, `node ${i} after Redis came back`);

    // Every node listens on the presence channel and on its own call-forwarding channel.
    const prefix = cluster.env.PARLEY_REDIS_PREFIX;
    const redis = new Redis(cluster.env.REDIS_URL, { lazyConnect: true });
    try {
      await redis.connect();
      const [, presenceListeners] = (await redis.pubsub('NUMSUB', `${prefix}presence:cluster`)) as [string, number];
      assert.equal(presenceListeners, 3, 'three nodes listen for presence');
      const callChannels = (await redis.pubsub('CHANNELS', `${prefix}node:*`)) as string[];
      assert.equal(callChannels.length, 3, 'three nodes listen for forwarded calls');
    } finally {
      redis.disconnect();
    }

    // Presence from node 0 reaches a watcher on the new node.
    const watcher = await cluster.connect(late, 'late-watcher');
    await watcher.request('room.create', { kind: 'group', name: 'friends', members: ['late-friend'] });
    await cluster.connect(nodes[0], 'late-friend');
    const deadline = Date.now() + RECOVERY_MS;
    for (;;) {
      const { presence } = await watcher.request('presence.get', { users: ['late-friend'] });
      if (presence[0].status === 'online') break;
      assert.ok(Date.now() < deadline, 'the new node hears presence from node 0');
      await sleep(100);
    }
  });
});
