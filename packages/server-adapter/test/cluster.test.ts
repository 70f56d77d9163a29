/**
 * Three real nodes (the CLI as child processes, ports 0 on 127.0.0.1) on one
 * fresh PostgreSQL database and a Redis server this file starts itself on a
 * free port (so it can restart it without touching the machine's Redis).
 *
 * - Clients of one room spread over the three nodes all receive every
 *   message live, in one order (seq order, no gaps).
 * - Redis restarted mid-stream: no client misses a message (gap fill from
 *   PostgreSQL after the bus reconnects).
 * - One node SIGKILLed under load: its clients reconnect to the others and
 *   resend what was not acknowledged; nothing is lost or duplicated.
 * - Presence and typing cross nodes, and a killed node's users turn offline
 *   for their contacts on other nodes within the offline threshold.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Message } from '@parley/sdk/protocol';
import { startCliCluster } from './cli-cluster.js';
import type { CliCluster } from './cli-cluster.js';
import { exited, freePort } from './cli-process.js';
import type { CliProcess } from './cli-process.js';
import { SECRET, TestClient, signToken } from './helpers.js';
import { clusterServicesMissing, startRedis } from './redis-process.js';
import { createTestDatabase, randomName, type TestDatabase } from './service-helpers.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A server node: the CLI, or a scripted server for the presence test. */
type Node = Pick<CliProcess, 'child' | 'wsUrl'>;


/** Messages a client received live, by seq, for one room; fails on a repeat or a step back. */
function liveSeqs(client: TestClient, room: string): number[] {
  return client.events('message').filter((f) => f.message.room === room).map((f) => f.message.seq);
}

/** Waits until `client` has received the room's messages up to `lastSeq` (bounded). */
async function waitForSeq(client: TestClient, room: string, lastSeq: number, timeoutMs = 15_000): Promise<void> {
  await client.waitFor((f) => f.type === 'message' && f.message.room === room && f.message.seq >= lastSeq, timeoutMs);
}

async function fullHistory(client: TestClient, room: string): Promise<Message[]> {
  const all: Message[] = [];
  let beforeSeq: number | undefined;
  for (let page = 0; page < 100; page++) {
    const { messages, hasMore } = await client.request('message.history', { room, before: beforeSeq, limit: 200 });
    all.unshift(...messages);
    if (!hasMore || messages.length === 0) return all;
    beforeSeq = messages[0].seq;
  }
  throw new Error('history did not end');
}

/** Sends `count` messages with a few in flight; returns clientId → acked message. */
async function sendMany(client: TestClient, room: string, prefix: string, count: number, window = 4): Promise<Map<string, Message>> {
  const acked = new Map<string, Message>();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const clientId = `${prefix}-${next++}`;
      const { message } = await client.request('message.send', { room, clientId, text: `text of ${clientId}` });
      acked.set(clientId, message);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return acked;
}

const reason = await clusterServicesMissing();

describe('a cluster of three nodes on PostgreSQL and Redis', { skip: reason ?? false }, () => {
  let cluster: CliCluster;
  let nodes: Node[] = [];
  before(async () => {
    cluster = await startCliCluster(3, 'cluster');
    nodes = cluster.nodes;
  });

  after(async () => {
    await cluster?.close();
  });

  it('clients of one room spread over three nodes all see one order', { timeout: 60_000 }, async () => {
    const users = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
    const room = await cluster.createRoom(users, 'cluster');
    const members = await Promise.all(users.map((user, i) => cluster.connect(nodes[i % 3], user)));
    await members[0].request('typing', { room, typing: true });
    const typing = await members[1].waitFor((f) => f.type === 'typing' && f.user === users[0] && f.room === room);
    assert.equal(typing.type === 'typing' && typing.typing, true, 'typing on node 0 reaches node 1');
    const perClient = 25;
    const acked = await Promise.all(members.map((client, i) => sendMany(client, room, users[i], perClient)));
    const lastSeq = Math.max(...acked.flatMap((m) => [...m.values()].map((message) => message.seq)));
    assert.equal(lastSeq, 1 + users.length * perClient, 'created + every send, no gaps');
    await Promise.all(members.map((client) => waitForSeq(client, room, lastSeq)));

    const expected = Array.from({ length: users.length * perClient }, (_, i) => i + 2);
    const ids = new Map<number, string>();
    for (const [i, client] of members.entries()) {
      assert.deepEqual(liveSeqs(client, room), expected, `${users[i]} (node ${i % 3}) received every message once, in seq order`);
      for (const f of client.events('message')) {
        const seen = ids.get(f.message.seq);
        if (seen) assert.equal(f.message.id, seen, 'one message per seq on every node');
        else ids.set(f.message.seq, f.message.id);
      }
    }
  });

  it('loses no message when Redis restarts mid-stream (gaps are filled from PostgreSQL)', { timeout: 90_000 }, async () => {
    const users = ['b1', 'b2', 'b3'];
    const room = await cluster.createRoom(users, 'cluster');
    const members = await Promise.all(users.map((user, i) => cluster.connect(nodes[i], user)));
    const perClient = 60;
    let restarted = false;
    const restart = (async () => {
      // Once some messages went through, take Redis away for a moment and bring it back on the same port.
      await members[0].waitFor((f) => f.type === 'message' && f.message.room === room && f.message.seq >= 20, 20_000);
      await cluster.killRedis();
      await sleep(300);
      await cluster.startRedis();
      restarted = true;
    })();
    const acked = await Promise.all(
      members.map((client, i) => sendMany(client, room, users[i], perClient, 2)),
    );
    await restart;
    assert.ok(restarted, 'Redis was restarted mid-stream');
    const lastSeq = 1 + users.length * perClient;
    assert.equal(Math.max(...acked.flatMap((m) => [...m.values()].map((message) => message.seq))), lastSeq);
    await Promise.all(members.map((client) => waitForSeq(client, room, lastSeq, 30_000)));
    const expected = Array.from({ length: users.length * perClient }, (_, i) => i + 2);
    for (const [i, client] of members.entries()) {
      assert.deepEqual(liveSeqs(client, room), expected, `${users[i]} missed nothing and saw nothing twice`);
    }
  });

  it('an edit and a reaction made while Redis is down reach the other nodes before the next message', { timeout: 60_000 }, async () => {
    const users = ['e1', 'e2'];
    const room = await cluster.createRoom(users, 'cluster');
    const [writer, reader] = await Promise.all(users.map((user, i) => cluster.connect(nodes[i], user)));
    const { message: first } = await writer.request('message.send', { room, clientId: 'e-first', text: 'first' });
    await waitForSeq(reader, room, first.seq);

    await cluster.killRedis();
    // Stored on PostgreSQL; node 1 cannot hear of them while Redis is away.
    const { message: edited } = await writer.request('message.edit', { messageId: first.id, clientId: 'e-edit', text: 'first, edited' });
    const { message: reacted } = await writer.request('message.react', { messageId: first.id, clientId: 'e-react', emoji: '👍', on: true });
    await cluster.startRedis();

    // After the outage: one more message. The reader must get the changes, and before it.
    await sleep(500);
    const { message: next } = await writer.request('message.send', { room, clientId: 'e-next', text: 'next' });
    await waitForSeq(reader, room, next.seq, 30_000);
    const seen = reader.frames.filter(
      (f): f is Extract<typeof f, { type: 'message' | 'message.updated' }> =>
        (f.type === 'message' || f.type === 'message.updated') && f.message.room === room,
    );
    const revs = seen.map((f) => f.message.rev);
    assert.deepEqual([...revs].sort((a, b) => a - b), revs, 'events arrive in rev order');
    const update = seen.find((f) => f.type === 'message.updated' && f.message.id === first.id && f.message.rev === reacted.rev);
    assert.ok(update, 'the reader got the message in its edited and reacted state');
    assert.equal(update.message.text, 'first, edited');
    assert.ok(edited.rev < reacted.rev && reacted.rev < next.rev);
  });

  it('a node killed with SIGKILL under load: its clients move to the others and nothing is lost or duplicated', { timeout: 90_000 }, async () => {
    const users = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    const room = await cluster.createRoom(users, 'cluster');
    const perClient = 40;
    const token = new Map(await Promise.all(users.map(async (u) => [u, await signToken(u)] as const)));
    const acked = users.map(() => new Map<string, Message>());
    let victimKilled = false;

    /** Sends every message of user `i`, reconnecting round-robin to the next node when its node dies. */
    const run = async (i: number): Promise<void> => {
      let nodeIndex = i % 3;
      for (let attempt = 0; acked[i].size < perClient; attempt++) {
        assert.ok(attempt < 20, `${users[i]} could not finish`);
        const node = nodes[nodeIndex];
        let client: TestClient;
        try {
          client = await TestClient.connect(node.wsUrl, token.get(users[i]) ?? '');
        } catch {
          nodeIndex = (nodeIndex + 1) % 3; // the entry point would send us to the next node
          continue;
        }
        cluster.track(client);
        const todo = Array.from({ length: perClient }, (_, n) => `${users[i]}-${n}`).filter((id) => !acked[i].has(id));
        let next = 0;
        const lane = async (): Promise<void> => {
          while (next < todo.length && client.ws.readyState === client.ws.OPEN) {
            const clientId = todo[next++];
            const { message } = await client.request('message.send', { room, clientId, text: `text of ${clientId}` });
            const earlier = acked[i].get(clientId);
            if (earlier) assert.equal(earlier.id, message.id, 'a resend answered with the original');
            acked[i].set(clientId, message);
            if (!victimKilled && i === 0 && acked[i].size >= 10) {
              victimKilled = true;
              nodes[0].child.kill('SIGKILL');
            }
          }
        };
        await Promise.allSettled(Array.from({ length: 4 }, lane));
        if (acked[i].size < perClient) nodeIndex = (nodeIndex + 1) % 3;
      }
    };
    await Promise.all(users.map((_, i) => run(i)));
    assert.ok(victimKilled, 'node 0 was killed mid-stream');
    await exited(nodes[0].child);

    const total = users.length * perClient;
    const histories: Message[][] = [];
    for (const node of nodes.slice(1)) {
      const reader = await cluster.connect(node, users[1]);
      histories.push(await fullHistory(reader, room));
    }
    const [history] = histories;
    assert.deepEqual(histories[1].map((m) => m.id), history.map((m) => m.id), 'both surviving nodes serve one order');
    assert.deepEqual(history.map((m) => m.seq), history.map((_, i) => i + 1), 'seqs are 1..N without gaps');
    const keys = history.filter((m) => m.kind === 'user').map((m) => `${m.sender}\n${m.clientId ?? ''}`);
    assert.equal(new Set(keys).size, keys.length, 'nothing stored twice');
    assert.equal(keys.length, total, 'every message stored');
    const byId = new Map(history.map((m) => [m.id, m]));
    for (const map of acked) {
      for (const message of map.values()) assert.equal(byId.get(message.id)?.seq, message.seq, 'every ack is in history');
    }

    // A client that was on the killed node resumes on another one and sees everything.
    const resumed = await cluster.connect(nodes[1], users[0]);
    const seen = await fullHistory(resumed, room);
    assert.equal(seen.length, history.length);
  });
});

/** A node started from a script (not the CLI) so the test can shorten the presence timers. */
function startScriptedNode(env: Record<string, string>, dataDir: string, presenceTimeoutMs: number): Promise<Node> {
  const entry = new URL('../src/index.ts', import.meta.url).href;
  const script = `
    const { createServer } = await import(${JSON.stringify(entry)});
    const server = createServer({
      dataDir: ${JSON.stringify(dataDir)},
      auth: { secret: process.env.PARLEY_JWT_SECRET },
      databaseUrl: process.env.DATABASE_URL,
      redisUrl: process.env.REDIS_URL,
      redisPrefix: process.env.PARLEY_REDIS_PREFIX,
      invitations: 'direct',
      logger: false,
      timing: { presenceTimeoutMs: ${presenceTimeoutMs}, presenceSweepMs: 200 },
    });
    const { url } = await server.listen(0, '127.0.0.1');
    console.log('Parley server listening on ' + url);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not start: ${out} ${err}`));
    }, 30_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, wsUrl: `ws://127.0.0.1:${match[1]}/v1/ws` });
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited early with ${String(code)}: ${out} ${err}`));
    });
  });
}

describe('cluster-wide presence', { skip: reason ?? false }, () => {
  const TIMEOUT_MS = 1_500;
  let database: TestDatabase;
  let redis: ChildProcess;
  let dataDir: string;
  const nodes: Node[] = [];
  const clients: TestClient[] = [];

  before(async () => {
    database = await createTestDatabase();
    const redisPort = await freePort();
    redis = await startRedis(redisPort);
    dataDir = await mkdtemp(join(tmpdir(), 'parley-presence-'));
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      PARLEY_REDIS_PREFIX: `${randomName('p')}:`,
      PARLEY_JWT_SECRET: SECRET,
    };
    nodes.push(await startScriptedNode(env, dataDir, TIMEOUT_MS));
    nodes.push(await startScriptedNode(env, dataDir, TIMEOUT_MS));
  });

  after(async () => {
    for (const client of clients) client.terminate();
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => exited(node.child)));
    redis?.kill('SIGKILL');
    if (redis) await exited(redis);
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('shows a user on another node online, and offline within the threshold after that node is killed', { timeout: 60_000 }, async () => {
    const watcher = await TestClient.connect(nodes[1].wsUrl, await signToken('watcher'));
    clients.push(watcher);
    await watcher.request('room.create', { kind: 'group', name: 'friends', members: ['ghost'] });
    const ghost = await TestClient.connect(nodes[0].wsUrl, await signToken('ghost'));
    clients.push(ghost);

    await watcher.waitFor((f) => f.type === 'presence' && f.user === 'ghost' && f.status === 'online', 10_000);
    const online = await watcher.request('presence.get', { users: ['ghost'] });
    assert.equal(online.presence[0].status, 'online', 'node 1 knows the user node 0 holds');

    nodes[0].child.kill('SIGKILL');
    await exited(nodes[0].child);
    await watcher.waitFor((f) => f.type === 'presence' && f.user === 'ghost' && f.status === 'offline', 15_000);
    const offline = await watcher.request('presence.get', { users: ['ghost'] });
    assert.equal(offline.presence[0].status, 'offline', 'no ghost left behind');
    assert.ok(offline.presence[0].lastSeen !== null, 'the last-seen time survives its node');
  });
});
