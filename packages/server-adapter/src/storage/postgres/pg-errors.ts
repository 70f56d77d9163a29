/** Translation of PostgreSQL failures into typed storage errors, and the query surface the store uses. */
import type { QueryResult, QueryResultRow } from 'pg';
import { StorageError } from '../errors.js';

/** A pool or a connection: anything that runs a parameterized query. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** Whether `error` is a PostgreSQL error with SQLSTATE `code` (e.g. `23505` unique, `23503` foreign key). */
export function isPgConstraint(error: unknown, code: '23505' | '23503'): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}

/** Whether `error` is PostgreSQL cancelling a statement (SQLSTATE 57014: `statement_timeout` or a cancel request). */
export function isQueryCanceled(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '57014';
}

/** A foreign-key violation becomes `not_found`; anything else is rethrown as is. */
export function asNotFound(error: unknown, message: string): never {
  if (isPgConstraint(error, '23503')) throw new StorageError('not_found', message, { cause: error });
  throw error;
}

/** A unique violation becomes `conflict`; anything else is rethrown as is. */
export function asConflict(error: unknown, message: string): never {
  if (isPgConstraint(error, '23505')) throw new StorageError('conflict', message, { cause: error });
  throw error;
}
