/**
 * Workspace persistence: documents survive a server restart, compaction keeps
 * their content identical, and idle documents are unloaded and load again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Y from 'yjs';
import { createRoom } from './helpers.js';
import { bodyOf, docFromStored, openProvider, startWorkspaceServer, synced, waitUntil } from './workspace-helpers.js';
import type { ServerOptions } from '../src/index.js';
import { createSqliteStorage } from '../src/storage/index.js';
import type { TestProvider, WorkspaceServer } from './workspace-helpers.js';

async function withServer(options: Partial<ServerOptions>, body: (ws: WorkspaceServer, room: string) => Promise<void>): Promise<void> {
  const ws = await startWorkspaceServer(options);
  try {
    const ada = await ws.chat('ada');
    const room = await createRoom(ada, ['bob'], 'workspace', 'Notes');
    await body(ws, room);
  } finally {
    await ws.close();
  }
}

/** Types `text` one character per update, waiting for each ack (so each is one stored update). */
async function typeSlowly(p: TestProvider, text: string): Promise<void> {
  for (const char of text) {
    const acked = p.acked();
    p.doc.getText('body').insert(bodyOf(p.doc).length, char);
    await waitUntil(() => p.acked() > acked, 'the keystroke was acked');
  }
}

describe('workspace persistence', () => {
  it('keeps the document across a server restart', async () => {
    await withServer({}, async (ws, room) => {
      const ada = await openProvider(ws, 'ada', room);
      try {
        await synced(ada);
        await typeSlowly(ada, 'kept');
        ada.doc.getMap('tasks').set('t1', new Y.Map());
        await waitUntil(() => ada.acked() >= 5, 'the task was acked');
      } finally {
        ada.destroy();
      }
      await ws.restart();
      const bob = await openProvider(ws, 'bob', room);
      try {
        await synced(bob);
        assert.equal(bodyOf(bob.doc), 'kept');
        assert.ok(bob.doc.getMap('tasks').has('t1'));
      } finally {
        bob.destroy();
      }
    });
  });

  it('loads a document from its snapshot plus the updates logged after it', async () => {
    await withServer({}, async (ws, room) => {
      const ada = await openProvider(ws, 'ada', room);
      try {
        await synced(ada);
        await typeSlowly(ada, 'snap');
      } finally {
        ada.destroy();
      }
      await ws.stop(); // compacts: "snap" is the snapshot now
      // Updates committed after the last compaction, as a crash would leave them.
      const writer = docFromStored(await ws.stored(room));
      const logged: Uint8Array[] = [];
      writer.on('update', (update: Uint8Array) => logged.push(update));
      writer.getText('body').insert(4, 'shot');
      writer.getText('body').insert(8, '!');
      const storage = createSqliteStorage({ dataDir: ws.dataDir });
      await storage.open();
      for (const update of logged) await storage.appendWorkspaceUpdate(room, update, Date.now());
      await storage.close();

      await ws.restart();
      const bob = await openProvider(ws, 'bob', room);
      try {
        await synced(bob);
        assert.equal(bodyOf(bob.doc), 'snapshot!');
      } finally {
        bob.destroy();
      }
    });
  });

  it('compacts the log into a snapshot with the same content', async () => {
    await withServer({ workspaces: { compactAfterUpdates: 5 } }, async (ws, room) => {
      const ada = await openProvider(ws, 'ada', room);
      try {
        await synced(ada);
        await typeSlowly(ada, 'abcdefghijkl');
        const stored = await ws.stored(room);
        assert.ok(stored.snapshot !== null, 'a snapshot was written');
        assert.ok(stored.updates.length < 5, `the log was folded (${stored.updates.length} left)`);
        const fresh = docFromStored(stored);
        assert.equal(bodyOf(fresh), 'abcdefghijkl');
        assert.deepEqual(Y.encodeStateVector(fresh), Y.encodeStateVector(ada.doc));
      } finally {
        ada.destroy();
      }
    });
  });

  it('unloads an idle document after compacting it, and loads it again on the next open', async () => {
    await withServer({ workspaces: { idleUnloadMs: 50 } }, async (ws, room) => {
      const ada = await openProvider(ws, 'ada', room);
      await synced(ada);
      await typeSlowly(ada, 'idle');
      ada.destroy();
      // Unloading compacts: the whole log becomes the snapshot.
      let stored = await ws.stored(room);
      for (let i = 0; i < 500 && !(stored.snapshot !== null && stored.updates.length === 0); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        stored = await ws.stored(room);
      }
      assert.ok(stored.snapshot !== null && stored.updates.length === 0, 'the idle document was compacted on unload');
      assert.equal(bodyOf(docFromStored(stored)), 'idle');

      const bob = await openProvider(ws, 'bob', room);
      try {
        await synced(bob);
        assert.equal(bodyOf(bob.doc), 'idle');
        bob.doc.getText('body').insert(4, '!');
        await waitUntil(() => bob.acked() >= 2, 'the edit after reload was stored');
      } finally {
        bob.destroy();
      }
    });
  });

  it('unloads the least recently used idle document when at the maximum', async () => {
    await withServer({ workspaces: { maxOpenDocuments: 1, idleUnloadMs: 60_000 } }, async (ws, room) => {
      const ada = await ws.chat('ada');
      const second = await createRoom(ada, [], 'workspace', 'Second');
      const first = await openProvider(ws, 'ada', room);
      await synced(first);
      await typeSlowly(first, 'one');
      first.destroy();
      const other = await openProvider(ws, 'ada', second);
      try {
        await synced(other);
        await typeSlowly(other, 'two');
        // Opening the second document pushed the idle first one out, compacted.
        const stored = await ws.stored(room);
        assert.ok(stored.snapshot !== null && stored.updates.length === 0);
      } finally {
        other.destroy();
      }
      const again = await openProvider(ws, 'ada', room);
      try {
        await synced(again);
        assert.equal(bodyOf(again.doc), 'one');
      } finally {
        again.destroy();
      }
    });
  });

  it('refuses another document with 4013 when every loaded one is in use', async () => {
    await withServer({ workspaces: { maxOpenDocuments: 1 } }, async (ws, room) => {
      const ada = await ws.chat('ada');
      const second = await createRoom(ada, [], 'workspace', 'Second');
      const holder = await openProvider(ws, 'ada', room);
      const refused = await openProvider(ws, 'ada', second);
      try {
        await synced(holder);
        await waitUntil(() => refused.closes.length > 0, 'the second open is refused');
        assert.equal(refused.closes[0].code, 4013);
        assert.equal(refused.closes[0].reason.code, 'unavailable');
        assert.ok((refused.closes[0].reason.retryAfterMs ?? 0) > 0);
        assert.equal(refused.provider.synced, false);
      } finally {
        refused.destroy();
        holder.destroy();
      }
    });
  });
});
