/**
 * The configured encryption key: 32 random bytes, given as 64 hex digits or
 * base64. Every purpose gets its own subkey through HKDF-SHA256 with a label,
 * so the database key, the attachment key and the key id never coincide.
 */
import { hkdfSync } from 'node:crypto';
import { inspect } from 'node:util';
import { EncryptionError } from './errors.js';

/** Bytes in a key. */
export const KEY_BYTES = 32;

/** A random key has about 30 distinct byte values; fewer than this is a pattern. */
const MIN_DISTINCT_BYTES = 16;

const HEX = /^[0-9a-f]{64}$/i;
const BASE64 = /^[A-Za-z0-9+/_-]{43}=?$/;

const HOW_TO_MAKE_ONE = 'generate one with `openssl rand -hex 32`';

/** Purposes a subkey is derived for; the label is part of the derivation. */
export type KeyPurpose = 'database' | 'attachments' | 'key id';

/** A validated encryption key. Its bytes never appear in logs, JSON or `inspect`. */
export class EncryptionKey {
  readonly #bytes: Buffer;
  /** Public fingerprint (16 hex digits): tells which key sealed a file without revealing the key. */
  readonly id: string;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
    this.id = this.derive('key id').subarray(0, 8).toString('hex');
  }

  /**
   * Parses 64 hex digits or base64 (standard or URL-safe) of 32 bytes;
   * throws `EncryptionError` (`malformed_key`, `weak_key`).
   */
  static parse(text: string): EncryptionKey {
    const trimmed = text.trim();
    let bytes: Buffer | null = null;
    if (HEX.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
    else if (BASE64.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
    if (!bytes || bytes.length !== KEY_BYTES) {
      throw new EncryptionError(
        'malformed_key',
        `the encryption key must be ${KEY_BYTES} bytes written as 64 hex digits or base64; ${HOW_TO_MAKE_ONE}`,
      );
    }
    return EncryptionKey.fromBytes(bytes);
  }

  /** A key from its 32 bytes (copied); throws `EncryptionError` (`malformed_key`, `weak_key`). */
  static fromBytes(bytes: Uint8Array): EncryptionKey {
    if (bytes.length !== KEY_BYTES) {
      throw new EncryptionError('malformed_key', `the encryption key must be ${KEY_BYTES} bytes, not ${bytes.length}`);
    }
    const copy = Buffer.from(bytes);
    const weakness = weaknessOf(copy);
    if (weakness) throw new EncryptionError('weak_key', `the encryption key ${weakness}; ${HOW_TO_MAKE_ONE}`);
    return new EncryptionKey(copy);
  }

  /** Accepts a key, its text form or its bytes. */
  static from(value: EncryptionKey | string | Uint8Array): EncryptionKey {
    if (value instanceof EncryptionKey) return value;
    return typeof value === 'string' ? EncryptionKey.parse(value) : EncryptionKey.fromBytes(value);
  }

  /** The 32-byte subkey for `purpose` (HKDF-SHA256, label `parley <purpose> v1`). */
  derive(purpose: KeyPurpose): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#bytes, Buffer.alloc(0), `parley ${purpose} v1`, KEY_BYTES));
  }

  /** Whether `other` holds the same bytes. */
  equals(other: EncryptionKey): boolean {
    return this.id === other.id && this.#bytes.equals(other.#bytes);
  }

  /** Never the key itself. */
  toJSON(): string {
    return `EncryptionKey(${this.id})`;
  }

  /** Never the key itself. */
  toString(): string {
    return `EncryptionKey(${this.id})`;
  }

  /** Never the key itself. */
  [inspect.custom](): string {
    return `EncryptionKey(${this.id})`;
  }
}

/** Why 32 bytes are not a usable key, or null. */
function weaknessOf(bytes: Buffer): string | null {
  if (new Set(bytes).size < MIN_DISTINCT_BYTES) return 'repeats a few byte values (a pattern, not random bytes)';
  // A random key is all printable ASCII with a chance of about 1 in 10^14.
  if (bytes.every((b) => b >= 0x20 && b <= 0x7e)) return 'is printable text (a password?), not random bytes';
  return null;
}
