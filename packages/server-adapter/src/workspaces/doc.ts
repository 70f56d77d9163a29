/**
 * One room's workspace document in memory: the Y.Doc and its awareness, the
 * sockets that have it open, and its persistence. An update from a client is
 * checked, applied and relayed to the other sockets at once, and appended to
 * the storage log; its sender gets the acknowledgement, and other nodes get
 * the update (`cluster.ts`), only after that append committed (see
 * docs/decisions/0006). The log is folded into a snapshot every few hundred
 * updates or megabytes, and when the document is unloaded; the fold reads
 * storage, not this node's memory, so updates other nodes appended are never
 * dropped.
 */
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { ErrorCode, userColor } from '@parley/sdk/protocol';
import type { Limits, MemberInfo, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import type { Subscriber } from '../sockets/hub.js';
import type { WorkspaceOptions } from '../options.js';
import type { Storage, StoredWorkspace } from '../storage/storage.js';
import { DocClusterLink } from './cluster.js';
import type { ClusterBus } from './cluster.js';
import { NO_DOC_METRICS } from './workspace-metrics.js';
import type { DocMetrics } from './workspace-metrics.js';
import {
  awarenessMessage,
  protocolViolation,
  syncStep1Message,
  syncStep2Message,
  tooLarge,
  updateMessage,
} from './messages.js';

/** A socket that has the document open, as the document sees it. */
export interface DocPeer {
  /** The authenticated user; their awareness states carry this identity. */
  readonly user: UserInfo;
  /** Writes a message to the socket (ignored once it is closing). */
  send(message: Uint8Array): void;
  /** A `member` event about this peer's user in the document's room. */
  memberChanged(member: MemberInfo, change: string): void;
}

/** What a document needs from the server. */
export interface DocServices {
  storage: Storage;
  logger: Logger;
  limits: Limits;
  options: WorkspaceOptions;
  /** The bus to the other nodes serving the same rooms; absent on a single node. */
  cluster?: ClusterBus;
  /** Counters for `/metrics`; none when absent. */
  metrics?: DocMetrics;
}

/** Awareness client ids one socket may introduce (a tab has one; a few spare for reloads). */
const MAX_AWARENESS_CLIENTS = 8;
/** Transaction origin of updates replayed from storage at load: they are neither stored again nor relayed. */
const FROM_STORAGE = Symbol('from storage');
/** Origin of updates and awareness heard from other nodes (or re-read from storage): relayed to our sockets, not stored or published. */
const FROM_CLUSTER = Symbol('from cluster');
/** Origin of awareness removals when one of our sockets leaves: published to the other nodes. */
const PEER_LEFT = Symbol('peer left');
/** How long after a heard update left the copy missing dependencies it re-reads storage (ms). */
const CATCH_UP_DELAY_MS = 500;
const COLOR = /^#[0-9a-fA-F]{6}$/;

/** A loaded workspace document; see the module comment. */
export class WorkspaceDoc implements Subscriber {
  readonly room: string;
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  /** When a socket last opened or left the document (epoch ms), for least-recently-used unloading. */
  lastUsed = Date.now();

  readonly #services: DocServices;
  readonly #metrics: DocMetrics;
  readonly #log: Logger;
  readonly #peers = new Set<DocPeer>();
  /** Awareness client ids each socket introduced; removed when it leaves. */
  readonly #owned = new Map<DocPeer, Set<number>>();
  /** Settles after the newest update's commit and relay; keeps acks and relays in order. */
  #tail: Promise<void> = Promise.resolve();
  /** Upper bound of the encoded state size, re-measured when it nears the limit. */
  #sizeEstimate = 0;
  /** Updates and bytes appended since the last compaction (by this node; others count their own). */
  #logCount = 0;
  #logBytes = 0;
  /** The in-memory state has changes storage may lack (a failed append). */
  #dirty = false;
  /** The effective update of the transaction being applied. */
  #captured: Uint8Array | null = null;
  #closed = false;
  /** The other nodes holding this document; null on a single node. */
  #link: DocClusterLink | null = null;
  #catchUpTimer: NodeJS.Timeout | null = null;
  #catchingUp: Promise<void> | null = null;

  private constructor(room: string, services: DocServices) {
    this.room = room;
    this.#services = services;
    this.#metrics = services.metrics ?? NO_DOC_METRICS;
    this.#log = services.logger.child({ room });
    this.doc = new Y.Doc();
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // The server is not a participant: it has no awareness state of its own.
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === FROM_STORAGE) return;
      this.#captured = this.#captured ? Y.mergeUpdates([this.#captured, update]) : update;
    });
    this.awareness.on('update', this.#onAwarenessUpdate);
  }

  /**
   * Loads the room's document from storage (snapshot, then the log in order).
   * With other nodes, it listens to them first, so an update they commit
   * while this load reads storage arrives either in what it reads or on the bus.
   */
  static async load(room: string, services: DocServices): Promise<WorkspaceDoc> {
    const doc = new WorkspaceDoc(room, services);
    if (services.cluster) {
      const link = new DocClusterLink(services.cluster, room, {
        update: (update) => doc.#hearUpdate(update),
        awareness: (update) => awarenessProtocol.applyAwarenessUpdate(doc.awareness, update, FROM_CLUSTER),
        resync: () => doc.#scheduleCatchUp(0),
        malformed: (reason) => doc.#log.warn({ reason }, 'ignored a malformed workspace message from another node'),
      });
      doc.#link = link;
      await link.subscribed();
    }
    let stored: StoredWorkspace;
    try {
      stored = await services.storage.loadWorkspace(room);
    } catch (error) {
      doc.#link?.close();
      throw error;
    }
    const snapshotBytes = stored.snapshot?.length ?? 0;
    doc.#sizeEstimate = stored.bytes;
    doc.#logCount = stored.updates.length;
    doc.#logBytes = stored.bytes - snapshotBytes;
    doc.#applyStored(stored, FROM_STORAGE);
    doc.#link?.start();
    return doc;
  }

  /** Sockets that have the document open. */
  get peerCount(): number {
    return this.#peers.size;
  }

  /** Whether {@link WorkspaceDoc.close} began. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds a socket and returns the messages that start its sync: our state vector, then everyone's awareness. */
  addPeer(peer: DocPeer): Uint8Array[] {
    this.#peers.add(peer);
    this.#owned.set(peer, new Set());
    this.lastUsed = Date.now();
    const messages = [syncStep1Message(Y.encodeStateVector(this.doc))];
    const clients = [...this.awareness.getStates().keys()];
    if (clients.length > 0) messages.push(awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)));
    return messages;
  }

  /** Removes a socket; its awareness states go with it (and the others hear so). */
  removePeer(peer: DocPeer): void {
    if (!this.#peers.delete(peer)) return;
    this.lastUsed = Date.now();
    const owned = this.#owned.get(peer);
    this.#owned.delete(peer);
    if (owned && owned.size > 0 && !this.#closed) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...owned], PEER_LEFT);
    }
  }

  /** Answers sync step 1: what a client with `stateVector` lacks. */
  syncStep2For(stateVector: Uint8Array): Uint8Array {
    let update: Uint8Array;
    try {
      update = Y.encodeStateAsUpdate(this.doc, stateVector);
    } catch {
      throw protocolViolation('malformed state vector');
    }
    return syncStep2Message(update);
  }

  /** Every awareness state, for a client that asked. */
  awarenessSnapshot(): Uint8Array {
    return awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]));
  }

  /**
   * Applies a client's update and relays it to the other sockets now, and
   * returns a promise that resolves once it is durably stored (at once when
   * it changed nothing, after the updates before it). Throws a violation for
   * a malformed update or one that would make the document too large;
   * nothing is applied then.
   */
  receiveUpdate(update: Uint8Array, from: DocPeer): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the document was unloaded'));
    this.#checkSize(update.length);
    try {
      // Decodes every struct and the delete set without touching the document,
      // so a truncated update cannot leave half of itself applied.
      Y.decodeUpdate(update);
    } catch {
      throw protocolViolation('malformed document update');
    }
    const store = this.doc.store;
    const pendingBefore = pendingOf(store);
    this.#captured = null;
    let failure: unknown = null;
    try {
      Y.applyUpdate(this.doc, update, from);
    } catch (error) {
      failure = error;
    }
    const effective = this.#captured;
    this.#captured = null;
    // Structs waiting for missing dependencies change no content yet but must survive a restart.
    const pendingAfter = pendingOf(store);
    const pendingChanged = pendingAfter[0] !== pendingBefore[0] || pendingAfter[1] !== pendingBefore[1];
    const toStore = pendingChanged ? update : effective;
    const handled = toStore ? this.#persist(toStore, effective ?? update, from) : this.whenHandled();
    if (failure !== null) {
      // Whatever was applied before the failure is stored and relayed above; the sender goes.
      handled.catch(() => undefined);
      this.#log.warn({ err: failure }, 'a workspace update failed to apply');
      throw protocolViolation('the update could not be applied');
    }
    return handled;
  }

  /** Resolves once every update received so far is handled (stored and published, or failed). */
  whenHandled(): Promise<void> {
    return this.#tail;
  }

  /**
   * Applies a client's awareness update with its user identity enforced
   * (`user.id` and `user.name` from the token), then relays it.
   */
  applyAwareness(update: Uint8Array, from: DocPeer): void {
    let clean: Uint8Array;
    try {
      clean = awarenessProtocol.modifyAwarenessUpdate(update, (state: unknown) => withIdentity(state, from.user));
    } catch {
      throw protocolViolation('malformed awareness update');
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, clean, from);
    if ((this.#owned.get(from)?.size ?? 0) > MAX_AWARENESS_CLIENTS) throw protocolViolation('too many awareness states');
  }

  /** From the hub: the room's events. Only `member` events matter here (kicks, bans, role and mute changes). */
  deliver(frame: string): void {
    if (!frame.startsWith('{"type":"member"')) return;
    let event: { member?: MemberInfo; change?: string };
    try {
      event = JSON.parse(frame) as { member?: MemberInfo; change?: string };
    } catch {
      return;
    }
    const member = event.member;
    if (!member || typeof event.change !== 'string') return;
    for (const peer of [...this.#peers]) {
      if (peer.user.id === member.user) peer.memberChanged(member, event.change);
    }
  }

  /** Part of the hub's subscriber interface; room membership of a document never changes. */
  membershipChanged(): void {}

  /** Waits for pending writes, folds the log into a snapshot when it grew, and releases the document. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#link?.close();
    if (this.#catchUpTimer) clearTimeout(this.#catchUpTimer);
    await this.#tail;
    await this.#catchingUp;
    if (this.#logCount > 0 || this.#dirty) {
      try {
        await this.#compact();
      } catch (error) {
        // The log is still complete: nothing is lost, the next load just replays more.
        this.#log.error({ err: error }, 'could not compact the workspace on unload');
      }
    }
    this.awareness.off('update', this.#onAwarenessUpdate);
    this.awareness.destroy();
    this.doc.destroy();
  }

  // ── internals ──────────────────────────────────────────────────────────────

  /** Refuses an update that would take the encoded state over the limit; measures only near it. */
  #checkSize(incoming: number): void {
    const max = this.#services.limits.maxWorkspaceBytes;
    if (this.#sizeEstimate + incoming <= max) {
      this.#sizeEstimate += incoming;
      return;
    }
    const actual = Y.encodeStateAsUpdate(this.doc).length;
    if (actual + incoming > max) {
      this.#sizeEstimate = actual;
      throw tooLarge(ErrorCode.DocumentTooLarge, `the document would exceed ${max} bytes`);
    }
    this.#sizeEstimate = actual + incoming;
  }

  /**
   * Relays `relay` to the other sockets now and appends `stored` to the log;
   * once that committed (in order), publishes `relay` to the other nodes and
   * compacts when due.
   */
  #persist(stored: Uint8Array, relay: Uint8Array, from: DocPeer): Promise<void> {
    const { storage, options } = this.#services;
    // Relaying before the commit loses nothing: the sender keeps the update until it is
    // acknowledged (after the commit) and sends it again after a crash (decision 0006).
    this.#relay(relay, from);
    const committed = storage.appendWorkspaceUpdate(this.room, stored, Date.now());
    committed.then(
      () => this.#metrics.updateStored(true),
      () => {
        this.#dirty = true;
        this.#metrics.updateStored(false);
      },
    );
    this.#logCount += 1;
    this.#logBytes += stored.length;
    const done = this.#tail
      .then(() => committed)
      .then(async () => {
        // Published only once stored, so a node that reads storage and then listens misses nothing.
        if (this.#link) void this.#link.publishUpdate(relay);
        if (this.#logCount >= options.compactAfterUpdates || this.#logBytes >= options.compactAfterBytes) {
          await this.#compact().catch((error: unknown) => this.#log.error({ err: error }, 'workspace compaction failed'));
        }
      });
    this.#tail = done.catch(() => undefined);
    return done;
  }

  /** Sends an update message to every socket but `from`. */
  #relay(update: Uint8Array, from: DocPeer | null): void {
    if (this.#peers.size === 0) return;
    const message = updateMessage(update);
    for (const peer of this.#peers) if (peer !== from) peer.send(message);
  }

  /** Applies `parts` in order; with `FROM_CLUSTER`, relays what they changed to our sockets. */
  #applyParts(parts: readonly Uint8Array[], origin: symbol): void {
    this.#captured = null;
    for (const part of parts) {
      try {
        Y.applyUpdate(this.doc, part, origin);
      } catch (error) {
        // Only valid updates are stored or published; a damaged one must not make the whole document unreadable.
        this.#log.error({ err: error }, 'skipped a workspace update that does not decode');
      }
    }
    // Set by the document's update handler during the applies above.
    const effective = this.#captured as Uint8Array | null;
    this.#captured = null;
    if (effective && origin === FROM_CLUSTER) {
      this.#sizeEstimate += effective.length;
      this.#relay(effective, null);
    }
  }

  #applyStored(stored: StoredWorkspace, origin: symbol): void {
    this.#applyParts(stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates, origin);
  }

  /** An update another node committed: applied and relayed; missing dependencies mean we missed one. */
  #hearUpdate(update: Uint8Array): void {
    if (this.#closed) return;
    this.#applyParts([update], FROM_CLUSTER);
    const store = this.doc.store;
    if (store.pendingStructs !== null || store.pendingDs !== null) this.#scheduleCatchUp(CATCH_UP_DELAY_MS);
  }

  /** Re-reads storage after `delayMs` (once, however often asked meanwhile) and applies what this copy lacks. */
  #scheduleCatchUp(delayMs: number): void {
    if (this.#closed || this.#catchUpTimer) return;
    this.#catchUpTimer = setTimeout(() => {
      this.#catchUpTimer = null;
      if (this.#catchingUp) return this.#scheduleCatchUp(CATCH_UP_DELAY_MS);
      this.#catchingUp = this.#catchUp().finally(() => {
        this.#catchingUp = null;
      });
    }, delayMs);
    this.#catchUpTimer.unref();
  }

  async #catchUp(): Promise<void> {
    try {
      const stored = await this.#services.storage.loadWorkspace(this.room);
      if (this.#closed) return;
      this.#applyStored(stored, FROM_CLUSTER);
      this.#metrics.caughtUp();
      this.#log.debug('workspace caught up from storage');
    } catch (error) {
      this.#log.warn({ err: error }, 'could not catch up the workspace from storage; retrying');
      this.#scheduleCatchUp(CATCH_UP_DELAY_MS * 4);
    }
  }

  /**
   * Folds the stored snapshot and log into a new snapshot and drops the folded
   * log. It reads storage rather than encoding this copy, so updates other
   * nodes appended (and this copy may not have heard yet) stay. When an
   * append failed earlier, this copy's state is appended first so the fold
   * includes it. A concurrent, newer compaction wins (ours then changes nothing).
   */
  async #compact(): Promise<void> {
    const { storage } = this.#services;
    const count = this.#logCount;
    const bytes = this.#logBytes;
    if (this.#dirty) {
      this.#dirty = false;
      try {
        await storage.appendWorkspaceUpdate(this.room, Y.encodeStateAsUpdate(this.doc), Date.now());
      } catch (error) {
        this.#dirty = true;
        throw error;
      }
    }
    const stored = await storage.loadWorkspace(this.room);
    const snapshot = foldStored(stored);
    await storage.compactWorkspace(this.room, snapshot, stored.lastUpdateId, Date.now());
    this.#metrics.compacted();
    this.#logCount = Math.max(0, this.#logCount - count);
    this.#logBytes = Math.max(0, this.#logBytes - bytes);
    this.#sizeEstimate = snapshot.length + this.#logBytes;
    this.#log.debug({ bytes: snapshot.length, throughId: stored.lastUpdateId }, 'workspace compacted');
  }

  /** Enforces identity, tracks which ids each socket introduced, and relays the change. */
  readonly #onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const from = this.#peers.has(origin as DocPeer) ? (origin as DocPeer) : null;
    if (from) {
      const owned = this.#owned.get(from);
      for (const id of added) owned?.add(id);
      for (const id of removed) owned?.delete(id);
    }
    const changed = [...added, ...updated, ...removed];
    if (changed.length === 0) return;
    // Changes made here (a socket's update, or its leaving) go to the other nodes; what they sent, or timed out, does not.
    const publish = this.#link !== null && (from !== null || origin === PEER_LEFT);
    if (this.#peers.size === 0 && !publish) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
    if (publish) void this.#link!.publishAwareness(update);
    const message = awarenessMessage(update);
    for (const peer of this.#peers) if (peer !== from) peer.send(message);
  };
}

/** The stored snapshot and log as one update, with deleted content collected. */
function foldStored(stored: StoredWorkspace): Uint8Array {
  const doc = new Y.Doc();
  try {
    for (const part of stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates) {
      try {
        Y.applyUpdate(doc, part);
      } catch {
        // Skipped on load too; keeping it out of the snapshot loses nothing readable.
      }
    }
    // Structs still waiting for dependencies are part of the encoding, so they survive the fold.
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/** An awareness state with `user` set to the authenticated identity (the colour may be the client's). */
function withIdentity(state: unknown, user: UserInfo): unknown {
  if (state === null) return null;
  const base = isRecord(state) ? state : {};
  const given = isRecord(base.user) ? base.user : {};
  const color = typeof given.color === 'string' && COLOR.test(given.color) ? given.color : userColor(user.id);
  return { ...base, user: { id: user.id, name: user.name, color } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What a document holds back for missing dependencies, by identity. Yjs keeps
 * the pending structs object and replaces its `update` when more arrive, so
 * the bytes are compared, not the object (a new pending delete set is a new
 * array too, sometimes without new content: that only stores an update twice).
 */
function pendingOf(store: Y.Doc['store']): [Uint8Array | null, Uint8Array | null] {
  return [store.pendingStructs?.update ?? null, store.pendingDs];
}
