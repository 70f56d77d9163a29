/**
 * Workspace persistence: documents survive a server restart, compaction keeps
 * their content identical, and idle documents are unloaded and load again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import { WorkspaceMessage } from '@parley/sdk/protocol';
import { createRoom, signToken } from './helpers.js';
import { RawWorkspaceSocket, bodyOf, docFromStored, openProvider, startWorkspaceServer, synced, waitUntil } from './workspace-helpers.js';
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

  it('stores every acknowledged update, also several that wait for the same missing one', async () => {
    await withServer({}, async (ws, room) => {
      // Three edits in a row; the first never reaches the server until the end, so the other two wait for it.
      const author = new Y.Doc();
      const updates: Uint8Array[] = [];
      author.on('update', (update: Uint8Array) => updates.push(update));
      const body = author.getText('body');
      body.insert(0, 'a');
      body.insert(1, 'b');
      body.insert(2, 'c');
      body.insert(3, 'd');
      assert.equal(updates.length, 4);
      const [first, ...dependent] = updates;

      const socket = await RawWorkspaceSocket.open(ws, room, await signToken('ada'));
      try {
        await socket.waitForMessage(WorkspaceMessage.Sync);
        for (const update of dependent) socket.send(updateMessage(update));
        await waitUntil(() => ackedCount(socket) >= dependent.length, 'the three waiting updates were acked');
      } finally {
        socket.close();
      }
      // The document unloads (a graceful stop folds it into a snapshot); only storage holds them now.
      await ws.stop();
      const stored = docFromStored(await ws.stored(room));
      Y.applyUpdate(stored, first);
      assert.equal(bodyOf(stored), 'abcd', 'every acknowledged edit was stored');
    });
  });
});

/** A y-protocols sync "update" message. */
function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, WorkspaceMessage.Sync);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** The highest count any ack message on `socket` acknowledged. */
function ackedCount(socket: RawWorkspaceSocket): number {
  let acked = 0;
  for (const message of socket.received) {
    const decoder = decoding.createDecoder(message);
    if (decoding.readVarUint(decoder) !== WorkspaceMessage.Ack) continue;
    acked = Math.max(acked, decoding.readVarUint(decoder));
  }
  return acked;
}
