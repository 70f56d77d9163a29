/** Errors of encryption at rest: bad keys, a missing cipher package, data that fails its check. */

/**
 * - `malformed_key`: not 32 bytes as 64 hex digits or base64
 * - `weak_key`: 32 bytes that are not random (a pattern, or text such as a password)
 * - `wrong_key`: the data was written under another key, or is not encrypted
 * - `cipher_unavailable`: the optional package `better-sqlite3-multiple-ciphers` is not installed
 * - `tampered`: an encrypted file failed authentication (changed, cut short or swapped)
 */
export type EncryptionErrorCode = 'malformed_key' | 'weak_key' | 'wrong_key' | 'cipher_unavailable' | 'tampered';

/** A failure of encryption at rest; `code` says which. */
export class EncryptionError extends Error {
  override readonly name = 'EncryptionError';
  readonly code: EncryptionErrorCode;

  /** Creates the error with its code. */
  constructor(code: EncryptionErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Whether `error` is an {@link EncryptionError} (optionally with `code`). */
export function isEncryptionError(error: unknown, code?: EncryptionErrorCode): error is EncryptionError {
  return error instanceof EncryptionError && (code === undefined || error.code === code);
}
