/** Translation of SQLite failures into typed storage errors. */
import Database from 'better-sqlite3';
import { StorageError } from '../errors.js';

/** Whether `error` is a SQLite constraint violation (of the given kind, e.g. `SQLITE_CONSTRAINT_FOREIGNKEY`). */
export function isConstraint(error: unknown, code?: string): boolean {
  return (
    error instanceof Database.SqliteError &&
    (code === undefined ? error.code.startsWith('SQLITE_CONSTRAINT') : error.code === code)
  );
}

/** Whether `error` comes from FTS5 rejecting a query. */
export function isFtsError(error: unknown): boolean {
  return error instanceof Database.SqliteError && /fts5/i.test(error.message);
}

/** A constraint violation becomes a `conflict`; anything else is returned as is. */
export function asConflict(error: unknown, message: string): Error {
  return isConstraint(error) ? new StorageError('conflict', message, { cause: error }) : asError(error);
}

/** A foreign-key violation becomes `not_found`; anything else is returned as is. */
export function asNotFound(error: unknown, message: string): Error {
  return isConstraint(error, 'SQLITE_CONSTRAINT_FOREIGNKEY')
    ? new StorageError('not_found', message, { cause: error })
    : asError(error);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error), { cause: error });
}
