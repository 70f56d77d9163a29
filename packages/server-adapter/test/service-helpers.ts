/**
 * Real PostgreSQL and Redis for tests. Each test file gets its own database
 * (random name, dropped at the end) and its own Redis key prefix, so files
 * and sessions running at once never see each other's data.
 *
 * Where a service is truly absent locally the tests skip with the reason; in
 * CI (`CI=true`) a missing service is a failure.
 */
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import pg from 'pg';

/** Where PostgreSQL is (`PARLEY_TEST_DATABASE_URL`, default the local server's `postgres` database). */
export const ADMIN_DATABASE_URL = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Where Redis is (`PARLEY_TEST_REDIS_URL`, default the local one). */
export const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Why a service cannot be used, or null when it can; throws in CI when it cannot. */
export async function serviceMissing(name: 'PostgreSQL' | 'Redis'): Promise<string | null> {
  const url = new URL(name === 'PostgreSQL' ? ADMIN_DATABASE_URL : REDIS_URL);
  const port = Number(url.port || (name === 'PostgreSQL' ? 5432 : 6379));
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: url.hostname, port });
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
  if (reachable) return null;
  const reason = `${name} is not reachable at ${url.hostname}:${port}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (required in CI)`);
  return reason;
}

/** A fresh database for one test file. */
export interface TestDatabase {
  /** Connection string of the new database. */
  url: string;
  /** Drops it (closing any connection still open). */
  drop(): Promise<void>;
}

/** Creates a database with a random name. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A random lower-case name for a schema or a Redis prefix. */
export function randomName(prefix: string): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
