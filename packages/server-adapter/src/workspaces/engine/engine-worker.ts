/**
 * An engine thread (a worker thread): holds the Yjs documents of the rooms
 * the main thread assigned to it and runs one request at a time. Nothing here
 * is bounded in time: the main thread's watchdog terminates this thread when
 * a request runs past its budget (Yjs merges can be quadratic on hostile
 * input), and reloads the documents on a fresh one.
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import * as Y from 'yjs';
import type { ApplyOutcome, EngineReady, EngineReply, EngineRequest, MergeOutcome } from './engine-protocol.js';
import { currentThreadId } from './thread-cpu.js';

/** Transaction origin of stored parts applied at load: not captured. */
const LOADING = Symbol('loading');
/** Transaction origin of everything else: its effect is captured for relaying. */
const REMOTE = Symbol('remote');

const docs = new Map<string, Y.Doc>();
/** The effective update of the transaction being applied (set by each document's update handler). */
let captured: Uint8Array | null = null;

function docOf(room: string): Y.Doc {
  const doc = docs.get(room);
  if (!doc) throw new Error(`no document for ${room} on this thread`);
  return doc;
}

/** Applies `parts` in order, skipping those that do not decode; returns how many were skipped. */
function applyParts(doc: Y.Doc, parts: readonly Uint8Array[], origin: symbol): number {
  let skipped = 0;
  for (const part of parts) {
    try {
      Y.applyUpdate(doc, part, origin);
    } catch {
      // Only valid updates are stored or published; a damaged one must not make the whole document unreadable.
      skipped++;
    }
  }
  return skipped;
}

function load(room: string, parts: readonly Uint8Array[]): { skipped: number } {
  docs.get(room)?.destroy();
  const doc = new Y.Doc();
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === LOADING) return;
    captured = captured ? Y.mergeUpdates([captured, update]) : update;
  });
  docs.set(room, doc);
  return { skipped: applyParts(doc, parts, LOADING) };
}

function apply(room: string, update: Uint8Array, maxBytes: number | null): ApplyOutcome {
  const doc = docOf(room);
  let size: number | null = null;
  if (maxBytes !== null) {
    size = Y.encodeStateAsUpdate(doc).length;
    if (size + update.length > maxBytes) return { kind: 'too-large', size };
  }
  try {
    // Decodes every struct and the delete set without touching the document,
    // so a truncated update cannot leave half of itself applied.
    Y.decodeUpdate(update);
  } catch {
    return { kind: 'malformed' };
  }
  const before = pendingOf(doc);
  captured = null;
  let failed = false;
  try {
    Y.applyUpdate(doc, update, REMOTE);
  } catch {
    failed = true;
  }
  const effective = captured;
  captured = null;
  const after = pendingOf(doc);
  return { kind: 'applied', effective, pendingChanged: after[0] !== before[0] || after[1] !== before[1], failed, size };
}

function merge(room: string, parts: readonly Uint8Array[]): MergeOutcome {
  const doc = docOf(room);
  captured = null;
  const skipped = applyParts(doc, parts, REMOTE);
  const effective = captured as Uint8Array | null;
  captured = null;
  return { effective, missing: doc.store.pendingStructs !== null || doc.store.pendingDs !== null, skipped };
}

function diff(room: string, stateVector: Uint8Array): Uint8Array | null {
  const doc = docOf(room);
  try {
    return Y.encodeStateAsUpdate(doc, stateVector);
  } catch {
    return null;
  }
}

/** The parts as one update, with deleted content collected; structs still waiting for dependencies are kept. */
function fold(parts: readonly Uint8Array[]): Uint8Array {
  const doc = new Y.Doc();
  try {
    // A part that does not decode is skipped on load too; leaving it out loses nothing readable.
    applyParts(doc, parts, LOADING);
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

function drop(room: string): null {
  docs.get(room)?.destroy();
  docs.delete(room);
  return null;
}

function handle(request: EngineRequest): unknown {
  switch (request.op) {
    case 'load':
      return load(request.doc, request.parts);
    case 'apply':
      return apply(request.doc, request.update, request.maxBytes);
    case 'merge':
      return merge(request.doc, request.parts);
    case 'stateVector':
      return Y.encodeStateVector(docOf(request.doc));
    case 'diff':
      return diff(request.doc, request.stateVector);
    case 'encode':
      return Y.encodeStateAsUpdate(docOf(request.doc));
    case 'fold':
      return fold(request.parts);
    case 'drop':
      return drop(request.doc);
  }
}

/**
 * What a document holds back for missing dependencies, by identity. Yjs keeps
 * the pending structs object and replaces its `update` when more arrive, so
 * the bytes are compared, not the object (a new pending delete set is a new
 * array too, sometimes without new content: that only stores an update twice).
 */
function pendingOf(doc: Y.Doc): [Uint8Array | null, Uint8Array | null] {
  return [doc.store.pendingStructs?.update ?? null, doc.store.pendingDs];
}

/**
 * Runs every code path of a job once on scratch documents, so the first real
 * jobs of a new thread do not pay for V8 compiling Yjs and are judged by
 * their own cost against the budget.
 */
function warmUp(): void {
  const docs = [new Y.Doc(), new Y.Doc()];
  try {
    docs.forEach((doc, n) => {
      doc.transact(() => {
        const text = doc.getText('body');
        for (let i = 0; i < 400; i++) text.insert((i * 7 + n) % (text.length + 1), i % 3 === 0 ? 'ab' : 'c');
        text.delete(0, 10);
        for (let i = 0; i < 50; i++) doc.getMap('tasks').set(`t${n}-${i}`, { done: i % 2 === 0 });
      });
    });
    const updates = docs.map((doc) => Y.encodeStateAsUpdate(doc));
    Y.decodeUpdate(Y.mergeUpdates(updates));
    for (const part of ['warm-a', 'warm-b']) load(part, [updates[0]]);
    apply('warm-a', updates[1], 1 << 30);
    merge('warm-b', [updates[1]]);
    diff('warm-a', Y.encodeStateVector(docOf('warm-b')));
    fold(updates);
  } finally {
    for (const doc of docs) doc.destroy();
    drop('warm-a');
    drop('warm-b');
  }
}

const port = (workerData as { port?: MessagePort } | null)?.port;
if (!port) throw new Error('the workspace engine runs as a worker thread with a port in workerData');
port.on('message', (request: EngineRequest) => {
  let reply: EngineReply;
  try {
    reply = { ok: true, result: handle(request) };
  } catch (error) {
    reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
warmUp();
port.postMessage({ ready: true, tid: currentThreadId() } satisfies EngineReady);
