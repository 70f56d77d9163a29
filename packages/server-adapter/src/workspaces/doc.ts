/**
 * One room's workspace document as the main thread holds it: the sockets
 * that have it open, its awareness, and its persistence. The Yjs document
 * itself lives on an engine thread (`engine/`), where every merge runs under
 * a budget, so no update can hold up the main thread (see
 * docs/decisions/0012). An update from a client is applied there, relayed to
 * the other sockets as soon as it applied, and appended to the storage log;
 * its sender gets the acknowledgement, and other nodes get the update
 * (`cluster.ts`), only after that append committed (see docs/decisions/0006).
 * An update that would take longer than its budget is refused (close 4422
 * `update_too_complex`): never relayed, never stored. The log is folded into
 * a snapshot every few hundred updates or megabytes, and when the document is
 * unloaded; the fold reads storage, not this node's memory, so updates other
 * nodes appended are never dropped.
 */
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { CloseCode, ErrorCode, userColor } from '@parley/sdk/protocol';
import type { Limits, MemberInfo, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import { jitter } from '../sockets/jitter.js';
import type { Subscriber } from '../sockets/hub.js';
import type { WorkspaceOptions } from '../options.js';
import type { Storage, StoredWorkspace } from '../storage/storage.js';
import { AwarenessOwners, decodeAwarenessEntries, encodeAwarenessEntries } from './awareness-owners.js';
import type { AwarenessEntry } from './awareness-owners.js';
import { DocClusterLink } from './cluster.js';
import type { ClusterBus } from './cluster.js';
import { EngineBudgetError, EngineClosedError, EngineDocumentGone } from './engine/engine-errors.js';
import { SKIPPED } from './engine/engine.js';
import type { WorkspaceEngine } from './engine/engine.js';
import type { ApplyOutcome } from './engine/engine-protocol.js';
import { NO_DOC_METRICS } from './workspace-metrics.js';
import type { DocMetrics } from './workspace-metrics.js';
import {
  WorkspaceViolation,
  awarenessMessage,
  protocolViolation,
  syncStep1Message,
  syncStep2Message,
  tooComplex,
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
  /** Closes the socket with the violation's code and reason (the document can no longer serve it). */
  refuse(violation: WorkspaceViolation): void;
}

/** What a document needs from the server. */
export interface DocServices {
  storage: Storage;
  logger: Logger;
  limits: Limits;
  options: WorkspaceOptions;
  /** Where the Yjs documents live and every merge runs. */
  engine: WorkspaceEngine;
  /** The bus to the other nodes serving the same rooms; absent on a single node. */
  cluster?: ClusterBus;
  /** Counters for `/metrics`; none when absent. */
  metrics?: DocMetrics;
}

/** Awareness client ids one socket may introduce (a tab has one; a few spare for reloads). */
const MAX_AWARENESS_CLIENTS = 8;
/** Origin of awareness heard from other nodes: relayed to our sockets, not published again. */
const FROM_CLUSTER = Symbol('from cluster');
/** Origin of awareness removals when one of our sockets leaves: published to the other nodes. */
const PEER_LEFT = Symbol('peer left');
/** How long after a heard update left the copy missing dependencies it re-reads storage (ms). */
const CATCH_UP_DELAY_MS = 500;
const COLOR = /^#[0-9a-fA-F]{6}$/;

/** A loaded workspace document; see the module comment. */
export class WorkspaceDoc implements Subscriber {
  readonly room: string;
  readonly awareness: awarenessProtocol.Awareness;
  /** When a socket last opened or left the document (epoch ms), for least-recently-used unloading. */
  lastUsed = Date.now();

  readonly #services: DocServices;
  readonly #engine: WorkspaceEngine;
  readonly #metrics: DocMetrics;
  readonly #log: Logger;
  readonly #peers = new Set<DocPeer>();
  /** Awareness client ids each socket wrote a state for; removed when it leaves. */
  readonly #owned = new Map<DocPeer, Set<number>>();
  readonly #owners: AwarenessOwners;
  /** Sockets one of whose updates was refused as too complex: their later updates are dropped. */
  readonly #refused = new WeakSet<DocPeer>();
  /** Called once when the engine gave the document up (it could not be loaded again within its budget). */
  readonly #onBroken: (doc: WorkspaceDoc) => void;
  /** Settles after the newest update's apply, commit and relay; keeps acks and relays in order. */
  #tail: Promise<void> = Promise.resolve();
  /** Settles once every append started so far has committed or failed (what a restore must wait for). */
  #appended: Promise<void> = Promise.resolve();
  /** Upper bound of the encoded state size, re-measured when it nears the limit. */
  #sizeEstimate = 0;
  /** Updates and bytes appended since the last compaction (by this node; others count their own). */
  #logCount = 0;
  #logBytes = 0;
  /** The engine's copy has changes storage may lack (a failed append). */
  #dirty = false;
  #closed = false;
  /** The engine gave the document up: nothing more runs for it. */
  #broken = false;
  /** The other nodes holding this document; null on a single node. */
  #link: DocClusterLink | null = null;
  #catchUpTimer: NodeJS.Timeout | null = null;
  #catchingUp: Promise<void> | null = null;

  private constructor(room: string, services: DocServices, onBroken: (doc: WorkspaceDoc) => void) {
    this.room = room;
    this.#services = services;
    this.#engine = services.engine;
    this.#metrics = services.metrics ?? NO_DOC_METRICS;
    this.#log = services.logger.child({ room });
    this.#onBroken = onBroken;
    // Awareness needs a document for its client id only; the content lives on the engine.
    this.awareness = new awarenessProtocol.Awareness(new Y.Doc());
    // The server is not a participant: it has no awareness state of its own.
    this.awareness.setLocalState(null);
    this.#owners = new AwarenessOwners((clientID) => this.awareness.getStates().has(clientID));
    this.awareness.on('update', this.#onAwarenessUpdate);
  }

  /**
   * Loads the room's document from storage (snapshot, then the log in order)
   * onto the engine. With other nodes, it listens to them first, so an update
   * they commit while this load reads storage arrives either in what it reads
   * or on the bus. Rejects with a 4422 `document_too_complex` violation when
   * loading takes longer than the document budget. `onBroken` is called if
   * the engine later gives the document up.
   */
  static async load(room: string, services: DocServices, onBroken: (doc: WorkspaceDoc) => void = () => undefined): Promise<WorkspaceDoc> {
    const doc = new WorkspaceDoc(room, services, onBroken);
    if (services.cluster) {
      const link = new DocClusterLink(services.cluster, room, {
        update: (update) => void doc.#merge([update], true),
        awareness: (update) => doc.#hearAwareness(update),
        resync: () => doc.#scheduleCatchUp(0),
        malformed: (reason) => doc.#log.warn({ reason }, 'ignored a malformed workspace message from another node'),
      });
      doc.#link = link;
      await link.subscribed();
    }
    try {
      const stored = await services.storage.loadWorkspace(room);
      const snapshotBytes = stored.snapshot?.length ?? 0;
      doc.#sizeEstimate = stored.bytes;
      doc.#logCount = stored.updates.length;
      doc.#logBytes = stored.bytes - snapshotBytes;
      await services.engine.open(room, partsOf(stored), { restore: () => doc.#restore(), broken: () => doc.#giveUp() });
    } catch (error) {
      doc.#link?.close();
      doc.#closed = true;
      doc.#destroyAwareness();
      if (error instanceof EngineBudgetError) doc.#log.warn({ budgetMs: error.limitMs }, 'a workspace takes longer to load than its budget; not serving it');
      throw engineViolation(error);
    }
    doc.#link?.start();
    return doc;
  }

  /** Sockets that have the document open. */
  get peerCount(): number {
    return this.#peers.size;
  }

  /** Whether {@link WorkspaceDoc.close} began (or the engine gave the document up). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds a socket and resolves with the messages that start its sync: our state vector, then everyone's awareness. */
  async addPeer(peer: DocPeer): Promise<Uint8Array[]> {
    this.#peers.add(peer);
    this.#owned.set(peer, new Set());
    this.lastUsed = Date.now();
    let stateVector: Uint8Array;
    try {
      stateVector = await this.#engine.stateVector(this.room);
    } catch (error) {
      this.removePeer(peer);
      throw engineViolation(error);
    }
    const messages = [syncStep1Message(stateVector)];
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

  /** Answers sync step 1: what a client with `stateVector` lacks. Rejects with a violation. */
  async syncStep2For(stateVector: Uint8Array): Promise<Uint8Array> {
    let update: Uint8Array | null;
    try {
      update = await this.#engine.diff(this.room, stateVector);
    } catch (error) {
      throw engineViolation(error);
    }
    if (update === null) throw protocolViolation('malformed state vector');
    return syncStep2Message(update);
  }

  /** Every awareness state, for a client that asked. */
  awarenessSnapshot(): Uint8Array {
    return awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]));
  }

  /**
   * Applies a client's update (on the engine) and relays what it changed to
   * the other sockets as soon as it applied; resolves once it is durably
   * stored (at once when it changed nothing, after the updates before it).
   * Rejects with a violation, and nothing is applied, for a malformed update,
   * one that would make the document too large, or one that takes longer
   * than the update budget (4422 `update_too_complex`: neither relayed nor
   * stored, and the sender's later updates are dropped).
   */
  receiveUpdate(update: Uint8Array, from: DocPeer): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the document was unloaded'));
    const max = this.#services.limits.maxWorkspaceBytes;
    // Measured only near the limit: the estimate is an upper bound.
    const measure = this.#sizeEstimate + update.length > max;
    if (!measure) this.#sizeEstimate += update.length;
    const prior = this.#tail;
    const done = this.#engine.apply(this.room, update, measure ? max : null, () => this.#refused.has(from)).then(
      (outcome) => this.#applied(outcome, update, from, prior),
      (error: unknown) => {
        if (error instanceof EngineBudgetError) {
          this.#refused.add(from);
          this.#log.warn({ user: from.user.id, bytes: update.length }, 'refused a workspace update that takes too long to merge');
          throw tooComplex(ErrorCode.UpdateTooComplex, 'the update takes too long to merge');
        }
        throw engineViolation(error);
      },
    );
    this.#tail = done.catch(() => undefined);
    return done;
  }

  /** Resolves once every update received so far is handled (stored and published, or failed). */
  whenHandled(): Promise<void> {
    return this.#tail;
  }

  /**
   * Applies a client's awareness update: entries under client ids another
   * user introduced are dropped, and the rest carry the sender's identity
   * (`user.id` and `user.name` from the token); then relays it.
   */
  applyAwareness(update: Uint8Array, from: DocPeer): void {
    let entries: AwarenessEntry[];
    try {
      entries = decodeAwarenessEntries(update);
    } catch {
      throw protocolViolation('malformed awareness update');
    }
    const owned = this.#owned.get(from);
    if (!owned) return;
    const user = from.user.id;
    const kept = entries.filter((entry) => this.#owners.mayWrite(entry.clientID, user));
    if (kept.length < entries.length) this.#log.warn({ user, dropped: entries.length - kept.length }, "dropped awareness entries under another user's client ids");
    const added = new Set(owned);
    for (const entry of kept) if (entry.state !== null) added.add(entry.clientID);
    if (added.size > MAX_AWARENESS_CLIENTS) throw protocolViolation('too many awareness states');
    if (kept.length === 0) return;
    for (const entry of kept) {
      if (entry.state === null) {
        owned.delete(entry.clientID);
      } else {
        this.#owners.claim(entry.clientID, user);
        owned.add(entry.clientID);
        entry.state = withIdentity(entry.state, from.user);
      }
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(kept), from);
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
    if (!this.#broken && (this.#logCount > 0 || this.#dirty)) {
      try {
        await this.#compact();
      } catch (error) {
        // The log is still complete: nothing is lost, the next load just replays more.
        this.#log.error({ err: error }, 'could not compact the workspace on unload');
      }
    }
    this.#destroyAwareness();
    this.#engine.drop(this.room);
  }

  // ── internals ──────────────────────────────────────────────────────────────

  /** What follows an update's apply on the engine: storing and relaying it, or the sender's violation. */
  #applied(outcome: ApplyOutcome | typeof SKIPPED, update: Uint8Array, from: DocPeer, prior: Promise<void>): Promise<void> {
    if (outcome === SKIPPED) return prior; // its sender was refused: it goes, and so does this
    const max = this.#services.limits.maxWorkspaceBytes;
    switch (outcome.kind) {
      case 'malformed':
        throw protocolViolation('malformed document update');
      case 'too-large':
        this.#sizeEstimate = outcome.size;
        throw tooLarge(ErrorCode.DocumentTooLarge, `the document would exceed ${max} bytes`);
      case 'applied': {
        if (outcome.size !== null) this.#sizeEstimate = outcome.size + update.length;
        const { effective } = outcome;
        // Structs waiting for missing dependencies change no content yet but must survive a restart.
        const toStore = outcome.pendingChanged ? update : effective;
        const handled = toStore ? this.#persist(toStore, effective ?? update, from, prior) : prior;
        if (!outcome.failed) return handled;
        // Whatever was applied before the failure is stored and relayed above; the sender goes.
        handled.catch(() => undefined);
        this.#log.warn('a workspace update failed to apply');
        throw protocolViolation('the update could not be applied');
      }
    }
  }

  /**
   * Relays `relay` to the other sockets now and appends `stored` to the log;
   * once that committed (after `prior`), publishes `relay` to the other nodes
   * and compacts when due.
   */
  #persist(stored: Uint8Array, relay: Uint8Array, from: DocPeer, prior: Promise<void>): Promise<void> {
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
    this.#appended = Promise.all([this.#appended, committed.catch(() => undefined)]).then(() => undefined);
    this.#logCount += 1;
    this.#logBytes += stored.length;
    return prior
      .then(() => committed)
      .then(async () => {
        // Published only once stored, so a node that reads storage and then listens misses nothing.
        if (this.#link) void this.#link.publishUpdate(relay);
        if (this.#logCount >= options.compactAfterUpdates || this.#logBytes >= options.compactAfterBytes) {
          await this.#compact().catch((error: unknown) => this.#log.error({ err: error }, 'workspace compaction failed'));
        }
      });
  }

  /** Sends an update message to every socket but `from`. */
  #relay(update: Uint8Array, from: DocPeer | null): void {
    if (this.#peers.size === 0) return;
    const message = updateMessage(update);
    for (const peer of this.#peers) if (peer !== from) peer.send(message);
  }

  /**
   * Applies updates that are already stored (heard from another node, or
   * read back from storage) and relays what they changed to our sockets.
   * With `heard`, an update that leaves the copy missing dependencies means
   * we missed one: storage is read again. Never rejects.
   */
  async #merge(parts: Uint8Array[], heard: boolean): Promise<void> {
    if (this.#closed) return;
    try {
      const { effective, missing, skipped } = await this.#engine.merge(this.room, parts);
      if (skipped > 0) this.#log.error({ skipped }, 'skipped workspace updates that do not decode');
      if (this.#closed) return;
      if (effective) {
        this.#sizeEstimate += effective.length;
        this.#relay(effective, null);
      }
      if (heard && missing) this.#scheduleCatchUp(CATCH_UP_DELAY_MS);
    } catch (error) {
      if (this.#closed || error instanceof EngineClosedError || error instanceof EngineDocumentGone) return;
      if (!(error instanceof EngineBudgetError)) {
        this.#log.error({ err: error }, 'could not merge stored workspace updates');
        return;
      }
      // What we could not merge is stored (another node stored it first) and the engine reloads the
      // document from storage; our sockets reconnect to get what they missed.
      this.#log.warn('a stored workspace update took too long to merge here; reconnecting the sockets');
      for (const peer of [...this.#peers]) {
        peer.refuse(new WorkspaceViolation(CloseCode.TryAgainLater, { code: ErrorCode.Unavailable, retryAfterMs: jitter(500, 2_000) }, 'resync'));
      }
    }
  }

  /** Awareness another node applied (identities and ownership enforced there): its owners are recorded here too. */
  #hearAwareness(update: Uint8Array): void {
    if (this.#closed) return;
    for (const entry of decodeAwarenessEntries(update)) {
      const user = isRecord(entry.state) && isRecord(entry.state.user) ? entry.state.user.id : undefined;
      if (typeof user === 'string') this.#owners.claim(entry.clientID, user);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, FROM_CLUSTER);
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
      await this.#merge(partsOf(stored), false);
      this.#metrics.caughtUp();
      this.#log.debug('workspace caught up from storage');
    } catch (error) {
      this.#log.warn({ err: error }, 'could not catch up the workspace from storage; retrying');
      this.#scheduleCatchUp(CATCH_UP_DELAY_MS * 4);
    }
  }

  /** For the engine, after the thread holding the document was replaced: what storage holds, once our appends are in. */
  async #restore(): Promise<Uint8Array[]> {
    await this.#appended;
    // A failed append is lost from the reloaded copy; its sender was closed with 1011 and sends it again.
    this.#dirty = false;
    const stored = await this.#services.storage.loadWorkspace(this.room);
    this.#sizeEstimate = stored.bytes;
    return partsOf(stored);
  }

  /** The engine could not load the document again within its budget: every socket goes, and so does the document. */
  #giveUp(): void {
    if (this.#broken) return;
    this.#broken = true;
    this.#log.warn('a workspace takes longer to load than its budget; closing it');
    for (const peer of [...this.#peers]) peer.refuse(tooComplex(ErrorCode.DocumentTooComplex, 'the document takes too long to load'));
    this.#onBroken(this);
  }

  /**
   * Folds the stored snapshot and log into a new snapshot (on the engine)
   * and drops the folded log. It reads storage rather than encoding this
   * copy, so updates other nodes appended (and this copy may not have heard
   * yet) stay. When an append failed earlier, this copy's state is appended
   * first so the fold includes it. A concurrent, newer compaction wins (ours
   * then changes nothing).
   */
  async #compact(): Promise<void> {
    if (this.#broken) return;
    const { storage } = this.#services;
    const count = this.#logCount;
    const bytes = this.#logBytes;
    if (this.#dirty) {
      this.#dirty = false;
      try {
        await storage.appendWorkspaceUpdate(this.room, await this.#engine.encode(this.room), Date.now());
      } catch (error) {
        this.#dirty = true;
        throw error;
      }
    }
    const stored = await storage.loadWorkspace(this.room);
    const snapshot = await this.#engine.fold(this.room, partsOf(stored));
    await storage.compactWorkspace(this.room, snapshot, stored.lastUpdateId, Date.now());
    this.#metrics.compacted();
    this.#logCount = Math.max(0, this.#logCount - count);
    this.#logBytes = Math.max(0, this.#logBytes - bytes);
    this.#sizeEstimate = snapshot.length + this.#logBytes;
    this.#log.debug({ bytes: snapshot.length, throughId: stored.lastUpdateId }, 'workspace compacted');
  }

  #destroyAwareness(): void {
    this.awareness.off('update', this.#onAwarenessUpdate);
    this.awareness.destroy();
    this.awareness.doc.destroy();
  }

  /** Relays an awareness change (and publishes our sockets' own to the other nodes). */
  readonly #onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const from = this.#peers.has(origin as DocPeer) ? (origin as DocPeer) : null;
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

/** The parts of a stored document in the order they apply. */
function partsOf(stored: StoredWorkspace): Uint8Array[] {
  return stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates;
}

/** The violation that closes a socket when the engine could not do its job for the document. */
function engineViolation(error: unknown): unknown {
  if (error instanceof WorkspaceViolation) return error;
  if (error instanceof EngineBudgetError || error instanceof EngineDocumentGone) {
    return tooComplex(ErrorCode.DocumentTooComplex, 'the document takes too long to load');
  }
  if (error instanceof EngineClosedError) {
    return new WorkspaceViolation(CloseCode.GoingAway, { code: ErrorCode.Unavailable, retryAfterMs: jitter(1_000, 5_000) }, 'the server is shutting down');
  }
  return error;
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
