/**
 * Load generator child for the workspace scenario: K Yjs clients editing one
 * document over raw WebSockets, speaking the y-websocket protocol (sync via
 * y-protocols) either plain (our server, y-websocket's server) or with
 * Hocuspocus's framing (a document name before every message, an auth
 * message first). Each edit stamps the editing client's key in a shared map
 * with the send time; every other client records the stamp's age when the
 * edit arrives.
 */
import { createHash } from 'node:crypto';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { nowMicros, sleep, withTimeout } from '../lib/clock.js';
import { createHistogram, encodeHistogram, recordMicros } from '../lib/histogram.js';
import { announceReady, serveIpc } from '../lib/ipc.js';
import type { IpcRequest } from '../lib/ipc.js';
import { mintToken } from '../lib/tokens.js';

/** How a client frames its messages. */
type Framing = 'plain' | 'hocuspocus';

const MESSAGE_SYNC = 0;
const MESSAGE_AUTH = 2;
const HOCUSPOCUS_SYNC_REPLY = 4;
const REMOTE = Symbol('remote');
const TICK_MS = 5;

interface YClient {
  name: string;
  doc: Y.Doc;
  ws: WebSocket;
  synced: Promise<void>;
  edits: number;
}

let framing: Framing = 'plain';
let docName = '';
const clients: YClient[] = [];
let latency = createHistogram();
let received = 0;
/** Stamps older than this (edits from before the measured window) are not recorded. */
let since = Number.POSITIVE_INFINITY;
let denied: string | null = null;

/** Starts a message: Hocuspocus wants the document name first. */
function begin(type: number): encoding.Encoder {
  const encoder = encoding.createEncoder();
  if (framing === 'hocuspocus') encoding.writeVarString(encoder, docName);
  encoding.writeVarUint(encoder, type);
  return encoder;
}

function openClient(url: string, name: string, token: string | null): YClient {
  const doc = new Y.Doc();
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  let markSynced!: () => void;
  let fail!: (error: Error) => void;
  const synced = new Promise<void>((resolve, reject) => {
    markSynced = resolve;
    fail = reject;
  });
  const client: YClient = { name, doc, ws, synced, edits: 0 };
  const send = (encoder: encoding.Encoder): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(encoding.toUint8Array(encoder));
  };
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === REMOTE) return;
    const encoder = begin(MESSAGE_SYNC);
    syncProtocol.writeUpdate(encoder, update);
    send(encoder);
  });
  doc.getMap<number>('stamps').observe((event) => {
    if (event.transaction.local) return;
    const now = nowMicros();
    for (const key of event.keysChanged) {
      const stamp = doc.getMap<number>('stamps').get(key);
      if (typeof stamp === 'number' && stamp >= since) {
        received++;
        recordMicros(latency, now - stamp);
      }
    }
  });
  ws.on('open', () => {
    if (framing === 'hocuspocus') {
      const auth = begin(MESSAGE_AUTH);
      encoding.writeVarUint(auth, 0); // the token submessage
      encoding.writeVarString(auth, token ?? '');
      send(auth);
    }
    const step1 = begin(MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(step1, doc);
    send(step1);
  });
  ws.on('message', (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (framing === 'hocuspocus') decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC || (framing === 'hocuspocus' && type === HOCUSPOCUS_SYNC_REPLY)) {
      const reply = begin(MESSAGE_SYNC);
      const before = encoding.length(reply);
      const kind = syncProtocol.readSyncMessage(decoder, reply, doc, REMOTE);
      if (encoding.length(reply) > before) send(reply);
      if (kind === syncProtocol.messageYjsSyncStep2) markSynced();
    } else if (type === MESSAGE_AUTH) {
      // y-protocols' auth message: 0 is "permission denied"; Hocuspocus numbers it 1 (0 is its token, 2 "authenticated").
      const sub = decoding.readVarUint(decoder);
      if (sub === (framing === 'hocuspocus' ? 1 : 0)) {
        denied ??= `${name}: permission denied: ${decoding.readVarString(decoder)}`;
        fail(new Error(denied));
      }
    }
    // Awareness and other messages: not part of this measurement.
  });
  ws.on('close', (code) => fail(new Error(`${name}: socket closed with ${code} before syncing`)));
  ws.on('error', () => undefined);
  return client;
}

async function connect(request: IpcRequest): Promise<unknown> {
  framing = request.framing as Framing;
  docName = request.docName as string;
  const started = Date.now();
  const specs = request.clients as Array<{ url: string; user: string; withToken: boolean }>;
  for (const spec of specs) {
    const token = spec.withToken ? await mintToken(spec.user) : null;
    const url = token && framing === 'plain' ? `${spec.url}?token=${encodeURIComponent(token)}` : spec.url;
    clients.push(openClient(url, spec.user, token));
  }
  await withTimeout(Promise.all(clients.map((c) => c.synced)), 60_000, 'initial sync');
  return { ms: Date.now() - started };
}

/** Each client edits `ratePerClient` times a second for `durationMs`: an insert (and now and then a delete) plus its stamp. */
async function edit(request: IpcRequest): Promise<unknown> {
  since = request.since as number;
  const rate = request.ratePerClient as number;
  const durationMs = request.durationMs as number;
  const start = Date.now();
  let total = 0;
  const base = clients.map((c) => c.edits);
  let seed = 1;
  const next = (): number => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  for (;;) {
    const elapsed = Math.min(Date.now() - start, durationMs);
    clients.forEach((client, i) => {
      const due = Math.floor((rate * elapsed) / 1000 + i / clients.length);
      while (client.edits - base[i] < due) {
        client.edits++;
        total++;
        const text = client.doc.getText('body');
        client.doc.transact(() => {
          if (client.edits % 4 === 0 && text.length > 100) text.delete(Math.floor(next() * (text.length - 4)), 4);
          else text.insert(Math.floor(next() * (text.length + 1)), `${client.name}:${client.edits} `);
          client.doc.getMap<number>('stamps').set(client.name, nowMicros());
        });
      }
    });
    if (elapsed >= durationMs) break;
    await sleep(TICK_MS);
  }
  return { edits: total };
}

/** What a replica looks like: its state vector and content, hashed independently of insertion order. */
function fingerprint(doc: Y.Doc): string {
  const vector = [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(([a], [b]) => a - b);
  const stamps = Object.entries(doc.getMap<number>('stamps').toJSON()).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha1')
    .update(JSON.stringify(vector))
    .update(doc.getText('body').toString())
    .update(JSON.stringify(stamps))
    .digest('hex');
}

function report(): unknown {
  const out = {
    received,
    latency: encodeHistogram(latency),
    fingerprints: clients.map((c) => fingerprint(c.doc)),
    bodyLength: clients[0]?.doc.getText('body').length ?? 0,
    denied,
  };
  received = 0;
  latency.destroy();
  latency = createHistogram();
  return out;
}

/** A fresh client joins after the edits: what it syncs is the server's copy. */
async function lateJoin(request: IpcRequest): Promise<unknown> {
  const spec = request.client as { url: string; user: string; withToken: boolean };
  const token = spec.withToken ? await mintToken(spec.user) : null;
  const url = token && framing === 'plain' ? `${spec.url}?token=${encodeURIComponent(token)}` : spec.url;
  const client = openClient(url, spec.user, token);
  try {
    await withTimeout(client.synced, 30_000, 'late join');
    // Sync step 2 carries the server's whole state; give any trailing updates a moment.
    await sleep(200);
    return { fingerprint: fingerprint(client.doc) };
  } finally {
    client.ws.terminate();
    client.doc.destroy();
  }
}

function close(): unknown {
  for (const client of clients) {
    client.ws.terminate();
    client.doc.destroy();
  }
  clients.length = 0;
  return null;
}

serveIpc({ connect, edit, report, lateJoin, close, fingerprints: () => clients.map((c) => fingerprint(c.doc)) });
announceReady({ pid: process.pid });
