/**
 * Child processes of a run: spawning, the ready handshake, IPC requests with
 * timeouts, and cleanup. Every child is registered so that a failure, the
 * end of the run or Ctrl-C kills all of them.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TimeoutError, withTimeout } from './clock.js';
import type { IpcReply, ProcessStats } from './ipc.js';

/** How a child is started. */
export interface ChildOptions {
  /** A name for messages. */
  name: string;
  /** Arguments after the script. */
  args?: string[];
  /** Resolve `@parley/*` to TypeScript sources (our server); peers run without it. */
  sourceConditions?: boolean;
  /** Raise the soft open-file limit of the child to this many descriptors. */
  fdLimit?: number;
  /** Extra Node flags (for example `--cpu-prof`). */
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** How long the child may take to print its ready line. */
  readyTimeoutMs?: number;
}

const live = new Set<Child>();
/** Lines of output kept per child for error messages. */
const KEEP_LINES = 40;

/** A running child process. */
export class Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** What the child announced in its ready line. */
  ready: Record<string, unknown> = {};
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #output: string[] = [];
  readonly exited: Promise<number | null>;
  #nextId = 1;
  #exitCode: number | null | undefined;

  constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.process = child;
    live.add(this);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exitCode = code ?? (signal ? -1 : null);
        live.delete(this);
        for (const pending of this.#pending.values()) pending.reject(new Error(`${name} exited (${code ?? signal})${this.tail()}`));
        this.#pending.clear();
        resolve(code);
      });
    });
    child.on('message', (raw: unknown) => {
      const reply = raw as IpcReply;
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new Error(`${name}: ${reply.error}`));
    });
    child.on('error', () => undefined);
  }

  /** Whether the process has exited. */
  get gone(): boolean {
    return this.#exitCode !== undefined;
  }

  /** Keeps a line of the child's output for error reports. */
  remember(line: string): void {
    this.#output.push(line);
    if (this.#output.length > KEEP_LINES) this.#output.shift();
  }

  /** The last lines the child printed, for error messages. */
  tail(): string {
    return this.#output.length ? `\n  ${this.#output.slice(-10).join('\n  ')}` : '';
  }

  /** Sends a command and waits for its answer. */
  call<T = unknown>(type: string, payload: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    if (this.gone || !this.process.connected) return Promise.reject(new Error(`${this.name} is not running${this.tail()}`));
    const id = this.#nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    this.process.send({ ...payload, id, type });
    return withTimeout(answer, timeoutMs, `${this.name} ${type}`).catch((error: unknown) => {
      this.#pending.delete(id);
      throw error;
    });
  }

  /** CPU time and memory of the child, as it measures them itself. */
  stats(): Promise<ProcessStats> {
    return this.call<ProcessStats>('stats');
  }

  /** Runs a full garbage collection in the child, then reports its stats. */
  gc(): Promise<ProcessStats> {
    return this.call<ProcessStats>('gc');
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.gone) return;
    this.process.kill('SIGTERM');
    try {
      await withTimeout(this.exited, graceMs, `${this.name} stop`);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Starts `script` (a path relative to bench/) under Node with tsx and waits for its ready line. */
export async function startChild(script: string, options: ChildOptions): Promise<Child> {
  const file = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const nodeArgs = [
    '--import',
    'tsx',
    '--expose-gc',
    ...(options.sourceConditions ? ['--conditions=source'] : []),
    ...(options.nodeFlags ?? []),
    file,
    ...(options.args ?? []),
  ];
  const env = { ...process.env, ...options.env };
  const stdio: Array<'ignore' | 'pipe' | 'ipc'> = ['ignore', 'pipe', 'pipe', 'ipc'];
  // `ulimit -n` in a shell that then becomes Node keeps the IPC descriptor and raises only this child's limit.
  const spawned = options.fdLimit
    ? spawn('/bin/sh', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, ...nodeArgs], { stdio, env })
    : spawn(process.execPath, nodeArgs, { stdio, env });
  const child = new Child(options.name, spawned);
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffer = '';
    spawned.stdout?.setEncoding('utf8');
    spawned.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.startsWith('{"ready":')) resolve((JSON.parse(line) as { ready: Record<string, unknown> }).ready);
        else child.remember(line);
      }
    });
    spawned.stderr?.setEncoding('utf8');
    spawned.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) child.remember(line);
    });
    void child.exited.then((code) => reject(new Error(`${options.name} exited with ${code} before it was ready${child.tail()}`)));
  });
  try {
    child.ready = await withTimeout(ready, options.readyTimeoutMs ?? 60_000, `${options.name} start`);
  } catch (error) {
    spawned.kill('SIGKILL');
    throw error;
  }
  return child;
}

/** Stops every child still running (end of a scenario). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop()));
}

/** Kills every child at once; safe to call from exit handlers. */
export function killAll(): void {
  for (const child of live) child.process.kill('SIGKILL');
}

/** Children are killed when the harness exits, is interrupted or is terminated. */
export function installCleanup(): void {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.stderr.write(`\nbench: ${signal}, children killed\n`);
      process.exit(130);
    });
  }
}
