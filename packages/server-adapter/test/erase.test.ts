/**
 * Deleting means gone: a deleted message's attachments can no longer be
 * fetched and their files leave the disk; its text, edit history, search
 * entry and attachment names leave the SQLite file and its WAL. The same for
 * messages purged by retention, and for erasures a crash interrupted.
 * Checked on the raw files, as someone holding the disk would read them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@parley/sdk/protocol';
import { createSqliteStorage, SQLITE_FILE_NAME } from '../src/storage/sqlite/index.js';
import { cid, createRoom, eventually, send, startServer, uploadAttachment } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';
import { bodyOf, openProvider, startWorkspaceServer, synced, waitUntil } from './workspace-helpers.js';

/** A word no other test writes: lower-case, so the search index stores exactly these bytes. */
function canary(label: string): string {
  return `${label}${randomBytes(8).toString('hex')}`;
}

/** The database file and its WAL as they are on disk now. */
async function rawDatabase(dataDir: string): Promise<Buffer> {
  const file = join(dataDir, SQLITE_FILE_NAME);
  const wal = `${file}-wal`;
  return Buffer.concat([await readFile(file), existsSync(wal) ? await readFile(wal) : Buffer.alloc(0)]);
}

/** Which of `words` the database file or its WAL still hold. */
async function foundOnDisk(dataDir: string, words: readonly string[]): Promise<string[]> {
  const bytes = await rawDatabase(dataDir);
  return words.filter((word) => bytes.includes(word));
}

describe('erasure on delete', () => {
  let ts: TestServer;
  let ada: TestClient, bob: TestClient;
  let room: string;

  before(async () => {
    ts = await startServer();
    ada = await ts.connect('ada');
    bob = await ts.connect('bob');
    room = await createRoom(ada, ['bob']);
  });
  after(() => ts.close());

  it('a deleted message takes its attachments along: no URL, no download, no file', async () => {
    const bytes = Buffer.from(`the bytes of ${canary('file')}`);
    const attachment = await uploadAttachment(ts, room, bytes, { name: 'notes.txt' });
    const { message } = await ada.request('message.send', { room, clientId: cid(), text: 'see file', attachments: [attachment.id] });
    const { url } = await bob.request('attachment.url', { attachmentId: attachment.id });
    const before = await fetch(new URL(url, ts.url));
    assert.equal(before.status, 200);
    assert.deepEqual(Buffer.from(await before.arrayBuffer()), bytes);
    const file = join(ts.dataDir, 'attachments', attachment.id);
    assert.ok(existsSync(file));

    const { message: tomb } = await ada.request('message.delete', { messageId: message.id, clientId: cid() });
    assert.deepEqual(tomb.attachments, []);
    assert.equal(existsSync(file), false, 'the file is gone once the delete is acknowledged');
    assert.equal(await bob.fail('attachment.url', { attachmentId: attachment.id }), ErrorCode.NotFound);
    assert.equal(await ada.fail('attachment.url', { attachmentId: attachment.id }), ErrorCode.NotFound);
    const afterDelete = await fetch(new URL(url, ts.url));
    assert.equal(afterDelete.status, 404, 'a URL signed before the delete finds nothing');
    await afterDelete.arrayBuffer();
    const { messages } = await bob.request('message.history', { room });
    assert.deepEqual(messages.find((m) => m.id === message.id)?.attachments, []);
  });

  it("a deleted message's text, earlier versions, search entry and attachment name leave the database file and its WAL", async () => {
    const first = canary('draft');
    const second = canary('final');
    const name = `${canary('name')}.txt`;
    const attachment = await uploadAttachment(ts, room, Buffer.from('x'), { name });
    const { message } = await ada.request('message.send', {
      room,
      clientId: cid(),
      text: `meet at ${first} tonight`,
      attachments: [attachment.id],
    });
    // Traffic after each version, so the search index merges them into older segments than the delete's.
    const filler = async (): Promise<void> => {
      for (let i = 0; i < 60; i++) await send(bob, room, `filler message ${i} about nothing in particular`);
    };
    await filler();
    await ada.request('message.edit', { messageId: message.id, clientId: cid(), text: `meet at ${second} tonight` });
    await filler();
    assert.equal((await bob.request('search', { query: second })).messages.length, 1);
    const words = [first, second, name];
    // The test can see these bytes: before the delete they are there.
    assert.deepEqual(await foundOnDisk(ts.dataDir, words), words);

    await ada.request('message.delete', { messageId: message.id, clientId: cid() });
    assert.equal((await bob.request('search', { query: second })).messages.length, 0);
    assert.deepEqual((await bob.request('message.edits', { messageId: message.id })).edits, []);
    // The promised checkpoint follows the delete within about a second.
    let left: string[] = words;
    await eventually(async () => (left = await foundOnDisk(ts.dataDir, words)).length === 0, `deleted words still on disk: ${left.join(', ')}`);

    // The store keeps working after the checkpoint.
    const later = await send(ada, room, 'still here');
    assert.deepEqual((await bob.request('search', { query: 'still here' })).messages.map((m) => m.id), [later.id]);
  });
});

describe('erasure by retention', () => {
  it("purged messages' files, text and attachment names leave the disk", async () => {
    const ts = await startServer({ retentionIntervalMs: 100 });
    try {
      const ada = await ts.connect('ada');
      const room = await createRoom(ada, []);
      const text = canary('purged');
      const name = `${canary('purgedname')}.txt`;
      const attachment = await uploadAttachment(ts, room, Buffer.from('old bytes'), { name });
      await ada.request('message.send', { room, clientId: cid(), text: `old ${text}`, attachments: [attachment.id] });
      const file = join(ts.dataDir, 'attachments', attachment.id);
      assert.ok(existsSync(file));
      assert.deepEqual(await foundOnDisk(ts.dataDir, [text, name]), [text, name]);

      await ada.request('room.update', { room, retention: { maxAgeMs: null, maxMessages: 1 } });
      await send(ada, room, 'newer');
      await eventually(() => !existsSync(file), 'the purged attachment file is deleted');
      assert.equal(await ada.fail('attachment.url', { attachmentId: attachment.id }), ErrorCode.NotFound);
      let left: string[] = [];
      await eventually(
        async () => (left = await foundOnDisk(ts.dataDir, [text, name])).length === 0,
        `purged words still on disk: ${left.join(', ')}`,
      );
    } finally {
      await ts.close();
    }
  });
});

describe('erasure in workspace documents', () => {
  it('text deleted from a document leaves the disk once the document is compacted', async () => {
    const ws = await startWorkspaceServer({ workspaces: { idleUnloadMs: 200 } });
    try {
      const ada = await ws.chat('ada');
      const room = await createRoom(ada, [], 'workspace', 'Notes');
      const secret = canary('doc');
      const writer = await openProvider(ws, 'ada', room);
      try {
        await synced(writer);
        const body = writer.doc.getText('body');
        body.insert(0, `keep this; ${secret}`);
        // The first ack may be the sync's own; the insert is stored when its text is on disk.
        await eventually(async () => (await foundOnDisk(ws.dataDir, [secret])).length === 1, 'the inserted text is never stored');
        await waitUntil(() => writer.acked() >= 1, 'the insert was stored');
        body.delete('keep this; '.length, secret.length);
        await waitUntil(() => writer.acked() >= 2, 'the delete was stored');
      } finally {
        writer.destroy();
      }
      // Nobody has it open: it is compacted and unloaded, and the checkpoint follows.
      await eventually(async () => (await foundOnDisk(ws.dataDir, [secret])).length === 0, 'deleted document text still on disk');
      const reader = await openProvider(ws, 'ada', room);
      try {
        await synced(reader);
        assert.equal(bodyOf(reader.doc), 'keep this; ');
      } finally {
        reader.destroy();
      }
    } finally {
      await ws.close();
    }
  });
});

describe('erasure after a crash', () => {
  it('files whose erasure was interrupted are deleted at the next start', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-erase-'));
    try {
      const first = await startServer({ dataDir });
      let file: string;
      let messageId: string;
      try {
        const ada = await first.connect('ada');
        const room = await createRoom(ada, []);
        const attachment = await uploadAttachment(first, room, Buffer.from('crash bytes'));
        ({ message: { id: messageId } } = await ada.request('message.send', {
          room,
          clientId: cid(),
          text: 'with file',
          attachments: [attachment.id],
        }));
        file = join(dataDir, 'attachments', attachment.id);
      } finally {
        await first.close();
      }
      // The delete commits, then the process dies before the file is removed.
      const storage = createSqliteStorage({ dataDir });
      await storage.open();
      await storage.changeMessage(messageId, 'ada', cid(), { kind: 'delete' }, Date.now());
      await storage.close();
      assert.ok(existsSync(file), 'the file outlived the crash');

      const second = await startServer({ dataDir });
      try {
        await eventually(() => !existsSync(file), 'the next start deletes the file');
      } finally {
        await second.close();
      }
      const reopened = createSqliteStorage({ dataDir });
      await reopened.open();
      try {
        assert.deepEqual(await reopened.pendingBlobErasures(10), [], 'and forgets it');
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
