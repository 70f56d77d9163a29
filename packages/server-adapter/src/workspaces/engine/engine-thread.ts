/**
 * One engine thread as the main thread sees it: a worker thread, its queue
 * of jobs, and the watchdog. Jobs run one at a time in queue order, each
 * under the budget of its kind, counted in the thread's CPU time where the
 * system tells it (`thread-cpu.ts`; time spent waiting for a core on a busy
 * machine does not count, up to {@link MAX_WALL_FACTOR} times the budget);
 * a job still running when its budget is spent is refused and the thread
 * terminated (`Worker.terminate()` interrupts running JavaScript), so
 * nothing it did survives. The documents the thread
 * held are then lost: before the next job that needs one runs, the document
 * is read again from storage (its owner's `restore`) and loaded on a fresh
 * thread; one that cannot be loaded within the budget is given up
 * (`broken`). Queued jobs simply run after that, in order.
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { EngineBudgetError, EngineClosedError, EngineDocumentGone } from './engine-errors.js';
import type { Budget } from './engine-errors.js';
import type { EngineReady, EngineReply, EngineRequest } from './engine-protocol.js';
import { threadCpuMs } from './thread-cpu.js';

/** What the engine asks of a document's owner when the thread holding it was lost. */
export interface DocHooks {
  /** The document's stored parts (snapshot, then log), read once everything it accepted is stored. */
  restore(): Promise<Uint8Array[]>;
  /** The document could not be loaded again within its budget: it is off the engine for good. */
  broken(error: EngineBudgetError): void;
}

/** The value a job resolves with when its `skip` said so. */
export const SKIPPED: unique symbol = Symbol('skipped');

/** One unit of work. */
export interface ThreadJob {
  request: EngineRequest;
  /** The room whose document must be on the thread for this job; null when it needs none (load, fold, drop). */
  needs: string | null;
  budget: Budget;
  /** Asked just before the job would run: true drops it (it resolves with {@link SKIPPED}). */
  skip?: () => boolean;
  /** Called with the result, synchronously when the reply arrives (before the next job starts). */
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** How a thread is set up. */
export interface ThreadOptions {
  /** Milliseconds each kind of job may run. */
  budgets: Readonly<Record<Budget, number>>;
  logger: Logger;
  /** Starts the worker; `port` is its end of the channel, passed in `workerData` and the transfer list. */
  spawn(port: MessagePort): Worker;
  /** A job ran past its budget (and the thread was terminated). */
  onOverBudget?(budget: Budget): void;
}

/** Longest a new thread may take to load Yjs and say it is ready. */
const START_TIMEOUT_MS = 60_000;
/** A job that has not used its CPU budget yet is still stopped after this many times the budget in wall time. */
const MAX_WALL_FACTOR = 10;
/** Shortest wait before looking at a job's CPU time again (ms). */
const MIN_RECHECK_MS = 10;

/** See the module comment. */
export class EngineThread {
  readonly #options: ThreadOptions;
  #worker: Worker | null = null;
  #port: MessagePort | null = null;
  readonly #queue: ThreadJob[] = [];
  #running: ThreadJob | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** The worker's kernel thread id (null: budgets count wall time). */
  #tid: number | null = null;
  /** When the running job was posted, in wall time and in the thread's CPU time (ms). */
  #jobStart = { wall: 0, cpu: null as number | null };
  /** Set while the thread starts or a document is read again: nothing runs meanwhile, so order holds. */
  #waiting = false;
  /** Documents loaded on this thread, with their owners. */
  readonly #docs = new Map<string, DocHooks>();
  /** Documents whose thread was terminated: loaded again before their next job. */
  readonly #lost = new Set<string>();
  #closed = false;

  /** Creates an idle thread; the worker starts with the first job. */
  constructor(options: ThreadOptions) {
    this.#options = options;
  }

  /** Whether a job is running now. */
  get busy(): boolean {
    return this.#running !== null;
  }

  /** Queues a job. */
  run(job: ThreadJob): void {
    if (this.#closed) {
      job.reject(new EngineClosedError('the workspace engine is closed'));
      return;
    }
    this.#queue.push(job);
    this.#pump();
  }

  /** Records that `room`'s document is loaded here (call from a load job's `resolve`). */
  register(room: string, hooks: DocHooks): void {
    this.#docs.set(room, hooks);
    this.#lost.delete(room);
  }

  /** Forgets `room`'s document; its later jobs fail with {@link EngineDocumentGone}. */
  unregister(room: string): void {
    this.#docs.delete(room);
    this.#lost.delete(room);
  }

  /** Stops at once: the running job is interrupted, it and every queued job fail with {@link EngineClosedError}. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const worker = this.#worker;
    this.#port?.close();
    this.#worker = null;
    this.#port = null;
    const closed = new EngineClosedError('the workspace engine is closed');
    const running = this.#running;
    this.#running = null;
    running?.reject(closed);
    for (const job of this.#queue.splice(0)) job.reject(closed);
    if (worker) await worker.terminate();
  }

  // ── internals ──────────────────────────────────────────────────────────────

  #pump(): void {
    while (!this.#closed && !this.#running && !this.#waiting) {
      const job = this.#queue.shift();
      if (!job) return;
      if (job.skip?.()) {
        job.resolve(SKIPPED);
        continue;
      }
      if (job.request.op === 'drop' && !this.#worker) {
        job.resolve(null); // nothing to forget on a thread that is not running
        continue;
      }
      const room = job.needs;
      if (room !== null && !this.#docs.has(room)) {
        job.reject(new EngineDocumentGone(`the document of ${room} is not loaded`));
        continue;
      }
      if (room !== null && this.#lost.has(room)) {
        this.#queue.unshift(job);
        this.#wait(this.#restore(room));
        return;
      }
      if (!this.#worker) {
        this.#queue.unshift(job);
        this.#wait(this.#start());
        return;
      }
      this.#post(job);
      return;
    }
  }

  #wait(task: Promise<void>): void {
    this.#waiting = true;
    void task.finally(() => {
      this.#waiting = false;
      this.#pump();
    });
  }

  async #start(): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    let worker: Worker | null = null;
    let tid: number | null = null;
    try {
      const starting = this.#options.spawn(port2);
      worker = starting;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the engine thread did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        const settle = (error?: Error): void => {
          clearTimeout(timer);
          port1.off('message', ready);
          starting.off('error', failed);
          starting.off('exit', exited);
          if (error) reject(error);
          else resolve();
        };
        const ready = (message: EngineReady): void => {
          tid = message.tid;
          settle();
        };
        const failed = (error: Error): void => settle(error);
        const exited = (code: number): void => settle(new Error(`the engine thread exited with ${code} while starting`));
        port1.once('message', ready);
        starting.once('error', failed);
        starting.once('exit', exited);
      });
    } catch (error) {
      port1.close();
      void worker?.terminate();
      // Without a thread nothing can run: the queued jobs fail now, and the next job tries again.
      this.#options.logger.error({ err: error }, 'could not start a workspace engine thread');
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const job of this.#queue.splice(0)) job.reject(failure);
      return;
    }
    if (this.#closed) {
      port1.close();
      void worker.terminate();
      return;
    }
    port1.on('message', (reply: EngineReply) => this.#onReply(port1, reply));
    port1.unref();
    worker.on('error', (error: Error) => this.#onFailure(worker, error));
    worker.on('exit', (code: number) => this.#onFailure(worker, new Error(`the engine thread exited with ${code}`)));
    worker.unref();
    this.#worker = worker;
    this.#port = port1;
    this.#tid = tid;
  }

  #post(job: ThreadJob): void {
    const limitMs = this.#options.budgets[job.budget];
    this.#running = job;
    this.#jobStart = { wall: performance.now(), cpu: threadCpuMs(this.#tid) };
    this.#timer = setTimeout(() => this.#overBudget(job, limitMs), limitMs);
    this.#port!.postMessage(job.request);
  }

  #onReply(port: MessagePort, reply: EngineReply): void {
    if (port !== this.#port) return; // from a thread already given up
    const job = this.#running;
    if (!job) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#running = null;
    if (reply.ok) job.resolve(reply.result);
    else job.reject(new Error(reply.error));
    this.#pump();
  }

  #overBudget(job: ThreadJob, limitMs: number): void {
    if (this.#running !== job || !this.#port) return;
    this.#timer = null;
    // A busy main thread runs timers before it reads messages: a reply already waiting came in time.
    const waiting = receiveMessageOnPort(this.#port);
    if (waiting) {
      this.#onReply(this.#port, waiting.message as EngineReply);
      return;
    }
    const wallMs = performance.now() - this.#jobStart.wall;
    const cpuNow = this.#jobStart.cpu === null ? null : threadCpuMs(this.#tid);
    const spentMs = cpuNow === null || this.#jobStart.cpu === null ? wallMs : cpuNow - this.#jobStart.cpu;
    if (spentMs < limitMs && wallMs < limitMs * MAX_WALL_FACTOR) {
      // It waited for a core more than it ran: it gets the rest of its budget.
      this.#timer = setTimeout(() => this.#overBudget(job, limitMs), Math.max(MIN_RECHECK_MS, limitMs - spentMs));
      return;
    }
    const room = 'doc' in job.request ? job.request.doc : null;
    this.#options.logger.warn(
      { op: job.request.op, room, budgetMs: limitMs, spentMs: Math.round(spentMs), wallMs: Math.round(wallMs) },
      'a workspace job ran past its budget; restarting its engine thread',
    );
    this.#options.onOverBudget?.(job.budget);
    this.#discardThread();
    job.reject(new EngineBudgetError(job.budget, limitMs));
    this.#pump();
  }

  #onFailure(worker: Worker, error: Error): void {
    if (worker !== this.#worker) return;
    this.#options.logger.error({ err: error }, 'a workspace engine thread failed; restarting it');
    const job = this.#running;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#discardThread();
    job?.reject(error);
    this.#pump();
  }

  /** Terminates the thread; every document it held must be loaded again before its next job. */
  #discardThread(): void {
    const worker = this.#worker;
    this.#port?.close();
    this.#worker = null;
    this.#port = null;
    this.#running = null;
    void worker?.terminate();
    for (const room of this.#docs.keys()) this.#lost.add(room);
  }

  /** Reads `room`'s document again and puts its load first in the queue. */
  async #restore(room: string): Promise<void> {
    const hooks = this.#docs.get(room);
    if (!hooks) return;
    let parts: Uint8Array[];
    try {
      parts = await hooks.restore();
    } catch (error) {
      // Storage failed: the jobs waiting for this document fail now; its next job tries again.
      this.#options.logger.error({ err: error, room }, 'could not read a workspace again after its engine thread was restarted');
      this.#failWaiting(room, error);
      return;
    }
    if (this.#closed || this.#docs.get(room) !== hooks) return;
    this.#lost.delete(room);
    this.#queue.unshift({
      request: { op: 'load', doc: room, parts },
      needs: null,
      budget: 'document',
      resolve: () => this.#options.logger.info({ room }, 'workspace loaded again after an engine restart'),
      reject: (error) => {
        if (this.#docs.get(room) !== hooks || error instanceof EngineClosedError) return;
        if (error instanceof EngineBudgetError) {
          this.unregister(room);
          hooks.broken(error);
        } else {
          // The thread failed: the jobs waiting for this document fail too; its next job tries again.
          this.#lost.add(room);
          this.#failWaiting(room, error);
        }
      },
    });
  }

  /** Fails every queued job that needs `room`. */
  #failWaiting(room: string, error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      if (this.#queue[i].needs === room) this.#queue.splice(i, 1)[0].reject(failure);
    }
  }
}
