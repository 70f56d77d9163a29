/**
 * Workspace sync: two real y-websocket providers on the same room see each
 * other's edits and presence through the server, on the same port as chat.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as Y from 'yjs';
import { createRoom, metricsText } from './helpers.js';
import { bodyOf, openProvider, startWorkspaceServer, synced, waitUntil } from './workspace-helpers.js';
import type { TestProvider, WorkspaceServer } from './workspace-helpers.js';

describe('workspace sync', () => {
  let ws: WorkspaceServer;
  let room: string;
  const providers: TestProvider[] = [];

  before(async () => {
    ws = await startWorkspaceServer();
    const ada = await ws.chat('ada');
    room = await createRoom(ada, ['bob'], 'workspace', 'Plans');
  });

  after(async () => {
    for (const p of providers) p.destroy();
    await ws.close();
  });

  async function open(user: string, options: Parameters<typeof openProvider>[3] = {}): Promise<TestProvider> {
    const p = await openProvider(ws, user, room, options);
    providers.push(p);
    return p;
  }

  it('syncs text and tasks both ways between two members', async () => {
    const ada = await open('ada');
    const bob = await open('bob');
    await Promise.all([synced(ada), synced(bob)]);

    ada.doc.getText('body').insert(0, 'Hello from Ada. ');
    await waitUntil(() => bodyOf(bob.doc) === 'Hello from Ada. ', 'bob sees ada');
    bob.doc.getText('body').insert(bodyOf(bob.doc).length, 'And Bob.');
    const task = new Y.Map<unknown>();
    bob.doc.transact(() => {
      bob.doc.getMap('tasks').set('t1', task);
      task.set('text', 'write the plan');
      task.set('done', false);
    });
    await waitUntil(() => bodyOf(ada.doc) === 'Hello from Ada. And Bob.', 'ada sees bob');
    await waitUntil(() => ada.doc.getMap('tasks').has('t1'), 'ada sees the task');
    const seen = ada.doc.getMap('tasks').get('t1') as Y.Map<unknown>;
    assert.equal(seen.get('text'), 'write the plan');
    assert.deepEqual(Y.encodeStateVector(ada.doc), Y.encodeStateVector(bob.doc));
  });

  it('gives a newcomer the whole document, and accepts plain y-websocket clients with ?token=', async () => {
    const late = await open('bob', { queryToken: true });
    await synced(late);
    assert.equal(bodyOf(late.doc), 'Hello from Ada. And Bob.');
    assert.equal(late.acked(), 0, 'no Parley acks without the Parley subprotocol');
  });

  it('acks every update to a Parley client once it is stored', async () => {
    const ada = await open('ada');
    await synced(ada);
    const before = ada.acked();
    ada.doc.getText('body').insert(0, '!');
    ada.doc.getText('body').insert(0, '!');
    await waitUntil(() => ada.acked() >= before + 2, 'two more acks');
    const stored = await ws.stored(room);
    assert.ok(stored.updates.length + (stored.snapshot ? 1 : 0) > 0, 'the acked updates are in storage');
  });

  it('shares awareness with the identity from the token, whatever the client claims', async () => {
    const ada = await open('ada');
    const bob = await open('bob');
    await Promise.all([synced(ada), synced(bob)]);
    ada.provider.awareness.setLocalStateField('user', { id: 'mallory', name: 'Not Ada', color: '#123456' });
    ada.provider.awareness.setLocalStateField('cursor', { index: 3 });
    const adaId = ada.doc.clientID;
    await waitUntil(() => bob.provider.awareness.getStates().get(adaId)?.cursor !== undefined, 'bob sees ada\'s cursor');
    const state = bob.provider.awareness.getStates().get(adaId) as { user: unknown; cursor: unknown };
    assert.deepEqual(state.user, { id: 'ada', name: 'ADA', color: '#123456' });
    assert.deepEqual(state.cursor, { index: 3 });

    ada.destroy();
    await waitUntil(() => !bob.provider.awareness.getStates().has(adaId), 'ada\'s presence goes when she leaves');
  });
  it('reports documents, sockets and stored updates on /metrics', async () => {
    const ada = await open('ada');
    await synced(ada);
    // The client's own sync step 2 is the first message acknowledged; the edit is the second.
    await waitUntil(() => ada.acked() >= 1, 'the sync is acknowledged');
    const before = await metric('parley_workspace_updates_total{result="stored"}');
    ada.doc.getText('body').insert(0, '!');
    await waitUntil(() => ada.acked() >= 2, 'the edit is acknowledged');
    assert.ok((await metric('parley_workspace_updates_total{result="stored"}')) > before, 'a stored update is counted');
    assert.equal(await metric('parley_workspace_documents'), 1);
    assert.ok((await metric('parley_workspace_sockets')) >= 1);
  });

  /** One sample of `/metrics` (0 when absent). */
  async function metric(name: string): Promise<number> {
    const text = await metricsText(`http://127.0.0.1:${ws.port}`);
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.slice(name.length + 1)) : 0;
  }
});
