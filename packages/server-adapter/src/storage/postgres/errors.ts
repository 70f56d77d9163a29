/** Translation of PostgreSQL failures into typed storage errors. */
import { StorageError } from '../errors.js';

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

/**
 * SQLSTATEs that say the database cannot serve now rather than that the
 * statement is wrong: connection exceptions (class 08), insufficient
 * resources (53), shutdown or restart (57P01–57P03), a statement cancelled
 * by `statement_timeout` (57014), and a deadlock or serialization failure
 * still there after the write queue's retries.
 */
const UNAVAILABLE_STATE = /^(08...|53...|57P0[123]|57014|40001|40P01)$/;

/** Socket failures of the connection to the database. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** How node-postgres words a lost, refused or silent connection (it sets no code for these). */
const CONNECTION_MESSAGE = /connection terminated|timeout exceeded when trying to connect|query read timeout|not queryable|connection error/i;

/** Whether `error` means the database could not be reached or did not answer in time (see {@link UNAVAILABLE_STATE}). */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_STATE.test(code) || NETWORK_CODES.has(code))) return true;
  return CONNECTION_MESSAGE.test(error.message);
}

/** Rethrows `error`, as a typed `unavailable` storage error when it is one (see {@link isUnavailable}). */
export function rethrowUnavailable(error: unknown): never {
  if (!isUnavailable(error)) throw error;
  const detail = error instanceof Error ? error.message : String(error);
  throw new StorageError('unavailable', `the database is unavailable (${detail})`, { cause: error });
}
