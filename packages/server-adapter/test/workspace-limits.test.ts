/**
 * Hostile input on workspace sockets: truncated, random and mutated frames,
 * unknown message types, text frames, oversize messages and documents, floods.
 * Each closes only the offending socket with a typed code; a bystander stays
 * connected and keeps syncing throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { CloseCode, ErrorCode, WorkspaceMessage } from '@parley/sdk/protocol';
import { createRoom, signToken } from './helpers.js';
import { RawWorkspaceSocket, bodyOf, openProvider, startWorkspaceServer, synced, waitUntil } from './workspace-helpers.js';
import type { TestProvider, WorkspaceServer } from './workspace-helpers.js';

const MESSAGE_LIMIT = 64 * 1024;
const AWARENESS_LIMIT = 4 * 1024;
const DOCUMENT_LIMIT = 256 * 1024;

/** A deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syncUpdateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, WorkspaceMessage.Sync);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** A real update inserting `text`, as a client would send it. */
function realUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('body').insert(0, text);
  doc.getMap('tasks').set('x', 1);
  return Y.encodeStateAsUpdate(doc);
}

describe('workspace hostile input and limits', () => {
  let ws: WorkspaceServer;
  let room: string;
  let bystander: TestProvider;
  let token: string;

  before(async () => {
    ws = await startWorkspaceServer({
      limits: { maxWorkspaceMessageBytes: MESSAGE_LIMIT, maxAwarenessBytes: AWARENESS_LIMIT, maxWorkspaceBytes: DOCUMENT_LIMIT },
    });
    const olga = await ws.chat('olga');
    room = await createRoom(olga, ['mallory'], 'workspace', 'Target');
    token = await signToken('mallory');
    bystander = await openProvider(ws, 'olga', room);
    await synced(bystander);
    bystander.doc.getText('body').insert(0, 'intact');
    await waitUntil(() => bystander.acked() >= 1, 'the bystander\'s text is stored');
  });

  after(async () => {
    // Whatever happened, the bystander was never disconnected and still syncs.
    try {
      assert.deepEqual(bystander.closes, [], 'the bystander kept its socket');
      const late = await openProvider(ws, 'olga', room);
      try {
        await synced(late);
        bystander.doc.getText('body').insert(0, '>');
        await waitUntil(() => bodyOf(late.doc) === bodyOf(bystander.doc) && bodyOf(late.doc).startsWith('>'), 'edits still flow');
        assert.ok(bodyOf(late.doc).includes('intact'));
      } finally {
        late.destroy();
      }
    } finally {
      bystander.destroy();
      await ws.close();
    }
  });

  /** Opens a member socket, waits for the greeting, sends `frames`, returns how it closed. */
  async function attack(...frames: Array<Uint8Array | string>) {
    const raw = await RawWorkspaceSocket.open(ws, room, token);
    await raw.waitForMessage(WorkspaceMessage.Sync);
    for (const frame of frames) raw.ws.send(frame);
    return raw.waitForClose();
  }

  it('closes with 4000 on every truncation of a valid update', async () => {
    const message = syncUpdateMessage(realUpdate('truncate me'));
    const cuts = [0, 1, 2, 3, Math.floor(message.length / 2), message.length - 1];
    for (const cut of cuts) {
      const closed = await attack(message.subarray(0, cut));
      assert.equal(closed.code, CloseCode.ProtocolError, `cut at ${cut}`);
      assert.equal(closed.reason.code, ErrorCode.BadRequest);
    }
  });

  it('closes with 4000 on unknown types, text frames and trailing bytes', async () => {
    assert.equal((await attack(Uint8Array.of(7))).code, CloseCode.ProtocolError);
    assert.equal((await attack(Uint8Array.of(WorkspaceMessage.Auth, 0, 0))).code, CloseCode.ProtocolError, 'clients do not send auth');
    assert.equal((await attack(Uint8Array.of(WorkspaceMessage.Sync, 9, 0))).code, CloseCode.ProtocolError);
    assert.equal((await attack('{"type":"ping"}')).code, CloseCode.ProtocolError);
    assert.equal((await attack(Uint8Array.of(WorkspaceMessage.QueryAwareness, 0))).code, CloseCode.ProtocolError);
  });

  it('survives random frames and randomly mutated updates, and the document stays whole', async () => {
    const seed = Number(process.env.PARLEY_FUZZ_SEED ?? Date.now() % 1_000_000);
    const next = random(seed);
    const base = syncUpdateMessage(realUpdate('mutate me please'));
    try {
      for (let round = 0; round < 40; round++) {
        const raw = await RawWorkspaceSocket.open(ws, room, token);
        await raw.waitForMessage(WorkspaceMessage.Sync);
        // Bounded: 20 frames per socket, then it is closed by us if the server has not.
        for (let i = 0; i < 20 && raw.ws.readyState === raw.ws.OPEN; i++) {
          let frame: Uint8Array;
          if (next() < 0.5) {
            frame = Uint8Array.from({ length: 1 + Math.floor(next() * 200) }, () => Math.floor(next() * 256));
          } else {
            frame = base.slice();
            const flips = 1 + Math.floor(next() * 4);
            for (let f = 0; f < flips; f++) frame[2 + Math.floor(next() * (frame.length - 2))] = Math.floor(next() * 256);
          }
          raw.send(frame);
        }
        raw.close();
        const closed = await raw.waitForClose();
        assert.ok([CloseCode.ProtocolError, 1000, 1005].includes(closed.code), `seed ${seed}: unexpected close ${closed.code}`);
      }
      // A mutation may still be a well-formed update from a member (then it is content like any other);
      // either way the stored document loads and matches what the bystander sees.
      await waitUntil(() => bodyOf(bystander.doc).includes('intact'), 'the bystander\'s text is intact');
      const check = await openProvider(ws, 'olga', room);
      try {
        await synced(check);
        await waitUntil(() => bodyOf(check.doc) === bodyOf(bystander.doc), 'a fresh client sees the same document');
      } finally {
        check.destroy();
      }
    } catch (error) {
      console.error(`workspace fuzz failed with PARLEY_FUZZ_SEED=${seed}`);
      throw error;
    }
  });

  it('closes with 4413 frame_too_large for an oversize update, for good', async () => {
    const big = await openProvider(ws, 'mallory', room);
    try {
      await synced(big);
      big.doc.getText('body').insert(0, 'x'.repeat(MESSAGE_LIMIT + 1));
      await waitUntil(() => big.closes.length > 0, 'the oversize update is refused');
      assert.equal(big.closes[0].code, CloseCode.WorkspaceTooLarge);
      assert.equal(big.closes[0].reason.code, ErrorCode.FrameTooLarge);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(big.closes.length, 1, 'y-websocket does not retry a 44xx close');
      assert.ok(!bodyOf(bystander.doc).includes('xxxx'));
    } finally {
      big.destroy();
    }
    // Far beyond the limit, the WebSocket layer itself refuses to buffer it.
    const huge = await attack(syncUpdateMessage(new Uint8Array(5 * MESSAGE_LIMIT)));
    assert.equal(huge.code, CloseCode.MessageTooBig);
  });

  it('closes with 4413 document_too_large when the document would outgrow its limit', async () => {
    const filler = await openProvider(ws, 'mallory', room);
    try {
      await synced(filler);
      const chunk = 'y'.repeat(MESSAGE_LIMIT / 2);
      for (let i = 0; i < 2 * (DOCUMENT_LIMIT / chunk.length) && filler.closes.length === 0; i++) {
        const acked = filler.acked();
        filler.doc.getText('notes').insert(0, chunk);
        await waitUntil(() => filler.acked() > acked || filler.closes.length > 0, 'the chunk is answered');
      }
      assert.equal(filler.closes[0]?.code, CloseCode.WorkspaceTooLarge);
      assert.equal(filler.closes[0]?.reason.code, ErrorCode.DocumentTooLarge);
      const stored = await ws.stored(room);
      assert.ok(stored.bytes <= DOCUMENT_LIMIT + MESSAGE_LIMIT, `stored ${stored.bytes} bytes`);
    } finally {
      filler.destroy();
    }
  });

  it('closes with 4413 for an oversize awareness state and 4000 for too many awareness clients', async () => {
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState({ blob: 'z'.repeat(AWARENESS_LIMIT) });
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, WorkspaceMessage.Awareness);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
    const oversize = await attack(encoding.toUint8Array(encoder));
    assert.equal(oversize.code, CloseCode.WorkspaceTooLarge);

    const many: Uint8Array[] = [];
    for (let i = 0; i < 12; i++) {
      const d = new Y.Doc();
      const a = new awarenessProtocol.Awareness(d);
      a.setLocalState({ n: i });
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, WorkspaceMessage.Awareness);
      encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(a, [d.clientID]));
      many.push(encoding.toUint8Array(e));
      a.destroy();
    }
    awareness.destroy();
    assert.equal((await attack(...many)).code, CloseCode.ProtocolError);
    await waitUntil(() => bystander.provider.awareness.getStates().size <= 1, 'the flood\'s states are gone');
  });
});

describe('workspace message rate', () => {
  it('closes a socket that floods messages with 4029 and a retryAfterMs', async () => {
    const ws = await startWorkspaceServer({ limits: { connectionRate: { perSecond: 5, burst: 10 } } });
    try {
      const olga = await ws.chat('olga');
      const room = await createRoom(olga, [], 'workspace', 'Rate');
      const raw = await RawWorkspaceSocket.open(ws, room, await signToken('olga'));
      await raw.waitForMessage(WorkspaceMessage.Sync);
      for (let i = 0; i < 30 && raw.ws.readyState === raw.ws.OPEN; i++) raw.send(Uint8Array.of(WorkspaceMessage.QueryAwareness));
      const closed = await raw.waitForClose();
      assert.equal(closed.code, CloseCode.RateLimited);
      assert.ok((closed.reason.retryAfterMs ?? 0) > 0);
    } finally {
      await ws.close();
    }
  });
});
