/**
 * Prepared statements of the SQLite store. Each concern's module declares
 * its statements with {@link preparedStatements}; they are prepared on first
 * use, once per connection. Lists of ids are bound as one JSON array and
 * expanded with `json_each`, so even batch look-ups use a single statement.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** The part of a prepared statement the store uses, typed by its parameters and row. */
export interface Stmt<P extends unknown[], R> {
  run(...params: P): BetterSqlite3.RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

/** Typed statement makers on one connection. */
export interface Prepare {
  /** A statement returning rows (or nothing). */
  q: <P extends unknown[], R = never>(sql: string) => Stmt<P, R>;
  /** A statement returning the first column of each row. */
  v: <P extends unknown[], R>(sql: string) => Stmt<P, R>;
}

/** The statements `make` declares, prepared the first time a connection asks for them. */
export function preparedStatements<T>(make: (prepare: Prepare) => T): (db: BetterSqlite3.Database) => T {
  const prepared = new WeakMap<BetterSqlite3.Database, T>();
  return (db) => {
    let statements = prepared.get(db);
    if (statements === undefined) {
      statements = make({
        q: <P extends unknown[], R = never>(sql: string): Stmt<P, R> => db.prepare<P, R>(sql),
        v: <P extends unknown[], R>(sql: string): Stmt<P, R> => db.prepare<P, R>(sql).pluck(),
      });
      prepared.set(db, statements);
    }
    return statements;
  };
}
