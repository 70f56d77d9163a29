/**
 * Our server as several nodes (the fan-out scenario's three-node case): a
 * fresh PostgreSQL database per run (dropped at the end) and a redis-server
 * the bench starts itself on a free port (no persistence), each node a child
 * process of `servers/parley.ts` with `--database-url` and `--redis-url`.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createPostgresStorage } from '@parley/server-adapter';
import type { Storage } from '@parley/server-adapter';
import { startChild } from './children.js';
import type { Child } from './children.js';
import { withTimeout } from './clock.js';
import { profiling, type CpuMeter } from './servers.js';

/** The PostgreSQL server the bench creates its databases on (`PARLEY_BENCH_DATABASE_URL`). */
const ADMIN_URL = process.env.PARLEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A running cluster of our server. */
export interface RunningCluster {
  ports: number[];
  nodes: Child[];
  /** CPU of every node together. */
  meter: CpuMeter;
  /** Stops the nodes and Redis, drops the database, removes the data directory. */
  dispose(): Promise<void>;
}

/** Why a cluster cannot run on this machine (PostgreSQL unreachable, no redis-server), or null. */
export async function clusterUnavailable(): Promise<string | null> {
  const url = new URL(ADMIN_URL);
  const port = Number(url.port || 5432);
  if (!(await reachable(url.hostname, port))) return `PostgreSQL is not reachable at ${url.hostname}:${port}`;
  if (spawnSync('redis-server', ['--version']).error) return 'redis-server is not installed';
  return null;
}

/**
 * Starts `count` nodes on one fresh database and a private Redis; `seed`
 * fills the database through the storage layer before the nodes start.
 */
export async function startCluster(count: number, seed: (storage: Storage) => Promise<void>, fdLimit?: number): Promise<RunningCluster> {
  const database = `parley_bench_${randomBytes(6).toString('hex')}`;
  const databaseUrl = withDatabase(ADMIN_URL, database);
  const cleanups: Array<() => Promise<void>> = [];
  const dispose = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    await admin(`CREATE DATABASE ${database}`);
    cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-cluster-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const redisPort = await freePort();
    const redis = await startRedis(redisPort);
    cleanups.push(() => stopProcess(redis));

    const storage = createPostgresStorage({ connectionString: databaseUrl });
    await storage.open();
    try {
      await seed(storage);
    } finally {
      await storage.close();
    }

    const nodes: Child[] = [];
    cleanups.push(async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    });
    const args = ['--data-dir', dataDir, '--port', '0', '--database-url', databaseUrl, '--redis-url', `redis://127.0.0.1:${redisPort}`];
    for (let i = 0; i < count; i++) {
      nodes.push(
        await startChild('servers/parley.ts', {
          name: `parley-node-${i}`,
          args,
          sourceConditions: true,
          fdLimit,
          nodeFlags: profiling.flags,
        }),
      );
    }
    return {
      ports: nodes.map((node) => node.ready.port as number),
      nodes,
      meter: {
        async stats() {
          const all = await Promise.all(nodes.map((node) => node.stats()));
          return { cpuMicros: all.reduce((sum, s) => sum + s.cpuMicros, 0) };
        },
      },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Runs one statement on the admin database (CREATE / DROP DATABASE). */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port nobody listens on right now (the kernel's pick, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server without persistence on `port`; resolves once it accepts connections. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${String(code)}: ${out.slice(-500)}`)));
  });
  try {
    await withTimeout(ready, 10_000, 'redis-server start');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  // Killed with the harness too (Ctrl-C, failures): it is not a registered bench child.
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  try {
    await withTimeout(exited, 5_000, 'redis-server stop');
  } catch {
    child.kill('SIGKILL');
    await exited;
  }
}
