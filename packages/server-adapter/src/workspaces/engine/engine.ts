/**
 * The workspace engine: every Yjs merge of the server's workspace documents
 * runs here, on a few worker threads, never on the main thread (see
 * docs/decisions/0012). Each room's document lives on one thread, chosen by
 * a hash of the room id, so one room's jobs run in order. A job runs under
 * a budget: `update` for one client's update, `document` for work on a whole
 * document (loading, folding, encoding); past it the job fails with
 * {@link EngineBudgetError} and its thread is replaced (see `engine-thread.ts`).
 * Threads start with their first job.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Budget } from './engine-errors.js';
import { SKIPPED } from './engine-thread.js';
import { EngineThread } from './engine-thread.js';
import type { DocHooks, ThreadJob } from './engine-thread.js';
import type { ApplyOutcome, EngineOp, EngineOps, EngineResult, MergeOutcome } from './engine-protocol.js';
import { spawnEngineWorker } from './spawn.js';

export { SKIPPED };
export type { DocHooks };

/** What the engine reports for `/metrics`. */
export interface EngineMetrics {
  /** A job ran past its `budget` and its thread was replaced. */
  overBudget(budget: Budget): void;
}

/** How the engine is set up. */
export interface EngineOptions {
  /** Worker threads (rooms are spread over them). */
  threads: number;
  /** Milliseconds a job of each kind may run. */
  budgets: Readonly<Record<Budget, number>>;
  logger: Logger;
  metrics?: EngineMetrics;
  /** Starts a worker (tests may wrap it); defaults to the engine's own worker module. */
  spawn?: (port: MessagePort) => Worker;
}

/** See the module comment. */
export class WorkspaceEngine {
  readonly #threads: EngineThread[];

  /** Creates the engine; no thread starts before its first job. */
  constructor(options: EngineOptions) {
    const count = Math.max(1, Math.floor(options.threads));
    this.#threads = Array.from(
      { length: count },
      (_, index) =>
        new EngineThread({
          budgets: options.budgets,
          logger: options.logger.child({ engineThread: index }),
          spawn: options.spawn ?? spawnEngineWorker,
          onOverBudget: (budget) => options.metrics?.overBudget(budget),
        }),
    );
  }

  /** Threads running a job now. */
  get busyThreads(): number {
    return this.#threads.filter((thread) => thread.busy).length;
  }

  /**
   * Loads `room`'s document from its stored parts. `hooks` are asked to read
   * it again should its thread be replaced later. Rejects with
   * {@link EngineBudgetError} when loading takes longer than the document budget.
   */
  open(room: string, parts: Uint8Array[], hooks: DocHooks): Promise<void> {
    const thread = this.#threadOf(room);
    return new Promise((resolve, reject) => {
      thread.run({
        request: { op: 'load', doc: room, parts },
        needs: null,
        budget: 'document',
        resolve: () => {
          // Registered before any other job can run, so a later restart knows to restore it.
          thread.register(room, hooks);
          resolve();
        },
        reject,
      });
    });
  }

  /**
   * Applies a client's update under the update budget. `maxBytes` asks for
   * a size check first; `skip` is asked just before it would run (a refused
   * sender's later updates are dropped).
   */
  apply(room: string, update: Uint8Array, maxBytes: number | null, skip: () => boolean): Promise<ApplyOutcome | typeof SKIPPED> {
    return this.#enqueue(this.#threadOf(room), { op: 'apply', doc: room, update, maxBytes }, room, 'update', skip);
  }

  /** Applies updates that are already stored (by another node, or found in storage) under the document budget. */
  merge(room: string, parts: Uint8Array[]): Promise<MergeOutcome> {
    return this.#run(room, { op: 'merge', doc: room, parts }, 'document');
  }

  /** The document's state vector. */
  stateVector(room: string): Promise<Uint8Array> {
    return this.#run(room, { op: 'stateVector', doc: room }, 'document');
  }

  /** What a client with `stateVector` lacks; null when the state vector is malformed. */
  diff(room: string, stateVector: Uint8Array): Promise<Uint8Array | null> {
    return this.#run(room, { op: 'diff', doc: room, stateVector }, 'document');
  }

  /** The document's whole state as one update. */
  encode(room: string): Promise<Uint8Array> {
    return this.#run(room, { op: 'encode', doc: room }, 'document');
  }

  /** Folds stored parts into one update (compaction), on `room`'s thread, under the document budget. */
  fold(room: string, parts: Uint8Array[]): Promise<Uint8Array> {
    return this.#enqueue(this.#threadOf(room), { op: 'fold', parts }, null, 'document');
  }

  /** Forgets `room`'s document. */
  drop(room: string): void {
    const thread = this.#threadOf(room);
    thread.unregister(room);
    this.#enqueue(thread, { op: 'drop', doc: room }, null, 'document').catch(() => undefined);
  }

  /** Stops every thread at once (interrupting running jobs); pending jobs fail with `EngineClosedError`. */
  async close(): Promise<void> {
    await Promise.all(this.#threads.map((thread) => thread.close()));
  }

  #threadOf(room: string): EngineThread {
    return this.#threads[roomHash(room) % this.#threads.length];
  }

  #run<K extends EngineOp>(room: string, request: { op: K } & EngineOps[K]['request'], budget: Budget): Promise<EngineResult<K>> {
    return this.#enqueue(this.#threadOf(room), request, room, budget);
  }

  #enqueue<K extends EngineOp>(
    thread: EngineThread,
    request: { op: K } & EngineOps[K]['request'],
    needs: string | null,
    budget: Budget,
    skip?: () => boolean,
  ): Promise<EngineResult<K>> {
    // A skipped job resolves with SKIPPED instead; only `apply` passes `skip`, and its type says so.
    return new Promise((resolve, reject) => {
      const job: ThreadJob = {
        request: request as ThreadJob['request'],
        needs,
        budget,
        resolve,
        reject,
      };
      if (skip) job.skip = skip;
      thread.run(job);
    });
  }
}

/** FNV-1a over UTF-16 code units: spreads rooms over threads without coordination. */
function roomHash(room: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < room.length; i++) {
    hash ^= room.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
