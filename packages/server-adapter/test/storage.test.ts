/**
 * The SQLite store: the shared conformance suite on a real file in a temp
 * directory, plus what only SQLite has (file layout, migrations, surviving a
 * killed process).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createSqliteStorage, migrate, MIGRATIONS, SchemaTooNewError, SQLITE_FILE_NAME } from '../src/storage/sqlite/index.js';
import { WriteQueue } from '../src/storage/sqlite/write-queue.js';
import type { Storage } from '../src/storage/storage.js';
import { storageConformance } from './storage-conformance.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'parley-storage-'));
}

storageConformance('SqliteStorage', async () => {
  const dataDir = await tempDir();
  let storage: Storage = createSqliteStorage({ dataDir });
  await storage.open();
  return {
    get storage() {
      return storage;
    },
    async reopen() {
      await storage.close();
      storage = createSqliteStorage({ dataDir });
      await storage.open();
      return storage;
    },
    async cleanup() {
      await storage.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStorage on disk', () => {
  let dir: string;

  before(async () => {
    dir = await tempDir();
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates parley.db in WAL mode inside the data directory, migrated to the latest version', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const storage = createSqliteStorage({ dataDir });
    await storage.open();
    await storage.open(); // opening twice is harmless
    await storage.upsertUser({ id: 'alice', name: 'Alice' });
    await storage.close();
    await storage.close();

    const db = new Database(join(dataDir, SQLITE_FILE_NAME), { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
      assert.deepEqual(db.prepare('SELECT id, name FROM users').all(), [{ id: 'alice', name: 'Alice' }]);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer version, and leaves it untouched', async () => {
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();

    const storage = createSqliteStorage({ file });
    await assert.rejects(storage.open(), SchemaTooNewError);
    await assert.rejects(storage.getRoom('x'), /not open/);

    const check = new Database(file, { readonly: true });
    try {
      assert.equal(check.pragma('user_version', { simple: true }), MIGRATIONS.length + 1);
      assert.deepEqual(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(), []);
    } finally {
      check.close();
    }
  });

  it('upgrading a database that kept deleted text rewrites it: the text is gone and old tombstones lose their attachments', async () => {
    const file = join(dir, 'upgrade.db');
    const secret = `oldsecret${Date.now().toString(36)}`;
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    migrate(old, MIGRATIONS.slice(0, 2));
    old.exec(`
      INSERT INTO rooms (id, kind, name, name_fold, topic, created_at, created_by, last_seq, rev, last_activity_at)
        VALUES ('r', 'group', 'R', 'r', '', 1, 'alice', 2, 2, 1);
      INSERT INTO messages (id, room_id, seq, rev, sender, kind, text, created_at, attachment_count)
        VALUES ('m1', 'r', 1, 1, 'alice', 'user', 'the ${secret} plan', 1, 1),
               ('m2', 'r', 2, 2, 'alice', 'user', 'kept words', 2, 0);
      INSERT INTO attachments (id, room_id, uploader, name, type, size, created_at, message_id, position, blob_key)
        VALUES ('a1', 'r', 'alice', 'plan.txt', 'text/plain', 1, 1, 'm1', 0, 'blob-a1');
      INSERT INTO messages_fts (rowid, text) SELECT pk, text FROM messages;
      UPDATE fts_state SET indexed_pk = (SELECT max(pk) FROM messages);
    `);
    // A delete as older versions made it: the row is cleared, the bytes stay in free space and the index.
    old.exec(`UPDATE messages SET text = '', deleted_at = 3, attachment_count = 0 WHERE id = 'm1'`);
    old.close();
    const bytes = (): Buffer => readFileSync(file);
    assert.ok(bytes().includes(secret), 'the old file still holds the deleted text');

    const storage = createSqliteStorage({ file });
    await storage.open();
    try {
      assert.equal(bytes().includes(secret), false, 'opening rewrote the file');
      assert.equal(await storage.getAttachment('a1'), null);
      assert.deepEqual(await storage.pendingBlobErasures(10), ['blob-a1']);
    } finally {
      await storage.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      assert.equal(check.pragma('user_version', { simple: true }), MIGRATIONS.length);
      assert.equal(check.prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'kept'`).pluck().get(), 1, 'reindexed');
      assert.equal(check.prepare(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '${secret}'`).pluck().get(), 0);
    } finally {
      check.close();
    }
    assert.equal(bytes().includes(secret), false);
  });

  it('finishes writes still queued when it is closed', async () => {
    const file = join(dir, 'close.db');
    const storage = createSqliteStorage({ file });
    await storage.open();
    await storage.createRoom({
      id: 'r',
      kind: 'group',
      name: 'R',
      topic: '',
      createdBy: 'alice',
      now: 1,
      directKey: null,
      members: [{ user: 'alice', role: 'owner' }],
    });
    const sends = Array.from({ length: 20 }, (_, i) =>
      storage.appendMessage({
        id: `m${i}`,
        room: 'r',
        sender: 'alice',
        clientId: `c${i}`,
        text: `queued ${i}`,
        parentId: null,
        mentions: [],
        attachmentIds: [],
        flagged: false,
        now: 2 + i,
      }),
    );
    await storage.close();
    const results = await Promise.all(sends);
    assert.deepEqual(
      results.map((r) => r.message.seq),
      Array.from({ length: 20 }, (_, i) => i + 2),
    );

    const reopened = createSqliteStorage({ file });
    await reopened.open();
    try {
      assert.equal((await reopened.getRoom('r'))?.lastSeq, 21);
    } finally {
      await reopened.close();
    }
  });

  it('keeps every acknowledged message when the process is killed mid-write', async (t) => {
    const dataDir = join(dir, 'crash');
    const acked = await runAndKill(dataDir, 60);
    t.diagnostic(`${acked.size} sends acknowledged before SIGKILL`);
    assert.ok(acked.size >= 60);

    const storage = createSqliteStorage({ dataDir });
    await storage.open();
    try {
      const { messages } = await storage.history('crash-room', null, 100_000);
      const bySeq = new Map(messages.map((m) => [m.seq, m]));
      for (const [seq, text] of acked) assert.equal(bySeq.get(seq)?.text, text, `acknowledged seq ${seq}`);
      assert.deepEqual(
        messages.map((m) => m.seq),
        Array.from({ length: messages.length }, (_, i) => i + 1),
        'no gaps',
      );
      // A retry after the crash finds the original instead of storing it again.
      const [someSeq, someText] = [...acked][0];
      const index = Number(someText.split(' ')[1]);
      const retry = await storage.appendMessage({
        id: `crash-${index}`,
        room: 'crash-room',
        sender: 'writer',
        clientId: `client-${index}`,
        text: someText,
        parentId: null,
        mentions: [],
        attachmentIds: [],
        flagged: false,
        now: Date.now(),
      });
      assert.equal(retry.duplicate, true);
      assert.equal(retry.message.seq, someSeq);
    } finally {
      await storage.close();
    }
  });
});

describe('WriteQueue (group commit)', () => {
  function setup(): { db: Database.Database; queue: WriteQueue; commits: () => number } {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent (id));`);
    const tx = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT op'),
      release: db.prepare('RELEASE op'),
      rollbackTo: db.prepare('ROLLBACK TO op'),
    };
    let commits = 0;
    const queue = new WriteQueue(tx, () => db.inTransaction, { maxBatch: 4, beforeCommit: () => commits++ });
    return { db, queue, commits: () => commits };
  }

  it('commits writes of the same turn together, in order, at most maxBatch at a time', async () => {
    const { db, queue, commits } = setup();
    const insert = db.prepare('INSERT INTO parent (id) VALUES (?) RETURNING id');
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => queue.run(() => insert.get(i + 1))));
    assert.deepEqual(ids, Array.from({ length: 10 }, (_, i) => ({ id: i + 1 })));
    assert.equal(commits(), 3, '10 writes in batches of 4');
    assert.equal(db.inTransaction, false);
    db.close();
  });

  it('a failing write is rolled back alone; its neighbours commit', async () => {
    const { db, queue } = setup();
    const insert = db.prepare('INSERT INTO parent (id) VALUES (?)');
    const results = await Promise.allSettled([
      queue.run(() => insert.run(1)),
      queue.run(() => {
        insert.run(2);
        insert.run(1); // duplicate key: this write fails after a partial change
      }),
      queue.run(() => insert.run(3)),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(db.prepare('SELECT id FROM parent ORDER BY id').pluck().all(), [1, 3]);
    db.close();
  });

  it('when the commit itself fails, every write of the batch is rejected and nothing is stored', async () => {
    const { db, queue } = setup();
    const insertChild = db.prepare('INSERT INTO child (id, parent) VALUES (?, ?)');
    const results = await Promise.allSettled([
      queue.run(() => db.prepare('INSERT INTO parent (id) VALUES (1)').run()),
      queue.run(() => {
        // A deferred foreign-key violation is only detected at COMMIT.
        db.pragma('defer_foreign_keys = ON');
        insertChild.run(1, 999);
      }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.equal(db.inTransaction, false);
    assert.equal(db.prepare('SELECT count(*) FROM parent').pluck().get(), 0);
    // The queue keeps working afterwards.
    await queue.run(() => db.prepare('INSERT INTO parent (id) VALUES (2)').run());
    assert.equal(db.prepare('SELECT count(*) FROM parent').pluck().get(), 1);
    db.close();
  });
});

/**
 * Runs a child process that sends messages as fast as it can (several in
 * flight) and prints each acknowledgement; kills it with SIGKILL once
 * `minAcks` have been printed. Returns seq → text of what was acknowledged.
 */
async function runAndKill(dataDir: string, minAcks: number): Promise<Map<number, string>> {
  const storageModule = new URL('../src/storage/sqlite/index.ts', import.meta.url).href;
  const script = `
    const { createSqliteStorage } = await import(${JSON.stringify(storageModule)});
    const storage = createSqliteStorage({ dataDir: ${JSON.stringify(dataDir)} });
    await storage.open();
    await storage.createRoom({ id: 'crash-room', kind: 'group', name: 'Crash', topic: '', createdBy: 'writer',
      now: Date.now(), directKey: null, members: [{ user: 'writer', role: 'owner' }] });
    let next = 0;
    async function lane() {
      while (next < 20000) {
        const i = next++;
        const { message } = await storage.appendMessage({ id: 'crash-' + i, room: 'crash-room', sender: 'writer',
          clientId: 'client-' + i, text: 'message ' + i, parentId: null, mentions: [], attachmentIds: [],
          flagged: false, now: Date.now() });
        process.stdout.write(message.seq + '\\t' + message.text + '\\n');
      }
    }
    await Promise.all(Array.from({ length: 8 }, lane));
  `;
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const acked = new Map<number, string>();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not acknowledge ${minAcks} sends in time: ${stderr}`));
    }, 60_000);
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [seq, text] = line.split('\t');
        acked.set(Number(seq), text);
      }
      if (acked.size >= minAcks && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited by itself (code ${code}): ${stderr}`));
    });
  });
}
