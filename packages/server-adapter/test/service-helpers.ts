/**
 * Real PostgreSQL and Redis for tests. Each test file gets its own database
 * (random name, dropped at the end) and its own Redis key prefix, so files
 * and sessions running at once never see each other's data.
 *
 * Where a service is truly absent locally the tests skip with the reason; in
 * CI (`CI=true`) a missing service is a failure.
 */
import { randomBytes } from 'node:crypto';
import { createThrowawayDatabase, reachable } from '../../../test-support/services.mjs';

/** Where PostgreSQL is (`PARLEY_TEST_DATABASE_URL`, default the local server's `postgres` database). */
export const ADMIN_DATABASE_URL = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Where Redis is (`PARLEY_TEST_REDIS_URL`, default the local one). */
export const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Why a service cannot be used, or null when it can; throws in CI when it cannot. */
export async function serviceMissing(name: 'PostgreSQL' | 'Redis'): Promise<string | null> {
  const defaultPort = name === 'PostgreSQL' ? 5432 : 6379;
  const url = new URL(name === 'PostgreSQL' ? ADMIN_DATABASE_URL : REDIS_URL);
  if (await reachable(url.toString(), defaultPort)) return null;
  const port = Number(url.port || defaultPort);
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
  const { url, drop } = await createThrowawayDatabase(ADMIN_DATABASE_URL, 'parley_test_');
  return { url, drop };
}

/** A random lower-case name for a schema or a Redis prefix. */
export function randomName(prefix: string): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}
