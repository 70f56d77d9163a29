/**
 * The PostgreSQL connection pool of one node: opening (with migrations),
 * reads on the pool, writes through the ordered group commit of its writer
 * connection (`write-queue.ts`), and closing. Every concern's store
 * (`rooms.ts`, `messages.ts`…) works through it.
 */
import pg from 'pg';
import type { Pool, PoolClient, PoolConfig, QueryResult, QueryResultRow } from 'pg';
import { rethrowUnavailable } from './errors.js';
import { migratePostgres } from './migrations.js';
import { PgWriteQueue, type PgWork } from './write-queue.js';

/** A pool or a connection: anything that runs a parameterized query. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** Where and how to connect. */
export interface PostgresStorageOptions {
  /** `postgres://user:password@host:port/database` (the `DATABASE_URL` of the CLI). */
  connectionString: string;
  /**
   * Schema holding Parley's tables, created when missing; default `public`.
   * Lets several deployments (or tests) share one database.
   */
  schema?: string;
  /** Most connections this node opens (one of them is the writer); default 10. */
  poolSize?: number;
  /** Statements running longer than this are cancelled by PostgreSQL (ms); default 10 000. */
  statementTimeoutMs?: number;
  /**
   * A query the database does not answer at all within this long (a stalled
   * server or network) fails `unavailable` and its connection is dropped (ms);
   * default `statementTimeoutMs` + 2 000, so a merely slow statement is
   * cancelled by the server first.
   */
  queryTimeoutMs?: number;
  /** Opening a connection, or waiting for a free one in the pool, fails `unavailable` after this long (ms); default 5 000. */
  connectTimeoutMs?: number;
}

/** Default of {@link PostgresStorageOptions.statementTimeoutMs}. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/** Default of {@link PostgresStorageOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** How much longer than the statement timeout a query may go unanswered by default. */
const QUERY_TIMEOUT_GRACE_MS = 2_000;

/** OID of BIGINT (int8), the type of COUNT and of every time and counter column. */
const INT8_OID = 20;

/** BIGINT values as numbers: every value Parley stores is far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format) as unknown;
  }) as typeof pg.types.getTypeParser,
};

/** The pool, its reader and its writer, from `open()` to `close()`. */
export class PostgresDatabase {
  readonly #options: PostgresStorageOptions;
  #pool: Pool | null = null;
  /** The pool as a reader whose connection failures are typed `unavailable`. */
  #reader: Queryable | null = null;
  #queue: PgWriteQueue | null = null;

  /** Checks the settings; nothing connects before `open()`. */
  constructor(options: PostgresStorageOptions) {
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
      throw new Error(`invalid schema name ${JSON.stringify(options.schema)}: lower-case letters, digits and _`);
    }
    for (const key of ['statementTimeoutMs', 'queryTimeoutMs', 'connectTimeoutMs'] as const) {
      const value = options[key];
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new Error(`${key} must be a positive number of milliseconds`);
    }
    this.#options = options;
  }

  /** Connects and migrates the schema. */
  async open(): Promise<void> {
    if (this.#pool) return;
    const schema = this.#options.schema ?? 'public';
    const statementTimeout = this.#options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    const config: PoolConfig = {
      connectionString: this.#options.connectionString,
      max: Math.max(2, this.#options.poolSize ?? 10),
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      statement_timeout: statementTimeout,
      // The server's timeout needs the server; this one also ends a wait on a database that stopped answering.
      query_timeout: this.#options.queryTimeoutMs ?? statementTimeout + QUERY_TIMEOUT_GRACE_MS,
      application_name: 'parley',
      options: `-c search_path=${schema}`,
      types: TYPES,
    };
    const pool = new pg.Pool(config);
    // An idle connection that breaks is dropped by the pool; the error must not crash the process.
    pool.on('error', () => undefined);
    let client: PoolClient | null = null;
    try {
      client = await pool.connect();
      await migratePostgres(client, schema);
    } catch (error) {
      client?.release();
      await pool.end();
      throw error;
    }
    client.release();
    this.#pool = pool;
    this.#reader = {
      query: <R extends QueryResultRow>(text: string, values?: unknown[]) => pool.query<R>(text, values).catch(rethrowUnavailable),
    };
    this.#queue = new PgWriteQueue(() => pool.connect());
  }

  /** Finishes the queued writes, then ends the pool. */
  async close(): Promise<void> {
    const pool = this.#pool;
    if (!pool) return;
    await this.#queue?.close();
    this.#pool = null;
    this.#reader = null;
    this.#queue = null;
    await pool.end();
  }

  /** Reads on the pool (any connection, no transaction); throws when the store is not open. */
  reader(): Queryable {
    if (!this.#reader) throw new Error('PostgresStorage is not open');
    return this.#reader;
  }

  /**
   * Runs `work` in the writer's next batch transaction, after locking the
   * counter rows of `rooms`; resolves once it committed. Connection failures
   * reject typed `unavailable`.
   */
  write<T>(work: PgWork<T>, rooms: readonly string[] = []): Promise<T> {
    if (!this.#queue) return Promise.reject(new Error('PostgresStorage is not open'));
    return this.#queue.run(work, rooms).catch(rethrowUnavailable);
  }

  /** A connection of the pool for a transaction of its own; the caller releases it. */
  async connect(): Promise<PoolClient> {
    if (!this.#pool) throw new Error('PostgresStorage is not open');
    return this.#pool.connect().catch(rethrowUnavailable);
  }
}
