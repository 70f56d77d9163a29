/**
 * A redis-server of a test's own, on a free port of 127.0.0.1, without
 * persistence: cluster tests restart or kill it without touching the
 * machine's Redis.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
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
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${String(code)}: ${out}`));
    });
  });
  return child;
}
