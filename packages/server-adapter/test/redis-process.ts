/**
 * A redis-server of a test's own, on a free port of 127.0.0.1, without
 * persistence: cluster tests restart or kill it without touching the
 * machine's Redis.
 */
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startRedisServer } from '../../../test-support/services.mjs';
import { serviceMissing } from './service-helpers.js';

/** Why cluster tests (PostgreSQL plus a redis-server of their own) cannot run here, or null; throws in CI. */
export async function clusterServicesMissing(): Promise<string | null> {
  const pg = await serviceMissing('PostgreSQL');
  if (pg) return pg;
  if (spawnSync('redis-server', ['--version']).error) {
    const reason = 'redis-server is not installed';
    if (process.env.CI === 'true') throw new Error(`${reason} (required in CI)`);
    return reason;
  }
  return null;
}

/** Starts redis-server on `port`; resolves once it accepts connections. */
export function startRedis(port: number): Promise<ChildProcess> {
  return startRedisServer(port);
}
