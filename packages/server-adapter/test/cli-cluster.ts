/**
 * A cluster of CLI nodes for tests: child processes on ports 0 of 127.0.0.1,
 * one fresh PostgreSQL database and a redis-server of the test's own on a
 * free port, which the test may kill and start again.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, freePort, startCli } from './cli-process.js';
import type { CliProcess } from './cli-process.js';
import { METRICS_TOKEN, SECRET, TestClient, signToken } from './helpers.js';
import { startRedis } from './redis-process.js';
import { createTestDatabase, randomName } from './service-helpers.js';
import type { TestDatabase } from './service-helpers.js';

/** A running cluster; see the module comment. */
export interface CliCluster {
  readonly nodes: CliProcess[];
  readonly database: TestDatabase;
  /** The environment every node got (database, Redis, prefix, secret, and the extra variables). */
  readonly env: Record<string, string>;
  readonly dataDir: string;
  /** A chat client of `user` on `node`, closed with the cluster. */
  connect(node: Pick<CliProcess, 'wsUrl'>, user: string): Promise<TestClient>;
  /** Closes `client` with the cluster. */
  track(client: TestClient): TestClient;
  /** Creates a group room of `users` (the first owns it) through node 0; returns its id. */
  createRoom(users: string[], name: string): Promise<string>;
  /** SIGKILLs the Redis server (its port stays reserved for {@link CliCluster.startRedis}). */
  killRedis(): Promise<void>;
  /** Starts the Redis server again on the same port. */
  startRedis(): Promise<void>;
  /** Freezes the Redis server with SIGSTOP: its sockets stay open, nothing is answered. */
  pauseRedis(): void;
  /** Lets a frozen Redis server go on (SIGCONT). */
  resumeRedis(): void;
  /** SIGKILLs node `index` and waits for it to exit. */
  killNode(index: number): Promise<void>;
  /** Starts node `index` again on its port (after {@link CliCluster.killNode}). */
  startNode(index: number): Promise<void>;
  /** Starts one more node with the cluster's environment (closed with the cluster). */
  addNode(): Promise<CliProcess>;
  /** Closes the clients, SIGKILLs every node and Redis, drops the database and deletes the data directory. */
  close(): Promise<void>;
}

/** How the nodes reach the services. */
export interface CliClusterOptions {
  /** The database URL the nodes get, from the test database's (e.g. through a fault proxy); default as is. */
  databaseUrl?: (url: string) => string;
}

/** Starts `count` nodes (the first alone, so it migrates the schema) with `extraEnv` added. */
export async function startCliCluster(
  count: number,
  prefix: string,
  extraEnv: Record<string, string> = {},
  options: CliClusterOptions = {},
): Promise<CliCluster> {
  const database = await createTestDatabase();
  const redisPort = await freePort();
  let redis: ChildProcess | null = await startRedis(redisPort);
  const dataDir = await mkdtemp(join(tmpdir(), `parley-${prefix}-`));
  const env = {
    DATABASE_URL: options.databaseUrl?.(database.url) ?? database.url,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    PARLEY_REDIS_PREFIX: `${randomName('t')}:`,
    PARLEY_JWT_SECRET: SECRET,
    PARLEY_METRICS_TOKEN: METRICS_TOKEN,
    PARLEY_INVITATIONS: 'direct',
    PARLEY_DEV: '',
    ...extraEnv,
  };
  const nodes: CliProcess[] = [];
  const clients: TestClient[] = [];
  const cluster: CliCluster = {
    nodes,
    database,
    env,
    dataDir,
    async connect(node, user) {
      return cluster.track(await TestClient.connect(node.wsUrl, await signToken(user)));
    },
    track(client) {
      clients.push(client);
      return client;
    },
    async createRoom(users, name) {
      const owner = await cluster.connect(nodes[0], users[0]);
      const { room } = await owner.request('room.create', { kind: 'group', name, members: users.slice(1) });
      owner.terminate();
      return room.id;
    },
    async killRedis() {
      const child = redis;
      redis = null;
      child?.kill('SIGKILL');
      if (child) await exited(child);
    },
    async startRedis() {
      redis = await startRedis(redisPort);
    },
    pauseRedis() {
      redis?.kill('SIGSTOP');
    },
    resumeRedis() {
      redis?.kill('SIGCONT');
    },
    async killNode(index) {
      const { child } = nodes[index];
      child.kill('SIGKILL');
      await exited(child);
    },
    async startNode(index) {
      nodes[index] = await startCli({ dataDir, env, port: nodes[index].port });
    },
    async addNode() {
      const node = await startCli({ dataDir, env });
      nodes.push(node);
      return node;
    },
    async close() {
      for (const client of clients) client.terminate();
      for (const node of nodes) node.child.kill('SIGKILL');
      await Promise.all(nodes.map((node) => exited(node.child)));
      await cluster.killRedis();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    nodes.push(await startCli({ dataDir, env }));
    nodes.push(...(await Promise.all(Array.from({ length: count - 1 }, () => startCli({ dataDir, env })))));
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}
