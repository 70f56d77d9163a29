/**
 * Data at rest: files readable by the server's user only; with an encryption
 * key, nothing stored is readable from the disk (SQLite as SQLCipher,
 * attachment files as AES-256-GCM), the server comes back with the same key,
 * refuses another one and bad keys, refuses changed files, and the key can be
 * rotated. Checked on the raw files, as someone holding the disk would read them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createServer, EncryptionError, EncryptionKey, rekeyDataDir } from '../src/index.js';
import type { ServerOptions } from '../src/index.js';
import { cipherDriver } from '../src/storage/sqlite/open-database.js';
import { SQLITE_FILE_NAME } from '../src/storage/sqlite/index.js';
import { SECRET, cid, createRoom, send, startServer, uploadAttachment } from './helpers.js';
import type { TestServer } from './helpers.js';
import { bodyOf, openProvider, startWorkspaceServer, synced, waitUntil } from './workspace-helpers.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

/** A word no other test writes. */
function canary(label: string): string {
  return `${label}${randomBytes(8).toString('hex')}`;
}

function newKey(): string {
  return randomBytes(32).toString('hex');
}

/** The database, its WAL, and every attachment file, as they are on disk now. */
async function rawFiles(dataDir: string): Promise<Buffer> {
  const db = join(dataDir, SQLITE_FILE_NAME);
  const parts = [await readFile(db)];
  if (existsSync(`${db}-wal`)) parts.push(await readFile(`${db}-wal`));
  const dir = join(dataDir, 'attachments');
  if (existsSync(dir)) for (const name of await readdir(dir)) parts.push(await readFile(join(dir, name)));
  return Buffer.concat(parts);
}

/** Which of `words` someone reading the disk finds. */
async function readable(dataDir: string, words: readonly string[]): Promise<string[]> {
  const bytes = await rawFiles(dataDir);
  return words.filter((word) => bytes.includes(word));
}

/** Starts a server on an existing data directory and expects it to fail with an `EncryptionError` of `code`. */
async function refusesToStart(options: Partial<ServerOptions>, code: EncryptionError['code']): Promise<EncryptionError> {
  let failure: unknown = null;
  try {
    const ts = await startServer(options);
    await ts.close();
  } catch (error) {
    failure = error;
  }
  assert.ok(failure instanceof EncryptionError, `expected an EncryptionError, got ${String(failure)}`);
  assert.equal(failure.code, code);
  return failure;
}

/** Seeds a room with a message and an attachment; returns what a later check needs. */
async function seed(ts: TestServer, text: string, fileBytes: Buffer): Promise<{ room: string; attachmentId: string }> {
  const ada = await ts.connect('ada');
  const room = await createRoom(ada, ['bob']);
  await send(ada, room, `the ${text} plan`);
  const attachment = await uploadAttachment(ts, room, fileBytes, { name: 'plan.txt' });
  await ada.request('message.send', { room, clientId: cid(), text: 'the file', attachments: [attachment.id] });
  return { room, attachmentId: attachment.id };
}

/** Checks that `ts` serves the seeded message and attachment. */
async function servesSeed(ts: TestServer, seeded: { room: string; attachmentId: string }, text: string, fileBytes: Buffer): Promise<void> {
  const bob = await ts.connect('bob');
  const { messages } = await bob.request('message.history', { room: seeded.room });
  assert.ok(messages.some((m) => m.text === `the ${text} plan`));
  assert.equal((await bob.request('search', { query: text })).messages.length, 1);
  const { url } = await bob.request('attachment.url', { attachmentId: seeded.attachmentId });
  const res = await fetch(new URL(url, ts.url));
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), fileBytes);
}

describe('data files are readable by their owner only', () => {
  it('database, WAL, shared memory and attachments are 0600, their directories 0700, and older files are tightened', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'parley-modes-'));
    const dataDir = join(parent, 'data');
    try {
      const ts = await startServer({ dataDir });
      try {
        await seed(ts, canary('modes'), Buffer.from('mode bytes'));
        const mode = async (path: string): Promise<string> => ((await stat(path)).mode & 0o777).toString(8);
        const db = join(dataDir, SQLITE_FILE_NAME);
        assert.equal(await mode(dataDir), '700', 'the data directory');
        assert.equal(await mode(db), '600', 'the database');
        assert.equal(await mode(`${db}-wal`), '600', 'the WAL');
        assert.equal(await mode(`${db}-shm`), '600', 'the shared memory file');
        assert.equal(await mode(join(dataDir, 'attachments')), '700', 'the attachment directory');
        const files = await readdir(join(dataDir, 'attachments'));
        assert.equal(files.length, 1);
        assert.equal(await mode(join(dataDir, 'attachments', files[0])), '600', 'an attachment file');
      } finally {
        await ts.close();
      }
      // A database made by an older version, readable by everyone, is tightened at the next start.
      const db = join(dataDir, SQLITE_FILE_NAME);
      await chmod(db, 0o644);
      await chmod(join(dataDir, 'attachments'), 0o755);
      const again = await startServer({ dataDir });
      try {
        assert.equal(((await stat(db)).mode & 0o777).toString(8), '600');
        assert.equal(((await stat(join(dataDir, 'attachments'))).mode & 0o777).toString(8), '700');
      } finally {
        await again.close();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe('encryption at rest', () => {
  it('with a key, the database, its WAL and attachment files hold no plaintext, and a restart with the key serves everything', async () => {
    const key = newKey();
    const ws = await startWorkspaceServer({ encryptionKey: key });
    const http = { url: `http://127.0.0.1:${ws.port}` };
    try {
      const text = canary('secret');
      const roomName = canary('room');
      const userName = canary('user');
      const docText = canary('document');
      const fileName = `${canary('file')}.txt`;
      const fileBytes = Buffer.from(`attachment ${canary('bytes')} `.repeat(5_000));
      const words = [text, roomName, userName, docText, fileName, fileBytes.subarray(0, 40).toString()];

      const ada = await ws.chat('ada', userName);
      const room = await createRoom(ada, ['bob'], 'workspace', roomName);
      await send(ada, room, `the ${text} plan`);
      const attachment = await uploadAttachment(http, room, fileBytes, { name: fileName });
      await ada.request('message.send', { room, clientId: cid(), text: 'the file', attachments: [attachment.id] });
      const writer = await openProvider(ws, 'ada', room);
      try {
        await synced(writer);
        writer.doc.getText('body').insert(0, docText);
        await waitUntil(() => writer.acked() >= 1, 'the document update was stored');
      } finally {
        writer.destroy();
      }

      // While it runs (recent pages in the WAL), and after a restart (WAL folded in).
      const db = await readFile(join(ws.dataDir, SQLITE_FILE_NAME));
      assert.equal(db.includes('SQLite format 3'), false, 'not even the SQLite header is readable');
      assert.ok(existsSync(join(ws.dataDir, `${SQLITE_FILE_NAME}-wal`)), 'the WAL is checked too');
      assert.deepEqual(await readable(ws.dataDir, words), []);
      await ws.restart();
      assert.deepEqual(await readable(ws.dataDir, words), []);

      const bob = await ws.chat('bob');
      const { messages } = await bob.request('message.history', { room });
      assert.ok(messages.some((m) => m.text === `the ${text} plan`));
      assert.equal((await bob.request('search', { query: text })).messages.length, 1);
      const { room: info } = await bob.request('room.get', { room });
      assert.equal(info.name, roomName);
      const { members } = await bob.request('room.members', { room });
      assert.equal(members.find((m) => m.user === 'ada')?.name, userName);
      const { url } = await bob.request('attachment.url', { attachmentId: attachment.id });
      const res = await fetch(new URL(url, http.url));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(fileBytes.length));
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), fileBytes);
      const reader = await openProvider(ws, 'bob', room);
      try {
        await synced(reader);
        assert.equal(bodyOf(reader.doc), docText);
      } finally {
        reader.destroy();
      }
    } finally {
      await ws.close();
    }
  });

  it('the database opens with the SQLCipher 4 settings and the documented database key', async () => {
    const key = newKey();
    const ts = await startServer({ encryptionKey: key });
    const text = canary('sqlcipher');
    try {
      await seed(ts, text, Buffer.from('x'));
    } finally {
      await ts.server.close();
    }
    try {
      // docs/security.md: the database key is HKDF-SHA256(key, no salt, "parley database v1").
      const databaseKey = EncryptionKey.parse(key).derive('database').toString('hex');
      const Driver = await cipherDriver();
      const db = new Driver(join(ts.dataDir, SQLITE_FILE_NAME), { readonly: true });
      try {
        db.pragma(`cipher = 'sqlcipher'`);
        db.pragma('legacy = 4');
        db.pragma(`key = "x'${databaseKey}'"`);
        const texts = db.prepare('SELECT text FROM messages').pluck().all();
        assert.ok(texts.includes(`the ${text} plan`));
      } finally {
        db.close();
      }
    } finally {
      await ts.close();
    }
  });

  it('refuses to start with another key, or without one, with a clear error', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-wrong-key-'));
    try {
      const ts = await startServer({ dataDir, encryptionKey: newKey() });
      await seed(ts, canary('locked'), Buffer.from('x'));
      await ts.close();
      const wrong = await refusesToStart({ dataDir, encryptionKey: newKey() }, 'wrong_key');
      assert.match(wrong.message, /cannot be read with the configured encryption key/);
      const none = await refusesToStart({ dataDir }, 'wrong_key');
      assert.match(none.message, /configure its key \(PARLEY_ENCRYPTION_KEY\)/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses malformed and weak keys before touching the disk', () => {
    const attempt = (encryptionKey: string | Uint8Array): string => {
      try {
        createServer({ auth: { secret: SECRET }, logger: false, dataDir: join(tmpdir(), 'never-created'), encryptionKey });
      } catch (error) {
        assert.ok(error instanceof EncryptionError, String(error));
        return error.code;
      }
      return 'accepted';
    };
    assert.equal(attempt('abc'), 'malformed_key');
    assert.equal(attempt(''), 'malformed_key');
    assert.equal(attempt(newKey().slice(2)), 'malformed_key', '31 bytes');
    assert.equal(attempt(new Uint8Array(16)), 'malformed_key');
    assert.equal(attempt('00'.repeat(32)), 'weak_key');
    assert.equal(attempt('0123456789abcdef'.repeat(4)), 'weak_key', 'a repeated pattern');
    assert.equal(attempt(Buffer.from('correct horse battery staple 123').toString('base64')), 'weak_key', 'a password');
    assert.equal(attempt(newKey()), 'accepted');
    assert.equal(attempt(randomBytes(32).toString('base64')), 'accepted');
    assert.equal(attempt(randomBytes(32).toString('base64url')), 'accepted');
    assert.equal(attempt(randomBytes(32)), 'accepted');
    assert.equal(existsSync(join(tmpdir(), 'never-created')), false);
    assert.equal(JSON.stringify({ key: EncryptionKey.parse(newKey()) }).length < 60, true, 'a key never prints its bytes');
  });

  it('refuses an attachment file that was changed, cut short or swapped, before or while sending it', async () => {
    const ts = await startServer({ encryptionKey: newKey() });
    try {
      const ada = await ts.connect('ada');
      const room = await createRoom(ada, []);
      // Four chunks of 64 KiB.
      const big = randomBytes(200 * 1024);
      const small = Buffer.from('a small file');
      const a = await uploadAttachment(ts, room, big);
      const b = await uploadAttachment(ts, room, small);
      await ada.request('message.send', { room, clientId: cid(), text: 'files', attachments: [a.id, b.id] });
      const pathOf = (id: string): string => join(ts.dataDir, 'attachments', id);
      const original = await readFile(pathOf(a.id));
      const download = async (id: string): Promise<{ status: number; body: Buffer | Error }> => {
        const { url } = await ada.request('attachment.url', { attachmentId: id });
        const res = await fetch(new URL(url, ts.url));
        try {
          return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
        } catch (error) {
          return { status: res.status, body: error as Error };
        }
      };
      assert.deepEqual(await download(a.id), { status: 200, body: big });

      const flip = async (offset: number): Promise<void> => {
        const copy = Buffer.from(original);
        copy[offset] ^= 0x01;
        await writeFile(pathOf(a.id), copy);
      };
      // A change in the first chunk: refused before anything is sent.
      await flip(100);
      const first = await download(a.id);
      assert.equal(first.status, 500);
      assert.ok(Buffer.isBuffer(first.body) && !first.body.includes(big.subarray(0, 64)));
      // A change in the third chunk: the first two arrive, then the download breaks off incomplete.
      await flip(original.length - 70_000);
      const third = await download(a.id);
      assert.equal(third.status, 200);
      assert.ok(third.body instanceof Error, 'the body never completes');
      // Cut short by a whole chunk: the new last chunk is not marked last.
      await writeFile(pathOf(a.id), original);
      await truncate(pathOf(a.id), original.length - (64 * 1024 + 16));
      assert.ok((await download(a.id)).body instanceof Error);
      // Another attachment's file under this name: bound to its own id, refused.
      await writeFile(pathOf(a.id), await readFile(pathOf(b.id)));
      assert.equal((await download(a.id)).status, 500);
      // Put back, it is served again.
      await writeFile(pathOf(a.id), original);
      assert.deepEqual(await download(a.id), { status: 200, body: big });
    } finally {
      await ts.close();
    }
  });

  it('names the package to install when the cipher package is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-no-cipher-'));
    try {
      // The package is installed here; a resolve hook makes it missing for one child process.
      await writeFile(
        join(dir, 'hide.mjs'),
        `export async function resolve(specifier, context, next) {
          if (specifier === 'better-sqlite3-multiple-ciphers') {
            throw Object.assign(new Error('Cannot find package ' + specifier), { code: 'ERR_MODULE_NOT_FOUND' });
          }
          return next(specifier, context);
        }`,
      );
      await writeFile(join(dir, 'register.mjs'), `import { register } from 'node:module'; register('./hide.mjs', import.meta.url);`);
      const storageModule = pathToFileURL(join(PACKAGE_DIR, 'src/storage/sqlite/index.ts')).href;
      await writeFile(
        join(dir, 'open.mts'),
        `import { createSqliteStorage } from ${JSON.stringify(storageModule)};
         const storage = createSqliteStorage({ dataDir: ${JSON.stringify(join(dir, 'data'))}, encryptionKey: ${JSON.stringify(newKey())} });
         await storage.open().then(() => console.log('opened'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`,
      );
      const { stdout } = await run(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', '--import', join(dir, 'register.mjs'), join(dir, 'open.mts')],
        { cwd: PACKAGE_DIR, timeout: 60_000 },
      );
      const answer = JSON.parse(stdout.trim()) as { code: string; message: string };
      assert.equal(answer.code, 'cipher_unavailable');
      assert.match(answer.message, /npm install better-sqlite3-multiple-ciphers/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('key rotation', () => {
  it('re-encrypts the database and every attachment under the new key; the old key no longer opens it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-rekey-'));
    const oldKey = newKey();
    const nextKey = newKey();
    const text = canary('rotated');
    const fileBytes = Buffer.from(`rotated file ${canary('bytes')}`);
    try {
      const ts = await startServer({ dataDir, encryptionKey: oldKey });
      const seeded = await seed(ts, text, fileBytes);
      await ts.close();

      const from = EncryptionKey.parse(oldKey);
      const to = EncryptionKey.parse(nextKey);
      assert.deepEqual(await rekeyDataDir({ dataDir, from, to }), { database: 'rekeyed', resealed: 1, already: 0 });
      // Running it again (say, after an interruption) finishes nothing twice.
      assert.deepEqual(await rekeyDataDir({ dataDir, from, to }), { database: 'already', resealed: 0, already: 1 });
      assert.deepEqual(await readable(dataDir, [text, fileBytes.toString()]), []);

      await refusesToStart({ dataDir, encryptionKey: oldKey }, 'wrong_key');
      const rotated = await startServer({ dataDir, encryptionKey: nextKey });
      try {
        await servesSeed(rotated, seeded, text, fileBytes);
        // A running server holds the database: rotation refuses instead of mixing keys.
        await assert.rejects(rekeyDataDir({ dataDir, from: to, to: EncryptionKey.parse(newKey()) }), /in use: stop the server/);
      } finally {
        await rotated.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('encrypts existing unencrypted data (parley-server --rekey without a current key)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-encrypt-'));
    const key = newKey();
    const text = canary('plain');
    const fileBytes = Buffer.from(`plain file ${canary('bytes')}`);
    try {
      const ts = await startServer({ dataDir });
      const seeded = await seed(ts, text, fileBytes);
      await ts.close();
      assert.deepEqual(await readable(dataDir, [text, fileBytes.toString()]), [text, fileBytes.toString()], 'readable before');

      const { stdout } = await run(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', 'src/cli.ts', '--rekey', '--data-dir', dataDir],
        { cwd: PACKAGE_DIR, timeout: 60_000, env: { ...process.env, PARLEY_ENCRYPTION_KEY: '', PARLEY_NEW_ENCRYPTION_KEY: key } },
      );
      assert.match(stdout, /from no key to key [0-9a-f]{16}: database rekeyed, 1 attachment files re-encrypted/);
      assert.deepEqual(await readable(dataDir, [text, fileBytes.toString()]), []);

      const encrypted = await startServer({ dataDir, encryptionKey: key });
      try {
        await servesSeed(encrypted, seeded, text, fileBytes);
      } finally {
        await encrypted.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
