/**
 * The on-disk format of an encrypted attachment: AES-256-GCM in chunks, so a
 * download is decrypted and checked piece by piece while it streams, and no
 * byte of a changed chunk is ever released.
 *
 *   header  "PRLYSEAL" | version 1 | key id (8) | salt (16) | chunk size (u32 BE)
 *   chunks  ciphertext (chunk size bytes; the last one 0..chunk size) | GCM tag (16)
 *
 * Each file gets its own key, HKDF-SHA256 of the attachment key with the
 * file's random salt, so nonces can simply count chunks: nonce = 7 zero bytes
 * | chunk index (u32 BE) | 1 on the last chunk, else 0. The additional data of
 * every chunk is the header plus the attachment's storage key, so a cut-short
 * file, a changed header and a file moved under another attachment's name all
 * fail authentication (the STREAM construction of Hoang, Reyhanitabar, Rogaway
 * and Vizár).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { EncryptionError } from './errors.js';
import type { EncryptionKey } from './key.js';

const MAGIC = Buffer.from('PRLYSEAL', 'latin1');
const VERSION = 1;
const KEY_ID_BYTES = 8;
const SALT_BYTES = 16;
const TAG_BYTES = 16;

/** Bytes before the first chunk. */
export const HEADER_BYTES = MAGIC.length + 1 + KEY_ID_BYTES + SALT_BYTES + 4;

/** Plaintext bytes per chunk written (64 KiB). */
export const CHUNK_BYTES = 64 * 1024;

/** Largest chunk size a reader accepts, so a corrupt header cannot make it allocate much. */
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/** What the header says. */
export interface SealedHeader {
  /** Id of the key that sealed the file ({@link EncryptionKey.id}). */
  keyId: string;
  salt: Buffer;
  chunkBytes: number;
  /** The header's own bytes (part of every chunk's additional data). */
  raw: Buffer;
}

/** Whether `head` (the first bytes of a file) starts like a sealed file. */
export function looksSealed(head: Uint8Array): boolean {
  return head.length >= MAGIC.length && MAGIC.equals(head.subarray(0, MAGIC.length));
}

/** Reads a header; throws `EncryptionError('tampered')` when it is not one. */
export function parseHeader(raw: Buffer): SealedHeader {
  if (raw.length < HEADER_BYTES || !looksSealed(raw) || raw[MAGIC.length] !== VERSION) {
    throw new EncryptionError('tampered', 'the file is not an encrypted attachment of a known version');
  }
  let at = MAGIC.length + 1;
  const keyId = raw.subarray(at, at + KEY_ID_BYTES).toString('hex');
  at += KEY_ID_BYTES;
  const salt = Buffer.from(raw.subarray(at, at + SALT_BYTES));
  at += SALT_BYTES;
  const chunkBytes = raw.readUInt32BE(at);
  if (chunkBytes === 0 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new EncryptionError('tampered', `the file's chunk size ${chunkBytes} is not valid`);
  }
  return { keyId, salt, chunkBytes, raw: Buffer.from(raw.subarray(0, HEADER_BYTES)) };
}

/** Plaintext size and chunk count of a sealed file of `fileBytes`, or null when no valid file has that size. */
export function sealedLayout(fileBytes: number, chunkBytes: number): { plaintextBytes: number; chunks: number } | null {
  const body = fileBytes - HEADER_BYTES;
  if (body < TAG_BYTES) return null;
  const sealedChunk = chunkBytes + TAG_BYTES;
  const chunks = Math.ceil(body / sealedChunk);
  const last = body - (chunks - 1) * sealedChunk;
  if (last < TAG_BYTES) return null;
  return { plaintextBytes: body - chunks * TAG_BYTES, chunks };
}

/** Bytes one sealed chunk of a file takes (the last may be shorter). */
export function sealedChunkBytes(chunkBytes: number): number {
  return chunkBytes + TAG_BYTES;
}

/** Encrypts one file: `header()` first, then what `update()` and `final()` return, in order. */
export class FileSealer {
  readonly #key: Buffer;
  readonly #header: Buffer;
  readonly #aad: Buffer;
  readonly #chunkBytes: number;
  /** The chunk being filled; sealed once full and more data follows (the last chunk must be marked last). */
  readonly #buffer: Buffer;
  #filled = 0;
  #index = 0;
  #done = false;

  /**
   * @param attachmentKey the attachment subkey (`key.derive('attachments')`)
   * @param keyId id of the configured key, recorded in the header
   * @param blobKey the attachment's storage key, bound into every chunk
   */
  constructor(attachmentKey: Buffer, keyId: string, blobKey: string, chunkBytes = CHUNK_BYTES) {
    const salt = randomBytes(SALT_BYTES);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(chunkBytes);
    this.#header = Buffer.concat([MAGIC, Buffer.from([VERSION]), Buffer.from(keyId, 'hex'), salt, size]);
    this.#key = fileKey(attachmentKey, salt);
    this.#aad = additionalData(this.#header, blobKey);
    this.#chunkBytes = chunkBytes;
    this.#buffer = Buffer.alloc(chunkBytes);
  }

  /** The header bytes. */
  header(): Buffer {
    return this.#header;
  }

  /** Takes plaintext; returns the sealed chunks completed by it (often none). */
  update(data: Buffer): Buffer[] {
    if (this.#done) throw new Error('the file is already sealed');
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < data.length) {
      if (this.#filled === this.#chunkBytes) {
        out.push(this.#seal(this.#buffer, false));
        this.#filled = 0;
      }
      const n = Math.min(this.#chunkBytes - this.#filled, data.length - offset);
      data.copy(this.#buffer, this.#filled, offset, offset + n);
      this.#filled += n;
      offset += n;
    }
    return out;
  }

  /** Seals what is left as the last chunk. */
  final(): Buffer {
    if (this.#done) throw new Error('the file is already sealed');
    this.#done = true;
    return this.#seal(this.#buffer.subarray(0, this.#filled), true);
  }

  #seal(plaintext: Buffer, last: boolean): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce(this.#index++, last), { authTagLength: TAG_BYTES });
    cipher.setAAD(this.#aad);
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }
}

/** Decrypts the chunks of one file in order; every chunk is checked before its plaintext is returned. */
export class FileOpener {
  readonly #key: Buffer;
  readonly #aad: Buffer;
  readonly #chunks: number;
  #index = 0;

  /**
   * @param header the file's parsed header
   * @param chunks the chunk count from {@link sealedLayout}
   * Throws `EncryptionError('wrong_key')` when another key sealed the file.
   */
  constructor(attachmentKey: Buffer, keyId: string, header: SealedHeader, blobKey: string, chunks: number) {
    if (header.keyId !== keyId) {
      throw new EncryptionError('wrong_key', `the file was encrypted under key ${header.keyId}, not the configured ${keyId}`);
    }
    this.#key = fileKey(attachmentKey, header.salt);
    this.#aad = additionalData(header.raw, blobKey);
    this.#chunks = chunks;
  }

  /** Decrypts the next sealed chunk; throws `EncryptionError('tampered')` when it fails authentication. */
  open(sealed: Buffer): Buffer {
    if (this.#index >= this.#chunks) throw new EncryptionError('tampered', 'the file has more chunks than its size allows');
    if (sealed.length < TAG_BYTES) throw new EncryptionError('tampered', 'a chunk of the file is cut short');
    const index = this.#index++;
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce(index, index === this.#chunks - 1), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(this.#aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plaintext = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    try {
      decipher.final();
    } catch (error) {
      throw new EncryptionError('tampered', `chunk ${index} of the file failed authentication`, { cause: error });
    }
    return plaintext;
  }
}

function fileKey(attachmentKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', attachmentKey, salt, 'parley attachment file v1', 32));
}

function additionalData(header: Buffer, blobKey: string): Buffer {
  return Buffer.concat([header, Buffer.from(blobKey, 'utf8')]);
}

function nonce(index: number, last: boolean): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt32BE(index, 7);
  out[11] = last ? 1 : 0;
  return out;
}

/** The subkey and id attachments are sealed with, from the configured key. */
export interface AttachmentKey {
  key: Buffer;
  keyId: string;
}

/** Derives the attachment subkey of `key`. */
export function attachmentKeyOf(key: EncryptionKey): AttachmentKey {
  return { key: key.derive('attachments'), keyId: key.id };
}
