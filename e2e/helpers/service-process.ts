/**
 * A long-running child process (a server) started by a test: it counts as
 * started once its output matches a line, and everything it printed is kept
 * for the test's assertions and failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { SERVER_START_MS, SERVER_STOP_MS } from './bounds.js';

/** Raised when the process exits or stays silent before it is ready. */
export class ServiceStartError extends Error {
  override name = 'ServiceStartError';
}

/** How to start a {@link ServiceProcess}. */
export interface ServiceOptions {
  cwd: string;
  /** The whole environment of the process. */
  env: NodeJS.ProcessEnv;
  /** Output (stdout or stderr) that says the process is ready. */
  ready: RegExp;
}

/** See the module comment. */
export class ServiceProcess {
  #output = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => (this.#output += chunk));
    }
  }

  /** Everything printed so far, stdout and stderr interleaved. */
  get output(): string {
    return this.#output;
  }

  /** Starts `command` and resolves once its output matches `ready` (bounded by {@link SERVER_START_MS}). */
  static async start(name: string, command: string, args: readonly string[], options: ServiceOptions): Promise<ServiceProcess> {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const service = new ServiceProcess(name, child);
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string): void => {
        cleanup();
        child.kill('SIGKILL');
        reject(new ServiceStartError(`${name} ${why}\n${service.output}`));
      };
      const timer = setTimeout(() => fail(`was not ready within ${SERVER_START_MS} ms`), SERVER_START_MS);
      const onExit = (code: number | null, signal: string | null): void => fail(`exited (${signal ?? code}) before it was ready`);
      const onData = (): void => {
        if (!options.ready.test(service.output)) return;
        cleanup();
        resolve();
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
      };
      child.once('exit', onExit);
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
    });
    return service;
  }

  /** SIGTERM, then SIGKILL if it has not exited within {@link SERVER_STOP_MS}. */
  stop(): Promise<void> {
    return stopChild(this.child, 'SIGTERM');
  }
}

/** Sends `signal` (the process's own graceful stop) and SIGKILL if it has not exited within {@link SERVER_STOP_MS}. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
