/**
 * Group commit for SQLite. With `synchronous=FULL` every commit waits for an
 * fsync, and better-sqlite3 waits on the main thread; committing each chat
 * message on its own would cap throughput at a few thousand per second and
 * stall every socket meanwhile. Writes requested in the same turn of the event
 * loop therefore share one transaction: each runs in its own savepoint (so a
 * failing write changes nothing and does not affect its neighbours), the batch
 * commits once, and only then are the callers' promises settled. "Resolved"
 * still means "durably committed".
 */

/** The statements the queue needs (prepared once by the store). */
export interface TransactionStatements {
  begin: { run(): unknown };
  commit: { run(): unknown };
  rollback: { run(): unknown };
  savepoint: { run(): unknown };
  release: { run(): unknown };
  rollbackTo: { run(): unknown };
}

interface PendingWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Runs synchronous database writes in shared transactions. */
export class WriteQueue {
  readonly #tx: TransactionStatements;
  readonly #inTransaction: () => boolean;
  readonly #maxBatch: number;
  readonly #beforeCommit: (() => void) | null;
  #pending: PendingWrite[] = [];
  #scheduled = false;

  /**
   * @param tx prepared BEGIN IMMEDIATE / COMMIT / ROLLBACK / SAVEPOINT statements
   * @param inTransaction reports whether the connection still has an open transaction
   * @param options.maxBatch most writes per transaction, which bounds how long one commit holds the lock
   * @param options.beforeCommit runs inside each transaction that has at least one successful
   *   write, just before COMMIT (bulk work such as indexing); if it throws, the whole batch fails
   */
  constructor(
    tx: TransactionStatements,
    inTransaction: () => boolean,
    options: { maxBatch?: number; beforeCommit?: () => void } = {},
  ) {
    this.#tx = tx;
    this.#inTransaction = inTransaction;
    this.#maxBatch = options.maxBatch ?? 512;
    this.#beforeCommit = options.beforeCommit ?? null;
  }

  /** Queues `work`; resolves with its result once the transaction that ran it has committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#onTick);
      }
    });
  }

  /** Runs everything queued so far, synchronously (used before closing). */
  flush(): void {
    while (this.#pending.length > 0) this.#runBatch();
  }

  readonly #onTick = (): void => {
    this.#scheduled = false;
    this.#runBatch();
    if (this.#pending.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onTick);
    }
  };

  #runBatch(): void {
    if (this.#pending.length === 0) return; // flushed by close() before this turn came
    const batch = this.#pending.length <= this.#maxBatch ? this.#pending : this.#pending.slice(0, this.#maxBatch);
    this.#pending = batch === this.#pending ? [] : this.#pending.slice(batch.length);
    let outcomes: Outcome[];
    try {
      outcomes = this.#execute(batch);
    } catch (error) {
      // BEGIN or COMMIT failed, or SQLite rolled the whole transaction back: nothing was committed.
      let reason = error;
      try {
        if (this.#inTransaction()) this.#tx.rollback.run();
      } catch (rollbackError) {
        reason = new AggregateError([error, rollbackError], 'write failed and could not be rolled back');
      }
      for (const write of batch) write.reject(reason);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const outcome = outcomes[i];
      if (outcome.ok) batch[i].resolve(outcome.value);
      else batch[i].reject(outcome.error);
    }
  }

  #execute(batch: readonly PendingWrite[]): Outcome[] {
    const outcomes: Outcome[] = [];
    this.#tx.begin.run();
    if (batch.length === 1) {
      try {
        outcomes.push({ ok: true, value: batch[0].work() });
      } catch (error) {
        if (this.#inTransaction()) this.#tx.rollback.run();
        return [{ ok: false, error }];
      }
    } else {
      for (const write of batch) {
        this.#tx.savepoint.run();
        let value: unknown;
        try {
          value = write.work();
        } catch (error) {
          // Some errors (disk full, I/O) make SQLite abandon the whole
          // transaction; then the earlier writes are lost too.
          if (!this.#inTransaction()) throw error;
          this.#tx.rollbackTo.run();
          this.#tx.release.run();
          outcomes.push({ ok: false, error });
          continue;
        }
        this.#tx.release.run();
        outcomes.push({ ok: true, value });
      }
    }
    if (this.#beforeCommit && outcomes.some((o) => o.ok)) this.#beforeCommit();
    this.#tx.commit.run();
    return outcomes;
  }
}
