/**
 * Load generator child for the workspace-attack scenario: members send
 * hostile Yjs updates to a room's workspace, pair after pair (taking turns,
 * as one person with several accounts would), while another member of the
 * room watches what the server relays to it.
 *
 * A hostile pair is two updates from different client ids, each inserting
 * `items` characters one at a time at index 0: each is cheap on its own, but
 * merging the second into a document holding the first makes Yjs resolve
 * every insertion against every other (quadratic). The pairs are built
 * before the measured window (`prepare`), so generating them costs nothing
 * while the bystanders are timed. The pairs are sent again and again: a
 * pair the server refused costs it the same work each time.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { sleep } from '../lib/clock.js';
import { announceReady, serveIpc } from '../lib/ipc.js';
import type { IpcRequest } from '../lib/ipc.js';
import { mintToken } from '../lib/tokens.js';

const MESSAGE_SYNC = 0;
const MESSAGE_ACK = 100;
const SUBPROTOCOL = 'parley.yjs.v1';
const TOKEN_PREFIX = 'parley.token.';
/** Longest the attacker waits for the server to answer one pair (acked or closed). */
const PAIR_TIMEOUT_MS = 120_000;
/** Bound on the pairs one `attack` sends. */
const MAX_PAIRS = 10_000;
/** Pause between two pairs (ms). */
const PAUSE_MS = 100;

interface Target {
  url: string;
  watcher: string;
}

let target: Target | null = null;
let pairs: Array<[Uint8Array, Uint8Array]> = [];
let running: Promise<void> | null = null;
let stopping = false;
let outcome = { pairs: 0, updates: 0, accepted: 0, closes: {} as Record<string, number> };
let watcher: WebSocket | null = null;
let relayedBytes = 0;
let relayed = 0;

/** An update inserting `items` characters one by one at index 0 from `clientID`. */
function hostileUpdate(clientID: number, items: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const text = doc.getText('body');
  for (let i = 0; i < items; i++) text.insert(0, 'x');
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

async function open(url: string, user: string): Promise<WebSocket> {
  const ws = new WebSocket(url, [SUBPROTOCOL, `${TOKEN_PREFIX}${await mintToken(user)}`], { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', (code) => reject(new Error(`closed with ${code} before opening`)));
  });
  return ws;
}

/** Builds `count` hostile pairs of `items` insertions each, and connects the watching member. */
async function prepare(request: IpcRequest): Promise<unknown> {
  target = { url: request.url as string, watcher: request.watcher as string };
  const count = request.pairs as number;
  const items = request.items as number;
  const started = Date.now();
  pairs = [];
  for (let i = 0; i < count; i++) {
    const base = 1_000_000 + i * 2;
    pairs.push([hostileUpdate(base, items), hostileUpdate(base + 1, items)]);
  }
  watcher = await open(target.url, target.watcher);
  watcher.on('message', (data: Buffer) => {
    // A sync update (type 0, subtype 2) is a document change the server relayed to this member.
    if (data[0] === MESSAGE_SYNC && data[1] === syncProtocol.messageYjsUpdate) {
      relayed++;
      relayedBytes += data.length;
    }
  });
  return { ms: Date.now() - started, bytes: pairs[0] ? pairs[0][1].length : 0 };
}

/** Sends one pair on a fresh socket; resolves with how the server answered. */
async function sendPair(t: Target, attacker: string, pair: [Uint8Array, Uint8Array]): Promise<void> {
  let ws: WebSocket;
  try {
    ws = await open(t.url, attacker);
  } catch (error) {
    const key = error instanceof Error ? error.message : String(error);
    outcome.closes[key] = (outcome.closes[key] ?? 0) + 1;
    await sleep(200);
    return;
  }
  let acked = 0;
  const answered = new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      outcome.closes.timeout = (outcome.closes.timeout ?? 0) + 1;
      ws.terminate();
      resolve();
    }, PAIR_TIMEOUT_MS);
    ws.on('message', (data: Buffer) => {
      if (data[0] !== MESSAGE_ACK) return;
      acked = Math.max(acked, decoding.readVarUint(decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset + 1, data.byteLength - 1))));
      if (acked >= 2) {
        clearTimeout(timer);
        ws.close(1000);
      }
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 1000 && code !== 1005) outcome.closes[String(code)] = (outcome.closes[String(code)] ?? 0) + 1;
      resolve();
    });
  });
  ws.send(updateMessage(pair[0]));
  ws.send(updateMessage(pair[1]));
  outcome.updates += 2;
  outcome.pairs++;
  await answered;
  outcome.accepted += acked;
}

/**
 * Starts sending the prepared pairs, cycling through them, as the accounts
 * in `attackers` in turn, until `stop` (at most {@link MAX_PAIRS}); counts
 * from zero.
 */
function attack(request: IpcRequest): unknown {
  const t = target;
  const attackers = request.attackers as string[];
  if (!t) throw new Error('prepare first');
  if (pairs.length === 0 || attackers.length === 0) throw new Error('no pairs or no attackers');
  outcome = { pairs: 0, updates: 0, accepted: 0, closes: {} };
  relayed = 0;
  relayedBytes = 0;
  stopping = false;
  running = (async () => {
    for (let i = 0; i < MAX_PAIRS && !stopping; i++) {
      await sendPair(t, attackers[i % attackers.length], pairs[i % pairs.length]);
      // A pause between sockets: this measures hostile documents, not a connection flood.
      await sleep(PAUSE_MS);
    }
  })();
  return null;
}

/** Stops after the pair in flight is answered; reports what happened. */
async function stop(): Promise<unknown> {
  stopping = true;
  await running;
  running = null;
  return { ...outcome, relayed, relayedBytes };
}

function close(): unknown {
  stopping = true;
  watcher?.terminate();
  watcher = null;
  return null;
}

serveIpc({ prepare, attack, stop, close });
announceReady({ pid: process.pid });
