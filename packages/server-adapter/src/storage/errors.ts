/**
 * Typed errors raised by every `Storage` implementation, so the room logic can
 * map them to wire error codes without knowing which database ran.
 */

/**
 * - `not_found`: the room, member, message or attachment does not exist.
 * - `conflict`: the change clashes with the current state (already a member,
 *   duplicate id, idempotency key reused for another operation, editing a
 *   deleted message…).
 * - `gone`: the thing existed but retention removed it (for instance a retried
 *   send whose message was already purged).
 * - `unavailable`: the database could not be reached or did not answer in
 *   time. Unlike the others, a write may have committed before its answer
 *   was lost; the same write again (with its idempotency key) is safe.
 */
export type StorageErrorCode = 'not_found' | 'conflict' | 'gone' | 'unavailable';

/** An expected failure of a storage operation; nothing was committed (except perhaps for `unavailable`, see above). */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;

  /** Creates an error with the given code and a message for logs. */
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Whether `error` is a `StorageError`, optionally with the given code. */
export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code);
}
