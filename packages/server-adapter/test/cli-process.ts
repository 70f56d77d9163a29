/** The `parley-server` CLI as a child process, for fault tests that SIGKILL it and for cluster tests. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** How long a CLI may take to print its listening line (a loaded machine starts slowly). */
const START_TIMEOUT_MS = 30_000;

export { freePort } from '../../../test-support/services.mjs';

/** A running CLI server. */
export interface CliProcess {
  child: ChildProcess;
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** `ws://127.0.0.1:<port>/v1/ws` */
  wsUrl: string;
}

/** Starts the CLI from source on `port` (0: any); resolves once it prints its listening line. */
export function startCli(options: { dataDir: string; port?: number; args?: string[]; env?: Record<string, string> }): Promise<CliProcess> {
  const args = ['--port', String(options.port ?? 0), '--data-dir', options.dataDir, ...(options.args ?? [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${out} ${err}`));
    }, START_TIMEOUT_MS);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /Parley server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        const port = Number(match[1]);
        resolve({ child, port, base: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/v1/ws` });
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early with ${String(code)}: ${out} ${err}`));
    });
  });
}

/** Resolves with the exit code once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A token from a `--dev` server's token endpoint. */
export async function devToken(base: string, user: string): Promise<string> {
  const res = await fetch(`${base}/v1/dev/token`, { method: 'POST', body: JSON.stringify({ user }) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { token: string }).token;
}
