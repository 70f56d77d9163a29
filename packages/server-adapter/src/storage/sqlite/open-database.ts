/**
 * Opens the SQLite file: owner-only permissions, and with an encryption key
 * the SQLCipher format through the optional package
 * `better-sqlite3-multiple-ciphers` (loaded only then; plain better-sqlite3
 * otherwise).
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { EncryptionError } from '../../encryption/errors.js';
import type { EncryptionKey } from '../../encryption/key.js';

/** The package that reads and writes SQLCipher files. */
export const CIPHER_PACKAGE = 'better-sqlite3-multiple-ciphers';

/** Mode of the database, WAL and shared-memory files: owner read/write only. */
export const DB_FILE_MODE = 0o600;
/** Mode of directories made for the database: owner only. */
export const DB_DIR_MODE = 0o700;

/** Files SQLite keeps beside the database. */
export const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

/** How long a write waits for another process's lock before failing (ms). */
const BUSY_TIMEOUT_MS = 5_000;

type DatabaseConstructor = typeof Database;

/**
 * Opens `file` (creating it, owner-only, when missing). With `key` the file
 * is SQLCipher 4 (`cipher=sqlcipher`, `legacy=4`, a raw 256-bit key derived
 * from the configured one) and is read once, so a wrong key fails here with
 * `EncryptionError('wrong_key')`.
 */
export async function openDatabase(file: string, key: EncryptionKey | null): Promise<Database.Database> {
  const inMemory = file === ':memory:';
  if (!inMemory) prepareFiles(file);
  const Driver = key ? await cipherDriver() : Database;
  const db = new Driver(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    if (key) {
      db.pragma(`cipher = 'sqlcipher'`);
      db.pragma('legacy = 4');
      db.pragma(`key = "x'${key.derive('database').toString('hex')}'"`);
    }
    probe(db, file, key !== null);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The SQLCipher-capable driver, or `EncryptionError('cipher_unavailable')` naming the package to install. */
export async function cipherDriver(): Promise<DatabaseConstructor> {
  try {
    const loaded = (await import(CIPHER_PACKAGE)) as { default: unknown };
    // An API-compatible fork of better-sqlite3: same constructor, same statements.
    return loaded.default as DatabaseConstructor;
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code === 'ERR_MODULE_NOT_FOUND') {
      throw new EncryptionError(
        'cipher_unavailable',
        `encryption at rest needs the optional package ${CIPHER_PACKAGE}: npm install ${CIPHER_PACKAGE}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Creates the directory and an empty database file with owner-only modes, and tightens existing ones. */
function prepareFiles(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: DB_DIR_MODE });
  // SQLite creates the -wal and -shm files with the mode of the database file.
  closeSync(openSync(file, 'a', DB_FILE_MODE));
  for (const path of [file, ...SIDE_FILES.map((suffix) => file + suffix)]) {
    try {
      chmodSync(path, DB_FILE_MODE);
    } catch (error) {
      // Missing side files are normal; a file of another owner keeps its mode.
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code !== 'ENOENT' && code !== 'EPERM') throw error;
    }
  }
}

/** Reads the schema once: a wrong key (or a missing one) shows here instead of at the first query. */
function probe(db: Database.Database, file: string, encrypted: boolean): void {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'SQLITE_NOTADB') throw error;
    throw new EncryptionError(
      'wrong_key',
      encrypted
        ? `${file} cannot be read with the configured encryption key: another key wrote it, or it is not encrypted ` +
            '(encrypt an existing database with `parley-server --rekey`)'
        : `${file} is not a readable SQLite database: if it is encrypted, configure its key (PARLEY_ENCRYPTION_KEY)`,
      { cause: error },
    );
  }
}
