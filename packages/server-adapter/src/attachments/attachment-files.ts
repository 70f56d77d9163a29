/**
 * Attachment bytes on disk: one file per attachment under `<dataDir>/attachments`,
 * readable by the server's user only. With an encryption key every file is
 * sealed (`encryption/sealed-file.ts`) and decrypted chunk by chunk while a
 * download streams; without one, files hold the bytes as uploaded.
 */
import { chmod, mkdir, open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { EncryptionError } from '../encryption/errors.js';
import type { EncryptionKey } from '../encryption/key.js';
import {
  FileOpener,
  FileSealer,
  HEADER_BYTES,
  attachmentKeyOf,
  looksSealed,
  parseHeader,
  sealedChunkBytes,
  sealedLayout,
  type AttachmentKey,
} from '../encryption/sealed-file.js';

/** Mode of attachment files: owner read/write only. */
export const FILE_MODE = 0o600;
/** Mode of the attachment directory: owner only. */
export const DIR_MODE = 0o700;

/** An attachment being written; nothing is visible under its name before `commit()`. */
export interface AttachmentWriter {
  /** Appends bytes (sealed on the way when encrypting). */
  write(chunk: Buffer): Promise<void>;
  /** Finishes the file, syncs it to disk and gives it its name; resolves with the plaintext size. */
  commit(): Promise<number>;
  /** Drops the partial file. */
  discard(): Promise<void>;
}

/** An attachment opened for reading. */
export interface AttachmentBody {
  /** Plaintext bytes. */
  size: number;
  /** The plaintext; for sealed files every chunk is authenticated before it is pushed, and a bad one errors the stream. */
  stream: Readable;
}

/** Reads, writes and erases attachment files in one directory. */
export class AttachmentFiles {
  /** The directory. */
  readonly dir: string;
  readonly #key: AttachmentKey | null;
  #dirReady: Promise<void> | null = null;

  /** Files in `dir`, sealed with `key` when one is given. */
  constructor(dir: string, key: EncryptionKey | null) {
    this.dir = dir;
    this.#key = key ? attachmentKeyOf(key) : null;
  }

  /** Whether files are encrypted. */
  get encrypted(): boolean {
    return this.#key !== null;
  }

  /** Path of a stored file (the key is a bare file name; anything else is cut to one). */
  pathOf(blobKey: string): string {
    return join(this.dir, basename(blobKey));
  }

  /**
   * Creates the directory owner-only (0700), or tightens one made by an older
   * version: with the directory closed to others, so are the files in it.
   */
  prepare(): Promise<void> {
    this.#dirReady ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
      try {
        await chmod(this.dir, DIR_MODE);
      } catch (error) {
        // A directory of another owner keeps its mode.
        if ((error as NodeJS.ErrnoException | null)?.code !== 'EPERM') throw error;
      }
    })();
    // A failure (say, a read-only disk) is retried by the next call.
    this.#dirReady.catch(() => {
      this.#dirReady = null;
    });
    return this.#dirReady;
  }

  /** Starts a new file for `blobKey`, written to `<name>.part` until committed. */
  async create(blobKey: string): Promise<AttachmentWriter> {
    await this.prepare();
    const finalPath = this.pathOf(blobKey);
    const partPath = `${finalPath}.part`;
    const fh = await open(partPath, 'wx', FILE_MODE);
    const sealer = this.#key ? new FileSealer(this.#key.key, this.#key.keyId, basename(blobKey)) : null;
    let size = 0;
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await fh.close();
    };
    try {
      if (sealer) await fh.write(sealer.header());
    } catch (error) {
      await close();
      await unlink(partPath).catch(() => undefined);
      throw error;
    }
    return {
      async write(chunk) {
        size += chunk.length;
        if (!sealer) {
          await fh.write(chunk);
          return;
        }
        for (const sealed of sealer.update(chunk)) await fh.write(sealed);
      },
      async commit() {
        if (sealer) await fh.write(sealer.final());
        await fh.sync();
        await close();
        await rename(partPath, finalPath);
        return size;
      },
      async discard() {
        await close().catch(() => undefined);
        await unlink(partPath).catch(() => undefined);
      },
    };
  }

  /**
   * Opens a stored file; null when there is none. With a key, the header and
   * the first chunk are checked before this resolves, so a bad file is
   * refused (`EncryptionError`: `tampered`, or `wrong_key` for a file of
   * another key or a plain file) before anything is sent.
   */
  async open(blobKey: string): Promise<AttachmentBody | null> {
    let fh: FileHandle;
    try {
      fh = await open(this.pathOf(blobKey), 'r');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    try {
      const fileBytes = (await fh.stat()).size;
      const head = await readAt(fh, 0, Math.min(HEADER_BYTES, fileBytes));
      if (!this.#key) {
        if (looksSealed(head)) throw new EncryptionError('wrong_key', 'the attachment is encrypted and no encryption key is configured');
        return { size: fileBytes, stream: fh.createReadStream({ start: 0, autoClose: true }) };
      }
      if (!looksSealed(head)) {
        throw new EncryptionError('wrong_key', 'the attachment is not encrypted; encrypt existing files with `parley-server --rekey`');
      }
      return await this.#openSealed(fh, fileBytes, parseHeader(head), basename(blobKey), this.#key);
    } catch (error) {
      await fh.close().catch(() => undefined);
      throw error;
    }
  }

  /** Deletes the file of `blobKey`; a missing file counts as deleted. */
  async erase(blobKey: string): Promise<void> {
    try {
      await unlink(this.pathOf(blobKey));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async #openSealed(
    fh: FileHandle,
    fileBytes: number,
    header: ReturnType<typeof parseHeader>,
    name: string,
    key: AttachmentKey,
  ): Promise<AttachmentBody> {
    const layout = sealedLayout(fileBytes, header.chunkBytes);
    if (!layout) throw new EncryptionError('tampered', `the attachment's size (${fileBytes} bytes) does not fit its format`);
    const opener = new FileOpener(key.key, key.keyId, header, name, layout.chunks);
    const step = sealedChunkBytes(header.chunkBytes);
    const chunkAt = async (index: number): Promise<Buffer> => {
      const offset = HEADER_BYTES + index * step;
      return opener.open(await readAt(fh, offset, Math.min(step, fileBytes - offset)));
    };
    const first = await chunkAt(0);
    const chunks = layout.chunks;
    async function* plaintext(): AsyncGenerator<Buffer> {
      try {
        if (first.length > 0) yield first;
        for (let index = 1; index < chunks; index++) yield await chunkAt(index);
      } finally {
        await fh.close();
      }
    }
    return { size: layout.plaintextBytes, stream: Readable.from(plaintext(), { objectMode: false }) };
  }
}

/** Reads exactly `length` bytes at `position` (fewer only at the end of the file). */
async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
