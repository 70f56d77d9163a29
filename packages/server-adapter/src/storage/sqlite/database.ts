/**
 * The SQLite connection of the embedded store: one file in WAL mode with
 * `synchronous=FULL`, so a resolved write survives a crash or power loss.
 * Writes go through a group-commit queue (`write-queue.ts`); reads run
 * directly. Every concern's store (`rooms.ts`, `messages.ts`…) works
 * through it.
 *
 * Deleted content leaves the file: `secure_delete` zeroes freed space, the
 * full-text index removes a deleted message's words at once, and shortly
 * after a delete (a retention purge, a workspace compaction) a TRUNCATE
 * checkpoint moves the zeroed pages into the database file and empties the
 * WAL, which still held the old pages.
 * With an encryption key the file is SQLCipher (`open-database.ts`).
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { EncryptionKey } from '../../encryption/key.js';
import { ERASING_VERSION, migrate } from './migrations.js';
import { openDatabase } from './open-database.js';
import { indexNewMessages, registerSearchTerms } from './search-index.js';
import { WriteQueue, type TransactionStatements } from './write-queue.js';

/** Where the database lives (an explicit file, or `parley.db` inside a data directory), and how it is kept. */
export type SqliteStorageOptions = ({ file: string } | { dataDir: string }) & {
  /**
   * Encrypts the whole file (SQLCipher 4) with a key derived from this one:
   * 32 bytes, or 64 hex digits or base64 of them. Needs the optional package
   * `better-sqlite3-multiple-ciphers`.
   */
  encryptionKey?: EncryptionKey | string | Uint8Array;
  /**
   * How long after an erasure (a delete, a retention purge, a workspace
   * compaction) the WAL is checkpointed and truncated, which takes the old
   * pages out of it (ms). Erasures within this window share one checkpoint.
   * Default 1000; 0 checkpoints at the next turn of the event loop.
   */
  erasureCheckpointMs?: number;
};

/** File name used inside a data directory. */
export const SQLITE_FILE_NAME = 'parley.db';

/** Default of {@link SqliteStorageOptions.erasureCheckpointMs}. */
export const DEFAULT_ERASURE_CHECKPOINT_MS = 1_000;

/** A checkpoint that another process's reader blocks is retried this many times, then left to the next delete. */
const CHECKPOINT_RETRIES = 10;

/** How a write changes the database beyond its own rows. */
export interface WriteOptions {
  /** It stores messages: the full-text index takes them in before its batch commits. */
  newMessages?: boolean;
}

interface OpenState {
  db: Database.Database;
  queue: WriteQueue;
  /** Set when a write may have added messages the full-text index has not seen. */
  indexDirty: boolean;
  /** The pending erasure checkpoint, if one is scheduled. */
  checkpointTimer: NodeJS.Timeout | null;
  checkpointRetries: number;
}

/** The connection, its write queue and its checkpoints, from `open()` to `close()`. */
export class SqliteDatabase {
  /** Path of the database file. */
  readonly file: string;
  /** Whether the file is encrypted. */
  readonly encrypted: boolean;
  readonly #key: EncryptionKey | null;
  readonly #checkpointMs: number;
  #state: OpenState | null = null;
  #opening: Promise<void> | null = null;

  /**
   * Remembers where the database lives; nothing touches the disk before
   * `open()`. Throws `EncryptionError` for a malformed or weak key.
   */
  constructor(options: SqliteStorageOptions) {
    this.file = 'file' in options ? options.file : join(options.dataDir, SQLITE_FILE_NAME);
    this.#key = options.encryptionKey === undefined ? null : EncryptionKey.from(options.encryptionKey);
    this.encrypted = this.#key !== null;
    this.#checkpointMs = Math.max(0, options.erasureCheckpointMs ?? DEFAULT_ERASURE_CHECKPOINT_MS);
  }

  /**
   * Opens (creating the file owner-only when missing) and migrates. Throws
   * `EncryptionError`: `wrong_key` when the key does not fit the file,
   * `cipher_unavailable` without the cipher package.
   */
  open(): Promise<void> {
    if (this.#state) return Promise.resolve();
    this.#opening ??= this.#openFile().finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }

  async #openFile(): Promise<void> {
    const db = await openDatabase(this.file, this.#key);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('temp_store = MEMORY');
      // Zero freed space (deleted rows, cleared text, pages overflowing long messages).
      db.pragma('secure_delete = ON');
      // Before migrating: the full-text triggers call it.
      registerSearchTerms(db);
      const before = migrate(db);
      db.transaction(() => indexNewMessages(db))();
      // Space freed before deletes zeroed it may still hold deleted text: rewrite the file once.
      if (before > 0 && before < ERASING_VERSION) scrub(db);
      const state: OpenState = {
        db,
        queue: new WriteQueue(transactionStatements(db), () => db.inTransaction, {
          beforeCommit: () => {
            if (!state.indexDirty) return;
            state.indexDirty = false;
            indexNewMessages(db);
          },
        }),
        indexDirty: false,
        checkpointTimer: null,
        checkpointRetries: 0,
      };
      this.#state = state;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Finishes the queued writes, then closes the connection. */
  close(): void {
    const state = this.#state;
    if (!state) return;
    state.queue.flush();
    if (state.checkpointTimer) clearTimeout(state.checkpointTimer);
    this.#state = null;
    // The last connection's close checkpoints and deletes the WAL.
    state.db.close();
  }

  /** The open connection, for reads; throws when the store is not open. */
  connection(): Database.Database {
    return this.#open().db;
  }

  /** Runs `work` in the next group-commit transaction; resolves once that committed. Throws when the store is not open. */
  write<T>(work: (db: Database.Database) => T, options: WriteOptions = {}): Promise<T> {
    const state = this.#open();
    if (!options.newMessages) return state.queue.run(() => work(state.db));
    return state.queue.run(() => {
      state.indexDirty = true;
      return work(state.db);
    });
  }

  /**
   * Copies every committed page into the database file and truncates the
   * WAL to zero bytes; false when another process's reader kept it from
   * finishing.
   */
  checkpoint(): boolean {
    return checkpointTruncate(this.#open().db);
  }

  /** Schedules the checkpoint that takes erased pages out of the WAL; deletes in the window share it. */
  scheduleCheckpoint(): void {
    const state = this.#state;
    if (!state || state.checkpointTimer) return;
    state.checkpointTimer = setTimeout(() => {
      state.checkpointTimer = null;
      if (this.#state !== state) return;
      let done = false;
      try {
        done = checkpointTruncate(state.db);
      } catch {
        // SQLITE_BUSY and the like: retried below.
      }
      if (done || ++state.checkpointRetries > CHECKPOINT_RETRIES) {
        state.checkpointRetries = 0;
        return;
      }
      this.scheduleCheckpoint();
    }, this.#checkpointMs);
    state.checkpointTimer.unref();
  }

  #open(): OpenState {
    if (!this.#state) throw new Error('SqliteStorage is not open');
    return this.#state;
  }
}

/** BEGIN / COMMIT / ROLLBACK and savepoints for the write queue. */
function transactionStatements(db: Database.Database): TransactionStatements {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT op'),
    release: db.prepare('RELEASE op'),
    rollbackTo: db.prepare('ROLLBACK TO op'),
  };
}

/** A TRUNCATE checkpoint; false when a reader of another process kept part of the WAL. */
function checkpointTruncate(db: Database.Database): boolean {
  const rows = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
  return rows[0]?.busy === 0;
}

/** Rewrites the whole file (VACUUM), then empties the WAL: no freed page keeps old content. */
function scrub(db: Database.Database): void {
  db.exec('VACUUM');
  checkpointTruncate(db);
}
