/**
 * Workspace documents across two server nodes on one PostgreSQL database and
 * a redis-server this file starts (so it can restart it): edits and cursors
 * made through one node reach clients of the other; compaction on either node
 * keeps the other's updates; a node that missed updates while Redis was down
 * catches up from storage once it is back; a node that opens a document while
 * another edits it misses nothing.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as Y from 'yjs';
import { createServer } from '../src/index.js';
import type { ParleyServer } from '../src/index.js';
import { createPostgresStorage } from '../src/storage/postgres/index.js';
import { exited, freePort } from './cli-process.js';
import { METRICS_TOKEN, SECRET, TestClient, metricsText, signToken } from './helpers.js';
import { clusterServicesMissing, startRedis } from './redis-process.js';
import { createTestDatabase, randomName } from './service-helpers.js';
import type { TestDatabase } from './service-helpers.js';
import { docFromStored, openProvider, synced, waitUntil } from './workspace-helpers.js';
import type { TestProvider, WorkspaceServer } from './workspace-helpers.js';

const reason = await clusterServicesMissing();

/** A node as `openProvider` needs it (only its address). */
type NodeAddress = Pick<WorkspaceServer, 'base'>;

const text = (p: TestProvider): string => p.doc.getText('body').toString();

describe('workspaces across two nodes on PostgreSQL and Redis', { skip: reason ?? false }, () => {
  let database: TestDatabase;
  let redis: ChildProcess;
  let redisPort: number;
  let dataDir: string;
  const servers: ParleyServer[] = [];
  const nodes: NodeAddress[] = [];
  const providers: TestProvider[] = [];
  const clients: TestClient[] = [];

  const open = async (node: NodeAddress, user: string, room: string): Promise<TestProvider> => {
    const provider = await openProvider(node as WorkspaceServer, user, room);
    providers.push(provider);
    await synced(provider);
    return provider;
  };

  /** A group room of alice, bob and carol, created through node 0. */
  const createRoom = async (): Promise<string> => {
    const owner = await TestClient.connect(`${nodes[0].base}/v1/ws`, await signToken('alice'));
    clients.push(owner);
    const { room } = await owner.request('room.create', { kind: 'group', name: randomName('doc'), members: ['bob', 'carol'] });
    return room.id;
  };

  /** The room's document as PostgreSQL holds it. */
  const stored = async (room: string): Promise<Y.Doc> => {
    const storage = createPostgresStorage({ connectionString: database.url });
    await storage.open();
    try {
      return docFromStored(await storage.loadWorkspace(room));
    } finally {
      await storage.close();
    }
  };

  before(async () => {
    database = await createTestDatabase();
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    dataDir = await mkdtemp(join(tmpdir(), 'parley-ws-cluster-'));
    const prefix = `${randomName('t')}:`;
    for (let i = 0; i < 2; i++) {
      const server = createServer({
        dataDir: join(dataDir, String(i)),
        logger: false,
        auth: { secret: SECRET },
        metricsToken: METRICS_TOKEN,
        invitations: 'direct',
        databaseUrl: database.url,
        redisUrl: `redis://127.0.0.1:${redisPort}`,
        redisPrefix: prefix,
        // Small, so the compaction test folds the log many times from both nodes.
        workspaces: { compactAfterUpdates: 7 },
      });
      servers.push(server);
      // One at a time: the first migrates the schema.
      const { port } = await server.listen(0, '127.0.0.1');
      nodes.push({ base: `ws://127.0.0.1:${port}` });
    }
  });

  after(async () => {
    for (const provider of providers) provider.destroy();
    for (const client of clients) client.terminate();
    await Promise.all(servers.map((server) => server.close()));
    redis?.kill('SIGKILL');
    if (redis) await exited(redis);
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('an edit and a cursor made through one node reach a client of the other', { timeout: 30_000 }, async () => {
    const room = await createRoom();
    const alice = await open(nodes[0], 'alice', room);
    const bob = await open(nodes[1], 'bob', room);

    alice.doc.getText('body').insert(0, 'from node 0. ');
    await waitUntil(() => text(bob) === 'from node 0. ', 'bob on node 1 sees alice’s edit');
    bob.doc.getText('body').insert(text(bob).length, 'from node 1.');
    await waitUntil(() => text(alice) === 'from node 0. from node 1.', 'alice on node 0 sees bob’s edit');

    // Awareness crosses too, with the identity the token gives (not what the client claims).
    alice.provider.awareness.setLocalStateField('user', { name: 'Mallory', color: '#123456' });
    const aliceId = alice.doc.clientID;
    await waitUntil(() => {
      const state = bob.provider.awareness.getStates().get(aliceId) as { user?: { id?: string; name?: string } } | undefined;
      return state?.user?.id === 'alice' && state.user.name === 'ALICE';
    }, 'bob sees alice’s cursor state, named by her token');

    // Alice leaving node 0 removes her state on node 1 at once (not after the 30 s timeout).
    alice.destroy();
    await waitUntil(() => !bob.provider.awareness.getStates().has(aliceId), 'alice’s state leaves bob’s view');
  });

  it('compaction on either node keeps the updates the other node stored', { timeout: 60_000 }, async () => {
    const room = await createRoom();
    const alice = await open(nodes[0], 'alice', room);
    const bob = await open(nodes[1], 'bob', room);
    // Interleaved bursts from both nodes: each node compacts every 7 of its own appends, while the other's are in flight.
    for (let i = 0; i < 60; i++) {
      const writer = i % 3 === 0 ? bob : alice;
      writer.doc.getArray<string>('items').push([`${writer === alice ? 'a' : 'b'}${i}`]);
      if (i % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const bothHaveAll = (): boolean => alice.doc.getArray('items').length === 60 && bob.doc.getArray('items').length === 60;
    await waitUntil(bothHaveAll, 'both clients have all 60 items');
    const expected = [...alice.doc.getArray<string>('items').toArray()].sort();
    assert.deepEqual([...bob.doc.getArray<string>('items').toArray()].sort(), expected);

    // Every acknowledged item is in storage, folded or not.
    await waitUntil(() => alice.acked() > 0 && bob.acked() > 0, 'both clients got acks');
    let items: string[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      items = (await stored(room)).getArray<string>('items').toArray();
      if (items.length === 60) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual([...items].sort(), expected);
  });

  it('a node that missed updates while Redis was down catches up once it is back', { timeout: 60_000 }, async () => {
    const room = await createRoom();
    const alice = await open(nodes[0], 'alice', room);
    const bob = await open(nodes[1], 'bob', room);
    alice.doc.getText('body').insert(0, 'before. ');
    await waitUntil(() => text(bob) === 'before. ', 'bob sees the first edit');

    redis.kill('SIGKILL');
    await exited(redis);
    // Stored on PostgreSQL and acknowledged, but node 1 cannot hear of it.
    const ackedBefore = alice.acked();
    alice.doc.getText('body').insert(8, 'during the outage. ');
    await waitUntil(() => alice.acked() > ackedBefore, 'alice’s edit is acknowledged while Redis is down');

    redis = await startRedis(redisPort);
    await waitUntil(() => text(bob) === 'before. during the outage. ', 'bob gets the edit after Redis is back', 20_000);
    const metrics = await metricsText(`${nodes[1].base.replace('ws:', 'http:')}`);
    assert.match(metrics, /^parley_workspace_catch_ups_total [1-9]/m, 'node 1 counts its catch-up from storage');
    // And live relaying works again.
    alice.doc.getText('body').insert(text(alice).length, 'after.');
    await waitUntil(() => text(bob) === 'before. during the outage. after.', 'bob sees edits made after the outage');
  });

  it('a client opening the document on one node while the other edits it misses nothing', { timeout: 60_000 }, async () => {
    const room = await createRoom();
    const alice = await open(nodes[0], 'alice', room);
    let typing = true;
    let typed = 0;
    const typer = (async () => {
      while (typing && typed < 2_000) {
        alice.doc.getArray<number>('n').push([typed++]);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    // Node 1 loads the document (from PostgreSQL) while node 0 keeps committing and publishing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const carol = await open(nodes[1], 'carol', room);
    await new Promise((resolve) => setTimeout(resolve, 100));
    typing = false;
    await typer;
    await waitUntil(() => carol.doc.getArray('n').length === typed, `carol on node 1 has all ${typed} items`, 20_000);
    assert.deepEqual(carol.doc.getArray<number>('n').toArray(), alice.doc.getArray<number>('n').toArray());
  });
});
