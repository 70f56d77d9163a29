/**
 * The mediasoup workers calls run on: started on the first call (a
 * chat-only server never spawns one), one per configured core, each new
 * call on the least loaded. A worker that dies is replaced; its calls are
 * the registry's to end (their routers died with it).
 *
 * No worker binary, or one that does not start, turns calls off with one
 * clear log line; `unavailable` then says why, for the `call_unavailable`
 * answer. Chat is never affected.
 */
import type * as MediasoupModule from 'mediasoup';
import type { Worker } from 'mediasoup/types';
import type { Logger } from 'pino';
import type { MediaCounter } from './media-counter.js';
import { locateWorkerBinary } from './worker-binary.js';

type Mediasoup = typeof MediasoupModule;

/** What the pool needs to know. */
export interface WorkerPoolOptions {
  /** How many workers. */
  size: number;
  logger: Logger;
  counter: MediaCounter;
  /** A worker died (its routers are closed already); called before its replacement starts. */
  onDied(worker: Worker): void;
}

/** Said to clients when the server hides the details (paths) that are in its log. */
const UNAVAILABLE_FOR_CLIENTS = 'calls are unavailable on this server: its media worker could not be started';

/** Loads mediasoup with the worker binary the server found, or says why it cannot. */
async function loadMediasoup(logger: Logger): Promise<Mediasoup> {
  const found = locateWorkerBinary();
  if (found.path === null) throw new Error(found.reason);
  // mediasoup reads MEDIASOUP_WORKER_BIN once, when first imported.
  process.env.MEDIASOUP_WORKER_BIN = found.path;
  const mediasoup = await import('mediasoup');
  if (mediasoup.workerBin !== found.path) {
    logger.warn({ workerBin: mediasoup.workerBin, found: found.path }, 'mediasoup was imported earlier with another worker binary; using that one');
  }
  return mediasoup;
}

/** See the module comment. */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #workers: Worker[] = [];
  readonly #load = new Map<Worker, number>();
  #mediasoup: Mediasoup | null = null;
  #starting: Promise<void> | null = null;
  #unavailable: string | null = null;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Why calls are off (for clients), or null while they may work. */
  get unavailable(): string | null {
    return this.#unavailable;
  }

  /** Live workers. */
  get size(): number {
    return this.#workers.length;
  }

  /**
   * Checks, without starting anything, that a worker binary exists; logs one
   * warning when not, so the log says at startup that calls are off.
   */
  precheck(): void {
    const found = locateWorkerBinary();
    if (found.path !== null) return;
    this.#disable(`calls are off: ${found.reason}`);
  }

  /**
   * A live worker for a new call: the one with the fewest calls. Starts the
   * pool on first use; resolves null when calls are unavailable (see
   * {@link unavailable}).
   */
  async acquire(): Promise<Worker | null> {
    if (this.#unavailable !== null || this.#closed) return null;
    if (this.#workers.length === 0) {
      this.#starting ??= this.#start().finally(() => {
        this.#starting = null;
      });
      await this.#starting;
    }
    let best: Worker | null = null;
    for (const worker of this.#workers) {
      if (!best || (this.#load.get(worker) ?? 0) < (this.#load.get(best) ?? 0)) best = worker;
    }
    if (best) this.#load.set(best, (this.#load.get(best) ?? 0) + 1);
    return best;
  }

  /** Each live worker's process id and number of calls. */
  loads(): Array<[pid: number, calls: number]> {
    return this.#workers.map((worker) => [worker.pid, this.#load.get(worker) ?? 0]);
  }

    /** A call on `worker` ended. */
  release(worker: Worker): void {
    const load = this.#load.get(worker);
    if (load !== undefined) this.#load.set(worker, Math.max(0, load - 1));
  }

  /** Closes every worker (server shutdown). */
  close(): void {
    this.#closed = true;
    for (const worker of this.#workers.splice(0)) worker.close();
    this.#load.clear();
  }

  async #start(): Promise<void> {
    try {
      this.#mediasoup ??= await loadMediasoup(this.#options.logger);
    } catch (error) {
      this.#disable(`calls are off: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const results = await Promise.allSettled(Array.from({ length: this.#options.size }, () => this.#spawn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (this.#workers.length === 0 && failed) {
      this.#disable(`calls are off: the mediasoup worker did not start: ${String(failed.reason)}`);
    } else if (failed) {
      this.#options.logger.warn({ err: failed.reason }, 'a mediasoup worker did not start; running with fewer');
    }
  }

  async #spawn(): Promise<Worker> {
    const mediasoup = this.#mediasoup;
    if (!mediasoup) throw new Error('mediasoup is not loaded');
    const worker = await mediasoup.createWorker({ logLevel: 'warn', disableLiburing: true });
    if (this.#closed) {
      worker.close();
      throw new Error('the server is closing');
    }
    this.#options.counter.watch(worker);
    this.#workers.push(worker);
    this.#load.set(worker, 0);
    worker.on('died', (error) => this.#died(worker, error));
    this.#options.logger.info({ pid: worker.pid }, 'mediasoup worker started');
    return worker;
  }

  #died(worker: Worker, error: Error): void {
    const index = this.#workers.indexOf(worker);
    if (index >= 0) this.#workers.splice(index, 1);
    this.#load.delete(worker);
    this.#options.logger.error({ pid: worker.pid, err: error }, 'mediasoup worker died; replacing it and asking its calls to rejoin');
    try {
      this.#options.onDied(worker);
    } finally {
      if (!this.#closed) {
        // Joins that come meanwhile wait for the replacement when no worker is left.
        this.#starting ??= this.#spawn()
          .then(() => undefined)
          .catch((spawnError: unknown) => {
            this.#options.logger.error({ err: spawnError }, 'the replacement mediasoup worker did not start');
          })
          .finally(() => {
            this.#starting = null;
          });
      }
    }
  }

  #disable(reason: string): void {
    if (this.#unavailable !== null) return;
    this.#unavailable = UNAVAILABLE_FOR_CLIENTS;
    this.#options.logger.warn(reason);
  }
}
