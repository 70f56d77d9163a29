/**
 * The error a request handler throws to answer with an `error` frame. Anything
 * else thrown by a handler is logged and answered with `internal`.
 */
import { ErrorCode } from '@parley/sdk/protocol';
import { isStorageError } from './storage/errors.js';

/** A request failed for a reason the client can act on. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;

  /** Creates an error answered to the client as `{ code, message, retryAfterMs }`. */
  constructor(code: ErrorCode, message: string, retryAfterMs?: number) {
    super(message);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The `retryAfterMs` of a request that failed because storage was unavailable. */
const STORAGE_RETRY_MS = 1_000;

/** Maps storage failures to wire errors; returns null for unexpected errors (which become `internal`). */
export function toRequestError(error: unknown): RequestError | null {
  if (error instanceof RequestError) return error;
  if (isStorageError(error)) {
    switch (error.code) {
      case 'conflict':
        return new RequestError(ErrorCode.Conflict, error.message);
      case 'not_found':
      case 'gone':
        return new RequestError(ErrorCode.NotFound, error.message);
      case 'unavailable':
        // Retryable: the client sends it again later (its idempotency key makes a repeat harmless).
        return new RequestError(ErrorCode.Unavailable, 'storage is unavailable; try again', STORAGE_RETRY_MS);
    }
  }
  return null;
}
