/**
 * The real reference server, run as a child process of its CLI the way a user
 * runs it: dev auth (or a JWT secret), SQLite in a temp directory, the example
 * pages and browser bundles served beside the socket. It can be stopped and started again on the
 * same port and data, which is what an outage looks like to a browser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { SERVER_START_MS } from './bounds.js';
import { stopChild } from './service-process.js';
import { CLI, ELEMENTS_BUNDLE, ROOT, STATIC_ROOTS } from './paths.js';

/** Raised when the server process cannot be started or stopped. */
export class ServerProcessError extends Error {
  override name = 'ServerProcessError';
}

const LISTENING = /listening on (http:\/\/\S+)/;

/** A free TCP port on 127.0.0.1 (the OS picks it; the server binds it right after). */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new ServerProcessError('no free port');
  return address.port;
}

/** Options of {@link ParleyServerProcess}. */
export interface ServerProcessOptions {
  /** Other origins whose pages may use this server (its own origin is always allowed). */
  extraOrigins?: readonly string[];
  /** Dev auth (the default); without it give the JWT secret in `env`. */
  dev?: boolean;
  /** No origin allow-list: the server's same-host check decides (behind a proxy, with `--trust-proxy`). */
  sameHostOnly?: boolean;
  /** More flags. */
  args?: readonly string[];
  /** More environment variables. */
  env?: Readonly<Record<string, string>>;
  /** More directories served, looked up before the usual ones. */
  extraStatic?: readonly string[];
}

/** A reference server process; `start()` it, `dispose()` it in teardown. */
export class ParleyServerProcess {
  #child: ChildProcess | null = null;
  #port = 0;
  #dataDir = '';
  #output = '';
  readonly #options: ServerProcessOptions;

  constructor(options: ServerProcessOptions = {}) {
    this.#options = options;
  }

  /** The port, chosen at the first start. */
  get port(): number {
    if (this.#port === 0) throw new ServerProcessError('the server has not been started');
    return this.#port;
  }


  /** `http://127.0.0.1:<port>` once started (kept while stopped, for the restart). */
  get url(): string {
    if (this.#port === 0) throw new ServerProcessError('the server has not been started');
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Whether a server process is running now. */
  get running(): boolean {
    return this.#child !== null;
  }

  /**
   * Starts the server: on a free port the first time, then on the same port
   * and the same data directory. Resolves once it is listening.
   */
  async start(): Promise<void> {
    if (this.#child) return;
    for (const path of [CLI, ELEMENTS_BUNDLE]) {
      if (!existsSync(path)) throw new ServerProcessError(`${path} is missing: run \`npm run build\` first`);
    }
    this.#dataDir ||= await mkdtemp(join(tmpdir(), 'parley-e2e-'));
    // The port is fixed before the first start: the origin allow-list names it.
    this.#port ||= await freePort();
    const { dev = true, sameHostOnly = false, extraOrigins = [], extraStatic = [] } = this.#options;
    const origins = sameHostOnly ? '' : [`http://127.0.0.1:${this.#port}`, ...extraOrigins].join(',');
    const args = [CLI, ...(dev ? ['--dev'] : []), '--host', '127.0.0.1', '--port', String(this.#port), '--data-dir', this.#dataDir];
    for (const dir of [...extraStatic, ...STATIC_ROOTS]) args.push('--serve', dir);
    args.push(...(this.#options.args ?? []));
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PARLEY_ALLOWED_ORIGINS: origins, ...this.#options.env },
    });
    this.#child = child;
    this.#output = '';
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (this.#output += chunk));
    child.once('exit', () => {
      if (this.#child === child) this.#child = null;
    });

    await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => fail(`did not start within ${SERVER_START_MS} ms`), SERVER_START_MS);
      const fail = (why: string): void => {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.kill('SIGKILL');
        reject(new ServerProcessError(`parley-server ${why}\n${this.#output}`));
      };
      const onExit = (code: number | null, signal: string | null): void => fail(`exited (${signal ?? code}) before listening`);
      child.once('exit', onExit);
      child.stdout?.on('data', (chunk: string) => {
        this.#output += chunk;
        const match = LISTENING.exec(this.#output);
        if (match?.[1]) {
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve(match[1]);
        }
      });
    });
  }

  /** Stops the server gracefully (SIGTERM: it drains), killing it if that hangs. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    await stopChild(child, 'SIGTERM');
  }

  /** Stops the server and removes its data directory. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.#dataDir) await rm(this.#dataDir, { recursive: true, force: true });
    this.#dataDir = '';
  }
}
