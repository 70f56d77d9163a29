/**
 * Our server as several nodes (the fan-out scenario's three-node case): a
 * fresh PostgreSQL database per run (dropped at the end) and a redis-server
 * the bench starts itself on a free port (no persistence), each node a child
 * process of `servers/parley.ts` with `--database-url` and `--redis-url`.
 */
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresStorage } from '@parley/server-adapter';
import type { Storage } from '@parley/server-adapter';
import { startChild } from './children.js';
import type { Child } from './children.js';
import { withTimeout } from './clock.js';
import { profiling, type CpuMeter } from './servers.js';
import { createThrowawayDatabase, freePort, reachable, startRedisServer } from '../../test-support/services.mjs';

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
  if (!(await reachable(ADMIN_URL, 5432))) return `PostgreSQL is not reachable at ${new URL(ADMIN_URL).host}`;
  if (spawnSync('redis-server', ['--version']).error) return 'redis-server is not installed';
  return null;
}

/**
 * Starts `count` nodes on one fresh database and a private Redis; `seed`
 * fills the database through the storage layer before the nodes start.
 */
export async function startCluster(
  count: number,
  seed: (storage: Storage) => Promise<void>,
  fdLimit?: number,
  serverArgs: readonly string[] = [],
): Promise<RunningCluster> {
  const cleanups: Array<() => Promise<void>> = [];
  const dispose = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const database = await createThrowawayDatabase(ADMIN_URL, 'parley_bench_');
    cleanups.push(() => database.drop());
    const databaseUrl = database.url;
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-cluster-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const redisPort = await freePort();
    const redis = await startRedisServer(redisPort);
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
    const args = ['--data-dir', dataDir, '--port', '0', '--database-url', databaseUrl, '--redis-url', `redis://127.0.0.1:${redisPort}`, ...serverArgs];
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

/** Stops redis-server: SIGTERM, then SIGKILL after 5 s. */
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
