/**
 * `client.workspace(roomId)` against a real server: the shared handle, the
 * sync state in the store (loading → connecting → syncing → synced, pending
 * until the server confirms), offline edits that survive a reload and merge,
 * read-only members, non-members, token refresh and logout; a change the
 * server refuses as too complex stops the workspace for good.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Y from 'yjs';
import type { ParleyClient, Workspace, WorkspaceLocalCopy, WorkspaceLocalStore, WorkspaceState } from '../src/index.js';
import { SECRET, nodeClient, startServer, until } from './helpers.js';
import type { TestServer } from './helpers.js';
import { SignJWT } from 'jose';
import WebSocket from 'ws';

/** A device store kept in memory across clients, as IndexedDB is across page loads. */
function deviceStore(): { store: WorkspaceLocalStore; names: () => string[] } {
  const saved = new Map<string, { updates: Uint8Array[]; meta: Map<string, unknown> }>();
  const open = (name: string, doc: Y.Doc): WorkspaceLocalCopy => {
    const entry = saved.get(name) ?? { updates: [], meta: new Map<string, unknown>() };
    saved.set(name, entry);
    const origin = { name };
    const onUpdate = (update: Uint8Array, from: unknown): void => {
      if (from !== origin) entry.updates.push(update);
    };
    const copy: WorkspaceLocalCopy = {
      origin,
      whenLoaded: Promise.resolve().then(() => {
        doc.transact(() => entry.updates.forEach((u) => Y.applyUpdate(doc, u)), origin);
        doc.on('update', onUpdate);
      }),
      get: (key) => Promise.resolve(entry.meta.get(key)),
      set: (key, value) => Promise.resolve(void entry.meta.set(key, value)),
      destroy: () => Promise.resolve(doc.off('update', onUpdate)),
      clear: () => {
        doc.off('update', onUpdate);
        saved.delete(name);
        return Promise.resolve();
      },
    };
    return copy;
  };
  const purge = (prefix: string): Promise<void> => {
    for (const name of [...saved.keys()]) if (name.startsWith(prefix)) saved.delete(name);
    return Promise.resolve();
  };
  return { store: { open, purge }, names: () => [...saved.keys()] };
}

/** Every distinct state a workspace went through, from the store. */
function recordStates(client: ParleyClient, room: string): WorkspaceState[] {
  const seen: WorkspaceState[] = [];
  client.store.subscribe(
    (s) => s.workspaces[room],
    (state) => {
      if (state) seen.push(state);
    },
  );
  return seen;
}

describe('client.workspace()', () => {
  let server: TestServer;
  let ada: ParleyClient;
  let bob: ParleyClient;
  let room: string;
  const clients: ParleyClient[] = [];

  before(async () => {
    server = await startServer();
    ada = nodeClient(server.url, await server.token('ada', 'Ada'));
    bob = nodeClient(server.url, await server.token('bob', 'Bob'));
    clients.push(ada, bob);
    await Promise.all([ada.connect(), bob.connect()]);
    await Promise.all([ada.whenOnline(), bob.whenOnline()]);
    room = (await ada.createRoom({ kind: 'workspace', name: 'Plans', members: ['bob'] })).id;
  });

  after(async () => {
    for (const client of clients) await client.dispose();
    await server.dispose();
  });

  it('hands out one shared handle per room and goes from connecting to synced', async () => {
    const states = recordStates(ada, room);
    const first = await ada.workspace(room);
    const second = await ada.workspace(room);
    assert.equal(first, second, 'the same handle for the same room');
    await first.whenSynced();
    assert.deepEqual(ada.state.workspaces[room], { status: 'synced', pending: false, readOnly: false, error: null });
    const statuses = states.map((s) => s.status);
    assert.deepEqual([...new Set(statuses)], ['connecting', 'syncing', 'synced']);
    first.release();
    assert.ok(ada.state.workspaces[room], 'still open: one holder left');
    second.release();
    assert.equal(ada.state.workspaces[room], undefined, 'released by every holder');
    const reopened = await ada.workspace(room);
    assert.notEqual(reopened, first, 'a released handle is not reused');
    reopened.release();
  });

  it('marks local edits pending until the server stored them, and counts pending documents', async () => {
    const mine = await ada.workspace(room);
    const theirs = await bob.workspace(room);
    try {
      await Promise.all([mine.whenSynced(), theirs.whenSynced()]);
      const states = recordStates(ada, room);
      const counts: number[] = [];
      ada.store.subscribe((s) => s.pendingDocuments, (n) => counts.push(n));
      mine.text.insert(0, 'Hello');
      assert.equal(ada.state.workspaces[room]?.pending, true, 'pending at once');
      assert.equal(ada.state.pendingDocuments, 1);
      await mine.whenSynced();
      assert.equal(ada.state.pendingDocuments, 0);
      assert.deepEqual(counts, [1, 0]);
      assert.deepEqual(states.map((s) => s.pending), [true, false]);
      await until(() => theirs.text.toString() === 'Hello', 'bob sees the edit');
      assert.equal(bob.state.workspaces[room]?.pending, false, 'remote edits are never pending');
    } finally {
      mine.release();
      theirs.release();
    }
  });

  it('keeps offline edits pending across a restart of the client, then merges them', async () => {
    const device = deviceStore();
    const token = await server.token('ada', 'Ada');
    const first = nodeClient(server.url, token, { workspaceStore: device.store });
    clients.push(first);
    await first.connect();
    let ws: Workspace = await first.workspace(room);
    await ws.whenSynced();
    const before = ws.text.toString();

    await server.stop();
    await until(() => first.state.workspaces[room]?.status === 'offline', 'offline');
    ws.text.insert(0, 'offline edit; ');
    ws.tasks.add('written offline');
    assert.equal(first.state.workspaces[room]?.pending, true);
    assert.equal(first.state.pendingDocuments, 1);
    await first.dispose(); // the page goes away

    const second = nodeClient(server.url, token, { workspaceStore: device.store });
    clients.push(second);
    await second.connect();
    ws = await second.workspace(room);
    await ws.whenLoaded;
    assert.equal(ws.text.toString(), `offline edit; ${before}`, 'the device copy came back');
    assert.equal(second.state.workspaces[room]?.pending, true, 'still unconfirmed after the reload');
    assert.notEqual(second.state.workspaces[room]?.status, 'synced');

    await server.start();
    await ws.whenSynced();
    const theirs = await bob.workspace(room);
    try {
      await until(() => theirs.text.toString().startsWith('offline edit; '), 'bob gets the offline edit');
      await until(() => theirs.tasks.list().some((t) => t.text === 'written offline'), 'bob gets the offline task');
      assert.equal(second.state.pendingDocuments, 0);
    } finally {
      theirs.release();
      ws.release();
    }

    assert.equal(device.names().length, 1, 'a released document stays on the device');
    await second.logout();
    assert.deepEqual(device.names(), [], 'logout removes the device copies');
  });

  it('marks a read-only member, refuses their edits and still syncs them what others write', async () => {
    await Promise.all([ada.whenOnline(), bob.whenOnline()]);
    const broadcast = (await ada.createRoom({ kind: 'broadcast', name: 'News', members: ['bob'] })).id;
    const reader = await bob.workspace(broadcast);
    const writer = await ada.workspace(broadcast);
    try {
      await Promise.all([reader.whenSynced(), writer.whenSynced()]);
      assert.equal(bob.state.workspaces[broadcast]?.readOnly, true);
      assert.equal(ada.state.workspaces[broadcast]?.readOnly, false);
      reader.text.insert(0, 'not allowed');
      await reader.whenSynced(); // refused, but handled: nothing stays pending
      writer.text.insert(0, 'news');
      await until(() => reader.text.toString().includes('news'), 'the reader gets the news');
      assert.equal(writer.text.toString(), 'news');
    } finally {
      reader.release();
      writer.release();
    }
  });

  it('stops for good with not_member for a room the user does not belong to', async () => {
    const carol = nodeClient(server.url, await server.token('carol', 'Carol'));
    clients.push(carol);
    await carol.connect();
    const ws = await carol.workspace(room);
    try {
      await assert.rejects(ws.whenSynced(), (error: Error & { code?: string; retryable?: boolean }) => {
        assert.equal(error.code, 'not_member');
        assert.equal(error.retryable, false);
        return true;
      });
      assert.equal(carol.state.workspaces[room]?.status, 'offline');
      assert.equal(ws.text.toString(), '', 'nothing of the document arrived');
    } finally {
      ws.release();
    }
  });

  it('asks the token function again after the server says the token expired', async () => {
    let calls = 0;
    const token = async (): Promise<string> => {
      calls += 1;
      // The first token lives two seconds; later ones an hour.
      const exp = Math.floor(Date.now() / 1000) + (calls === 1 ? 2 : 3600);
      return new SignJWT({ name: 'Ada' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));
    };
    const client = nodeClient(server.url, token);
    clients.push(client);
    await client.connect();
    const ws = await client.workspace(room);
    try {
      await ws.whenSynced();
      const before = calls;
      await until(() => calls > before && client.state.workspaces[room]?.status === 'synced', 'reconnected with a fresh token', 15_000);
      ws.text.insert(0, '!');
      await ws.whenSynced();
    } finally {
      ws.release();
    }
  });
});

/** An update from `clientID` inserting `items` characters one by one at index 0 (see the server's workspace-cpu test). */
function hostileUpdate(clientID: number, items: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  doc.transact(() => {
    for (let i = 0; i < items; i++) doc.getText('body').insert(0, 'x');
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

describe('client.workspace() and a change the server refuses as too complex', () => {
  let server: TestServer;
  const clients: ParleyClient[] = [];

  before(async () => {
    // Default budgets: merging the second hostile update takes the server many times its update budget.
    server = await startServer();
  });

  after(async () => {
    for (const client of clients) await client.dispose();
    await server.dispose();
  });

  it('stops for good with update_too_complex, and never sends the change again', async () => {
    let workspaceSockets = 0;
    class CountingWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        if (String(url).includes('/v1/yjs/')) workspaceSockets += 1;
      }
    }
    const ada = nodeClient(server.url, await server.token('ada', 'Ada'), { WebSocket: CountingWebSocket as unknown as typeof globalThis.WebSocket });
    const bob = nodeClient(server.url, await server.token('bob', 'Bob'));
    clients.push(ada, bob);
    await Promise.all([ada.connect(), bob.connect()]);
    await Promise.all([ada.whenOnline(), bob.whenOnline()]);
    const room = (await ada.createRoom({ kind: 'workspace', name: 'Poisoned', members: ['bob'] })).id;
    const mine = await ada.workspace(room);
    try {
      await mine.whenSynced();
      Y.applyUpdate(mine.doc, hostileUpdate(7_000_001, 3_000));
      await mine.whenSynced();
      Y.applyUpdate(mine.doc, hostileUpdate(7_000_002, 3_000));
      await assert.rejects(mine.whenSynced(), (error: Error & { code?: string; retryable?: boolean }) => {
        assert.equal(error.code, 'update_too_complex');
        assert.equal(error.retryable, false);
        return true;
      });
      assert.equal(ada.state.workspaces[room]?.status, 'offline');
      assert.equal(ada.state.workspaces[room]?.error?.code, 'update_too_complex');
      assert.equal(workspaceSockets, 1);

      // Reconnecting the client does not reopen the workspace; meanwhile bob edits the same document.
      ada.disconnect();
      await ada.connect();
      await ada.whenOnline();
      const theirs = await bob.workspace(room);
      try {
        await theirs.whenSynced();
        assert.equal(theirs.text.length, 3_000, 'bob has the first change, never the refused one');
        theirs.text.insert(0, 'bob ');
        await theirs.whenSynced();
      } finally {
        theirs.release();
      }
      assert.equal(workspaceSockets, 1, 'the refused change was never sent again');
      assert.equal(ada.state.workspaces[room]?.error?.code, 'update_too_complex');
    } finally {
      mine.release();
    }
  });
});
