/**
 * Group commit for PostgreSQL, on one dedicated writer connection per node.
 *
 * Writes are committed in the order they were handed over (the connection
 * layer relies on that to pipeline one client's sends), and every write that
 * queued up while the previous transaction committed shares the next one:
 * each runs in its own savepoint, so a failing write changes nothing and does
 * not affect its neighbours, the batch commits once, and only then are the
 * callers' promises settled. "Resolved" means "committed".
 *
 * Before the batch runs, the room counter rows it will take are locked in id
 * order, so batches of different nodes never deadlock on rooms; any other
 * deadlock or serialization failure retries the whole batch (nothing of it
 * was committed, so running it again is safe).
 */
import type { PoolClient } from 'pg';
import { isUnavailable } from './errors.js';

/** A write: runs its statements on the writer connection, inside the batch transaction. */
export type PgWork<T> = (client: PoolClient) => Promise<T>;

interface PendingWrite {
  work: PgWork<unknown>;
  /** Rooms whose counter row the write takes (locked up front, in order). */
  rooms: readonly string[];
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** SQLSTATEs after which the whole transaction is retried. */
const RETRYABLE = new Set(['40P01', '40001']);

/** Attempts per batch before its writes are rejected. */
const MAX_ATTEMPTS = 5;

/** Runs writes in shared, ordered transactions on one connection. */
export class PgWriteQueue {
  readonly #connect: () => Promise<PoolClient>;
  readonly #maxBatch: number;
  #client: PoolClient | null = null;
  #pending: PendingWrite[] = [];
  #running: Promise<void> | null = null;

  /**
   * @param connect gives the writer connection (called again after it broke)
   * @param maxBatch most writes per transaction, which bounds how long one batch holds its locks
   */
  constructor(connect: () => Promise<PoolClient>, maxBatch = 256) {
    this.#connect = connect;
    this.#maxBatch = maxBatch;
  }

  /** Queues `work`; resolves with its result once the transaction that ran it committed. */
  run<T>(work: PgWork<T>, rooms: readonly string[] = []): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, rooms, resolve: resolve as (value: unknown) => void, reject });
      this.#running ??= this.#drain();
    });
  }

  /** Resolves once every write queued so far has settled; then releases the connection. */
  async close(): Promise<void> {
    while (this.#running) await this.#running;
    this.#client?.release();
    this.#client = null;
  }

  async #drain(): Promise<void> {
    // Let the writes of this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, this.#maxBatch);
        await this.#runBatch(batch);
      }
    } finally {
      this.#running = null;
    }
  }

  async #runBatch(batch: PendingWrite[]): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      let client: PoolClient;
      try {
        client = await this.#writer();
      } catch (error) {
        lastError = error;
        break;
      }
      try {
        const outcomes = await this.#execute(client, batch);
        batch.forEach((write, i) => {
          const outcome = outcomes[i];
          if (outcome.ok) write.resolve(outcome.value);
          else write.reject(outcome.error);
        });
        return;
      } catch (error) {
        // A connection that failed or stopped answering is dropped as is: a ROLLBACK on it would only wait again.
        const lost = isUnavailable(error) && !hasSqlState(error);
        const broken = lost || !(await client.query('ROLLBACK').then(() => true, () => false));
        if (broken) this.#discard(client, error);
        if (error instanceof ExpectedFailure) {
          batch[0].reject(error.original);
          return;
        }
        lastError = error;
        // A deadlock is retried; a broken connection once, on a fresh one (the old one may have gone stale
        // while idle); a database that cannot be reached is reported at once, so the answer stays bounded.
        if (RETRYABLE.has(sqlState(error))) continue;
        if (!broken || attempt > 1 || !(await this.#reachable())) break;
      }
    }
    for (const write of batch) write.reject(lastError);
  }

  async #execute(client: PoolClient, batch: readonly PendingWrite[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    await client.query('BEGIN');
    const rooms = [...new Set(batch.flatMap((write) => write.rooms))].sort();
    if (rooms.length > 0) {
      await client.query('SELECT 1 FROM rooms WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [rooms]);
    }
    const single = batch.length === 1;
    for (const write of batch) {
      if (!single) await client.query('SAVEPOINT op');
      try {
        const value = await write.work(client);
        if (!single) await client.query('RELEASE SAVEPOINT op');
        outcomes.push({ ok: true, value });
      } catch (error) {
        // A retryable failure or a broken connection takes the whole batch.
        if (RETRYABLE.has(sqlState(error)) || !hasSqlState(error) && !isExpected(error)) throw error;
        if (single) throw new ExpectedFailure(error);
        await client.query('ROLLBACK TO SAVEPOINT op');
        await client.query('RELEASE SAVEPOINT op');
        outcomes.push({ ok: false, error });
      }
    }
    await client.query('COMMIT');
    return outcomes;
  }

  /** Whether a fresh writer connection can be had (the old one was discarded). */
  async #reachable(): Promise<boolean> {
    return this.#writer().then(
      () => true,
      () => false,
    );
  }

  async #writer(): Promise<PoolClient> {
    if (this.#client) return this.#client;
    const client = await this.#connect();
    client.on('error', (error) => this.#discard(client, error));
    this.#client = client;
    return client;
  }

  #discard(client: PoolClient, error: unknown): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.release(error instanceof Error ? error : true);
  }
}

/** A single write failed on its own: roll back, reject it, no retry. */
class ExpectedFailure extends Error {
  constructor(readonly original: unknown) {
    super('write failed');
  }
}

/** Whether `error` is a failure the write reports itself (a typed storage error). */
function isExpected(error: unknown): boolean {
  return error instanceof Error && error.name === 'StorageError';
}

function hasSqlState(error: unknown): boolean {
  return sqlState(error) !== '';
}

/** The SQLSTATE of a PostgreSQL error, or ''. */
export function sqlState(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : '';
}
