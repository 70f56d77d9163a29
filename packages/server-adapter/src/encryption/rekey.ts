/**
 * Key rotation, offline: re-encrypts a data directory from one key (or from
 * no key: encrypting existing data) to another. The server must be stopped;
 * the database's exclusive lock is held throughout, so neither a running
 * server nor one starting meanwhile sees a half-rotated directory.
 *
 * Order: attachment files first (each written to `<id>.part` and renamed
 * over the old file, so every file is whole under one key or the other;
 * files already under the new key are skipped), then the database with
 * SQLCipher's `PRAGMA rekey` (one transaction). An interrupted run is
 * finished by running it again with the same two keys.
 */
import { open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Database from 'better-sqlite3';
import { AttachmentFiles } from '../attachments/attachment-files.js';
import { SQLITE_FILE_NAME } from '../storage/sqlite/sqlite-storage.js';
import { cipherDriver } from '../storage/sqlite/open-database.js';
import { EncryptionError } from './errors.js';
import type { EncryptionKey } from './key.js';
import { HEADER_BYTES, looksSealed, parseHeader } from './sealed-file.js';

/** What to rotate. */
export interface RekeyOptions {
  /** The server's data directory. */
  dataDir: string;
  /** Where attachment files live, when not `<dataDir>/attachments` (the server's `attachmentsDir`). */
  attachmentsDir?: string;
  /** The key the data is under now; null when it is not encrypted yet. */
  from: EncryptionKey | null;
  /** The key to rotate to. */
  to: EncryptionKey;
  /** Whether the SQLite database is rotated too (false when storage is PostgreSQL: only attachment files). */
  database?: boolean;
}

/** What a rotation did. */
export interface RekeyResult {
  /** `rekeyed`, `already` (under the new key before this run), `absent` (no database file), or `skipped`. */
  database: 'rekeyed' | 'already' | 'absent' | 'skipped';
  /** Attachment files re-encrypted by this run. */
  resealed: number;
  /** Attachment files already under the new key. */
  already: number;
}

/** How long to wait for the database lock before concluding a server is running (ms). */
const LOCK_TIMEOUT_MS = 1_000;

/** Rotates `dataDir` from `from` to `to`; throws `EncryptionError` (`wrong_key`, `tampered`) or a lock error. */
export async function rekeyDataDir(options: RekeyOptions): Promise<RekeyResult> {
  const { dataDir, from, to } = options;
  if (from?.equals(to)) throw new EncryptionError('wrong_key', 'the new key is the current key');
  const file = join(dataDir, SQLITE_FILE_NAME);
  const db = options.database === false ? null : await lockDatabase(file, from, to);
  try {
    const files = await resealAttachments(options.attachmentsDir ?? join(dataDir, 'attachments'), from, to);
    let database: RekeyResult['database'] = 'skipped';
    if (db === 'absent' || db === 'already') database = db;
    else if (db) {
      // SQLCipher cannot rekey in WAL mode: fold the WAL in, rekey, go back.
      db.handle.pragma('journal_mode = DELETE');
      db.handle.pragma(`rekey = "x'${to.derive('database').toString('hex')}'"`);
      db.handle.pragma('journal_mode = WAL');
      database = 'rekeyed';
    }
    return { database, ...files };
  } finally {
    if (db && typeof db === 'object') db.handle.close();
  }
}

/**
 * Opens the database under `from` and takes its exclusive lock; `already`
 * when it opens under `to` instead, `absent` when there is no database file.
 */
async function lockDatabase(
  file: string,
  from: EncryptionKey | null,
  to: EncryptionKey,
): Promise<{ handle: Database.Database } | 'already' | 'absent'> {
  try {
    await (await open(file, 'r')).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return 'absent';
    throw error;
  }
  const Driver = await cipherDriver();
  const attempt = (key: EncryptionKey | null): Database.Database | null => {
    const handle = new Driver(file, { timeout: LOCK_TIMEOUT_MS });
    try {
      handle.pragma(`cipher = 'sqlcipher'`);
      handle.pragma('legacy = 4');
      if (key) handle.pragma(`key = "x'${key.derive('database').toString('hex')}'"`);
      handle.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
      return handle;
    } catch (error) {
      handle.close();
      if ((error as { code?: unknown } | null)?.code === 'SQLITE_NOTADB') return null;
      throw error;
    }
  };
  const handle = attempt(from);
  if (!handle) {
    const current = attempt(to);
    if (current) {
      current.close();
      return 'already';
    }
    throw new EncryptionError(
      'wrong_key',
      from
        ? `${file} cannot be read with the current key (PARLEY_ENCRYPTION_KEY) nor with the new one`
        : `${file} is encrypted: give its key as the current key (PARLEY_ENCRYPTION_KEY)`,
    );
  }
  try {
    handle.pragma('locking_mode = EXCLUSIVE');
    handle.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    handle.close();
    throw new Error(`${file} is in use: stop the server before rotating the key`, { cause: error });
  }
  return { handle };
}

/** Re-encrypts every attachment file not yet under `to`. */
async function resealAttachments(
  dir: string,
  from: EncryptionKey | null,
  to: EncryptionKey,
): Promise<{ resealed: number; already: number }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return { resealed: 0, already: 0 };
    throw error;
  }
  const plain = new AttachmentFiles(dir, null);
  const old = from ? new AttachmentFiles(dir, from) : null;
  const next = new AttachmentFiles(dir, to);
  let resealed = 0;
  let already = 0;
  for (const name of names) {
    if (name.endsWith('.part')) {
      // A write that never finished: an abandoned upload or an interrupted rotation.
      await unlink(join(dir, name));
      continue;
    }
    const head = await readHead(join(dir, name));
    if (head === null) continue; // not a regular file
    const sealed = looksSealed(head);
    if (sealed && parseHeader(head).keyId === to.id) {
      already++;
      continue;
    }
    const source = sealed ? old : plain;
    if (!source) throw new EncryptionError('wrong_key', `attachment ${name} is encrypted, and no current key was given`);
    const body = await source.open(name);
    if (!body) continue; // removed meanwhile
    const writer = await next.create(name);
    try {
      await pipeline(body.stream, async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) await writer.write(chunk);
      });
      await writer.commit();
    } catch (error) {
      await writer.discard();
      throw error;
    }
    resealed++;
  }
  return { resealed, already };
}

/** The first bytes of a regular file (enough for a header), or null for anything else. */
async function readHead(path: string): Promise<Buffer | null> {
  const fh = await open(path, 'r');
  try {
    if (!(await fh.stat()).isFile()) return null;
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await fh.read(buffer, 0, HEADER_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
