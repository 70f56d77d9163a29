/**
 * One user cannot freeze the server through a workspace. Yjs merges are
 * quadratic on some input: two updates inserting thousands of characters at
 * the same place from different clients take seconds to merge. The server
 * merges on engine threads under a budget: such an update is refused (close
 * 4422 `update_too_complex`), neither stored nor relayed, while everyone
 * else's chat and editing goes on; a document stored that way is not served
 * (`document_too_complex`); the refused user is kept out of workspaces for
 * a while; shutdown does not wait for a busy engine thread. And nobody moves
 * another member's cursor.
 */
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { CloseCode, ErrorCode, WorkspaceMessage } from '@parley/sdk/protocol';
import { ConfigError, createServer } from '../src/index.js';
import { createSqliteStorage } from '../src/storage/index.js';
import { METRICS_TOKEN, SECRET, createRoom, send, signToken } from './helpers.js';
import type { TestClient } from './helpers.js';
import {
  RawWorkspaceSocket,
  WAIT_MS,
  bodyOf,
  docFromStored,
  hostileUpdate,
  openProvider,
  startWorkspaceServer,
  synced,
  updateMessageOf,
  waitUntil,
} from './workspace-helpers.js';
import type { WorkspaceServer } from './workspace-helpers.js';

/** Characters per hostile update: merging two takes seconds (far more than the update budget). */
const ITEMS = 5_000;
/** The event loop must never stall this long; an unprotected merge of the hostile pair stalls it for seconds. */
const MAX_STALL_MS = 1_000;
/** Chat messages the bystander sends at most while an attack runs. */
const MAX_CHAT = 500;

/** Records the event loop's longest stall from now on; `stop()` returns it in ms. */
function watchEventLoop(): { stop(): number } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      return histogram.max / 1e6;
    },
  };
}

/**
 * `bystander` sends chat messages one after another, each awaiting its ack,
 * until `done()` holds (bounded by {@link MAX_CHAT}); resolves with how many
 * were acknowledged.
 */
async function chatUntil(bystander: TestClient, room: string, done: () => boolean): Promise<number> {
  let acked = 0;
  for (let i = 0; i < MAX_CHAT && !done(); i++) {
    await send(bystander, room, `still here ${i}`);
    acked++;
  }
  return acked;
}

/** Opens a raw socket as `user`, waits for the server's greeting, and sends `updates` as update messages. */
async function sendUpdates(ws: WorkspaceServer, room: string, user: string, updates: Uint8Array[]): Promise<RawWorkspaceSocket> {
  const raw = await RawWorkspaceSocket.open(ws, room, await signToken(user));
  await raw.waitForMessage(WorkspaceMessage.Sync);
  for (const update of updates) raw.send(updateMessageOf(update));
  return raw;
}

/** The highest ack count a raw socket received (0 if none). */
function ackedOn(raw: RawWorkspaceSocket): number {
  let acked = 0;
  for (const message of raw.received) if (message[0] === WorkspaceMessage.Ack) acked = Math.max(acked, message[1]);
  return acked;
}

/** Whether `clientID` contributed anything to `doc`. */
function hasClient(doc: Y.Doc, clientID: number): boolean {
  return Y.decodeStateVector(Y.encodeStateVector(doc)).has(clientID);
}

describe('workspace CPU bounds', () => {
  let ws: WorkspaceServer;
  let olga: TestClient;
  let bea: TestClient;
  let room: string;
  let otherRoom: string;
  let chatRoom: string;

  before(async () => {
    // One engine thread: the attacked room and the other room share it, so the other room's document
    // is lost with the terminated thread and must be loaded again from storage.
    ws = await startWorkspaceServer({ workspaces: { engineThreads: 1 } });
    olga = await ws.chat('olga');
    bea = await ws.chat('bea');
    room = await createRoom(olga, ['mallory', 'pete', 'quinn', 'rita'], 'workspace', 'Attacked');
    otherRoom = await createRoom(olga, ['pete'], 'workspace', 'Elsewhere');
    chatRoom = await createRoom(bea, [], 'group', 'Bystanders');
  });

  after(async () => {
    await ws.close();
  });

  it('refuses the hostile update with 4422 update_too_complex, never relays or stores it, and the rest of the server keeps going', async () => {
    const [first, second] = [hostileUpdate(1_000_001, ITEMS), hostileUpdate(1_000_002, ITEMS)];
    const watcher = await openProvider(ws, 'olga', room);
    const editor = await openProvider(ws, 'pete', otherRoom);
    try {
      await Promise.all([synced(watcher), synced(editor)]);
      editor.doc.getText('body').insert(0, 'before ');
      await waitUntil(() => editor.acked() >= 2, 'the other room\'s edit is stored');

      const idle = await sendUpdates(ws, room, 'mallory', []);
      const loop = watchEventLoop();
      const attacker = await sendUpdates(ws, room, 'mallory', [first, second]);
      let closed = false;
      void attacker.closed.then(() => (closed = true));
      // Meanwhile a bystander chats and the other room is edited: both on the same server, the edits on the same engine thread.
      editor.doc.getText('body').insert(editor.doc.getText('body').length, 'during');
      const chatted = await chatUntil(bea, chatRoom, () => closed);
      const close = await attacker.waitForClose();
      const stall = loop.stop();

      assert.equal(close.code, CloseCode.WorkspaceTooComplex);
      assert.equal(close.reason.code, ErrorCode.UpdateTooComplex);
      assert.ok(ackedOn(attacker) <= 1, 'the second update was acknowledged');
      // The attacker's other socket goes too: every refusal costs an engine thread.
      const idleClosed = await idle.waitForClose();
      assert.equal(idleClosed.code, CloseCode.RateLimited);
      assert.ok((idleClosed.reason.retryAfterMs ?? 0) > 0);
      assert.ok(chatted >= 1, 'the bystander\'s messages were acknowledged during the attack');
      assert.ok(stall < MAX_STALL_MS, `the event loop stalled for ${stall.toFixed(0)} ms`);

      // The other room lost its document with the thread, got it back from storage, and its edit went through.
      await waitUntil(() => editor.acked() >= 3, 'the other room\'s edit during the attack is stored');
      assert.equal(bodyOf(editor.doc), 'before during');
      const otherStored = docFromStored(await ws.stored(otherRoom));
      assert.equal(bodyOf(otherStored), 'before during');

      // The watcher got the first update relayed, never the second; storage holds the first only.
      await waitUntil(() => bodyOf(watcher.doc).length === ITEMS, 'the first update reaches the watcher');
      watcher.doc.getText('body').insert(0, 'after:');
      await waitUntil(() => watcher.acked() >= 2, 'the watcher\'s edit after the attack is stored');
      assert.ok(!hasClient(watcher.doc, 1_000_002), 'the refused update was relayed to a member');
      const stored = docFromStored(await ws.stored(room));
      assert.ok(hasClient(stored, 1_000_001));
      assert.ok(!hasClient(stored, 1_000_002), 'the refused update was stored');
      assert.ok(bodyOf(stored).startsWith('after:'));
      assert.equal(bodyOf(stored).length, ITEMS + 'after:'.length);
    } finally {
      watcher.destroy();
      editor.destroy();
    }
  });

  it('keeps the refused user out for a while, refuses the same update from anyone, and editing still converges and persists', async () => {
    const back = await RawWorkspaceSocket.open(ws, room, await signToken('mallory'));
    const cooling = await back.waitForClose();
    assert.equal(cooling.code, CloseCode.RateLimited);
    assert.equal(cooling.reason.code, ErrorCode.RateLimited);
    assert.ok((cooling.reason.retryAfterMs ?? 0) > 0, 'it says when to come back');

    const second = hostileUpdate(1_000_002, ITEMS);
    const again = await sendUpdates(ws, room, 'quinn', [second]);
    const close = await again.waitForClose();
    assert.equal(close.code, CloseCode.WorkspaceTooComplex);
    assert.equal(close.reason.code, ErrorCode.UpdateTooComplex);

    const a = await openProvider(ws, 'olga', room);
    const b = await openProvider(ws, 'pete', room);
    try {
      await Promise.all([synced(a), synced(b)]);
      for (let i = 0; i < 20; i++) {
        a.doc.getText('body').insert(0, `a${i} `);
        b.doc.getText('body').insert(b.doc.getText('body').length, ` b${i}`);
      }
      await waitUntil(() => bodyOf(a.doc) === bodyOf(b.doc) && bodyOf(a.doc).includes('a19') && bodyOf(a.doc).includes('b19'), 'both see both');
      await waitUntil(() => a.acked() >= 21 && b.acked() >= 21, 'every edit is stored');
    } finally {
      a.destroy();
      b.destroy();
    }
    const expected = bodyOf(docFromStored(await ws.stored(room)));
    await ws.restart();
    const late = await openProvider(ws, 'olga', room);
    try {
      await synced(late);
      assert.equal(bodyOf(late.doc), expected);
      assert.ok(!hasClient(late.doc, 1_000_002));
    } finally {
      late.destroy();
    }
  });

  it('does not let anyone move another member\'s cursor', async () => {
    const ada = await openProvider(ws, 'olga', room);
    const carl = await openProvider(ws, 'pete', room);
    const rita = await sendUpdates(ws, room, 'rita', []);
    try {
      await Promise.all([synced(ada), synced(carl)]);
      ada.provider.awareness.setLocalStateField('cursor', { index: 3 });
      const adaId = ada.doc.clientID;
      await waitUntil(() => (carl.provider.awareness.getStates().get(adaId) as { cursor?: unknown } | undefined)?.cursor !== undefined, 'carl sees ada\'s cursor');
      const adaClock = ada.provider.awareness.meta.get(adaId)?.clock ?? 0;

      // Rita writes a newer state, then a removal, under ada's client id, then one of her own as proof they were handled.
      const ritaId = 424_242;
      rita.send(awarenessMessage([{ clientID: adaId, clock: adaClock + 10, state: { cursor: { index: 99 } } }]));
      rita.send(awarenessMessage([{ clientID: adaId, clock: adaClock + 20, state: null }]));
      rita.send(awarenessMessage([{ clientID: ritaId, clock: 1, state: { cursor: { index: 1 } } }]));
      await waitUntil(() => carl.provider.awareness.getStates().has(ritaId), 'carl sees rita\'s own cursor');

      const seen = carl.provider.awareness.getStates().get(adaId) as { cursor: unknown; user: { id: string } } | undefined;
      assert.deepEqual(seen?.cursor, { index: 3 }, 'ada\'s cursor as carl sees it');
      assert.equal(seen?.user.id, 'olga');
      assert.deepEqual((ada.provider.awareness.getLocalState() as { cursor: unknown }).cursor, { index: 3 }, 'ada\'s own state');
      const ritaState = carl.provider.awareness.getStates().get(ritaId) as { user: { id: string } };
      assert.equal(ritaState.user.id, 'rita');
      assert.equal(rita.ws.readyState, rita.ws.OPEN, 'dropping the entries does not close the socket');
    } finally {
      rita.close();
      ada.destroy();
      carl.destroy();
    }
  });
});

describe('workspace CPU bounds: options', () => {
  it('refuses engine options that cannot work', () => {
    const base = { auth: { secret: SECRET }, logger: false as const };
    assert.throws(() => createServer({ ...base, workspaces: { engineThreads: 0 } }), ConfigError);
    assert.throws(() => createServer({ ...base, workspaces: { engineThreads: 1.5 } }), ConfigError);
    assert.throws(() => createServer({ ...base, workspaces: { updateBudgetMs: 0 } }), ConfigError);
    assert.throws(() => createServer({ ...base, workspaces: { documentBudgetMs: -1 } }), ConfigError);
    assert.throws(() => createServer({ ...base, workspaces: { refusalCooldownMs: -1 } }), ConfigError);
  });
});

describe('workspace CPU bounds: documents and shutdown', () => {
  it('refuses a document stored hostile with 4422 document_too_complex instead of hanging, and keeps refusing it', async () => {
    const ws = await startWorkspaceServer({ workspaces: { documentBudgetMs: 1_000 } });
    try {
      const olga = await ws.chat('olga');
      const bea = await ws.chat('bea');
      const room = await createRoom(olga, [], 'workspace', 'Stored hostile');
      const chatRoom = await createRoom(bea, [], 'group', 'Bystanders');
      // Written to storage directly, as another node (or an older version of the server) could have left it.
      const storage = createSqliteStorage({ dataDir: ws.dataDir });
      await storage.open();
      try {
        await storage.appendWorkspaceUpdate(room, hostileUpdate(2_000_001, ITEMS), Date.now());
        await storage.appendWorkspaceUpdate(room, hostileUpdate(2_000_002, ITEMS), Date.now());
      } finally {
        await storage.close();
      }

      const loop = watchEventLoop();
      const reader = await openProvider(ws, 'olga', room);
      try {
        const chatted = await chatUntil(bea, chatRoom, () => reader.closes.length > 0);
        await waitUntil(() => reader.closes.length > 0, 'the document is refused');
        const stall = loop.stop();
        assert.equal(reader.closes[0].code, CloseCode.WorkspaceTooComplex);
        assert.equal(reader.closes[0].reason.code, ErrorCode.DocumentTooComplex);
        assert.ok(chatted >= 1, 'the bystander\'s messages were acknowledged meanwhile');
        assert.ok(stall < MAX_STALL_MS, `the event loop stalled for ${stall.toFixed(0)} ms`);
      } finally {
        reader.destroy();
      }
      // Opening it again is refused at once, without another load.
      const again = await RawWorkspaceSocket.open(ws, room, await signToken('olga'));
      const closed = await again.waitForClose();
      assert.equal(closed.code, CloseCode.WorkspaceTooComplex);
      assert.equal(closed.reason.code, ErrorCode.DocumentTooComplex);
      assert.equal(await metric(ws, 'parley_workspace_documents'), 0, 'the document is not in memory');
      // Nothing was lost: storage still holds both updates.
      assert.equal((await ws.stored(room)).updates.length, 2);
    } finally {
      await ws.close();
    }
  });

  it('close() completes promptly while an engine thread is busy with a 4 × 100 000-item attack', async () => {
    // A budget far beyond the attack's cost: the engine thread is still busy with it when the server closes.
    const ws = await startWorkspaceServer({ workspaces: { updateBudgetMs: 600_000 }, timing: { closeTimeoutMs: 1_000 } });
    const sockets: RawWorkspaceSocket[] = [];
    try {
      const olga = await ws.chat('olga');
      const room = await createRoom(olga, ['mallory'], 'workspace', 'Shutdown');
      const updates = [1, 2, 3, 4].map((n) => hostileUpdate(3_000_000 + n, 100_000));
      // Four sockets, all greeted before the attack (a busy thread greets nobody in its rooms until it is free).
      for (let i = 0; i < updates.length; i++) sockets.push(await sendUpdates(ws, room, 'mallory', []));
      sockets[0].send(updateMessageOf(updates[0]));
      await waitUntil(() => ackedOn(sockets[0]) >= 1, 'the first update is stored');
      for (let i = 1; i < updates.length; i++) sockets[i].send(updateMessageOf(updates[i]));
      await waitForMetric(ws, 'parley_workspace_engine_busy_threads', 1);

      const closed = await Promise.race([
        ws.stop().then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 6 * WAIT_MS).unref()),
      ]);
      assert.ok(closed, `close() did not complete within ${(6 * WAIT_MS) / 1000} s`);
      // What was stored before stays: the first update, cheap on its own.
      const stored = docFromStored(await ws.stored(room));
      assert.ok(hasClient(stored, 3_000_001));
    } finally {
      for (const socket of sockets) socket.ws.terminate();
      await ws.close();
    }
  });
});

/** One sample of the server's `/metrics` (0 when absent). */
async function metric(ws: WorkspaceServer, name: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${ws.port}/metrics`, {
    headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const line = (await response.text()).split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

/** Polls `metric` until it equals `value`; rejects after {@link WAIT_MS}. */
async function waitForMetric(ws: WorkspaceServer, name: string, value: number): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while ((await metric(ws, name)) !== value) {
    if (Date.now() > deadline) throw new Error(`timed out: ${name} never became ${value}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An awareness message with the given entries (y-protocols' encoding). */
function awarenessMessage(entries: Array<{ clientID: number; clock: number; state: unknown }>): Uint8Array {
  const body = encoding.createEncoder();
  encoding.writeVarUint(body, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(body, entry.clientID);
    encoding.writeVarUint(body, entry.clock);
    encoding.writeVarString(body, JSON.stringify(entry.state));
  }
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, WorkspaceMessage.Awareness);
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(body));
  return encoding.toUint8Array(encoder);
}

