/**
 * The workspace documents this node holds in memory: loaded on first open,
 * shared by every socket of the room, unloaded (after a compaction) once
 * nobody has had them open for `idleUnloadMs`, and never more than
 * `maxOpenDocuments` at once.
 */
import { CloseCode, ErrorCode } from '@parley/sdk/protocol';
import { roomTopic } from '../bus/topics.js';
import type { Hub } from '../sockets/hub.js';
import type { DocPeer, DocServices } from './doc.js';
import { WorkspaceDoc } from './doc.js';
import { WorkspaceViolation } from './messages.js';

/** How long a refused client should wait when every loaded document is in use (ms). */
const FULL_RETRY_MS = 5_000;
/** Attempts to open a document that keeps being unloaded under us; bounded so nothing spins. */
const MAX_OPEN_ATTEMPTS = 5;

/** Loads, shares and unloads workspace documents; see the module comment. */
export class WorkspaceRegistry {
  readonly #services: DocServices;
  readonly #hub: Hub;
  readonly #docs = new Map<string, WorkspaceDoc>();
  readonly #loading = new Map<string, Promise<WorkspaceDoc>>();
  readonly #unloading = new Map<string, Promise<void>>();
  readonly #idleTimers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  /** Creates an empty registry; documents subscribe to their room's events on `hub` while loaded. */
  constructor(services: DocServices, hub: Hub) {
    this.#services = services;
    this.#hub = hub;
  }

  /** Documents in memory now (loaded or loading). */
  get size(): number {
    return this.#docs.size + this.#loading.size;
  }

  /** Whether the room's document is in memory (for tests and metrics). */
  isLoaded(room: string): boolean {
    return this.#docs.has(room);
  }

  /**
   * Opens the room's document for `peer` (loading it if needed) and returns
   * it with the messages that start the peer's sync. Throws a
   * {@link WorkspaceViolation} with 4013 when the node holds its maximum of
   * documents and all are in use, or 1001 while shutting down.
   */
  async open(room: string, peer: DocPeer): Promise<{ doc: WorkspaceDoc; greeting: Uint8Array[] }> {
    for (let attempt = 0; attempt < MAX_OPEN_ATTEMPTS; attempt++) {
      if (this.#closed) throw shuttingDown();
      await this.#unloading.get(room);
      const doc = this.#docs.get(room) ?? (await this.#load(room));
      if (doc.closed || this.#docs.get(room) !== doc) continue; // unloaded meanwhile: load it again
      this.#cancelIdle(room);
      return { doc, greeting: doc.addPeer(peer) };
    }
    throw new WorkspaceViolation(CloseCode.TryAgainLater, { code: ErrorCode.Unavailable, retryAfterMs: FULL_RETRY_MS }, 'document busy');
  }

  /** The peer left; a document nobody has open is unloaded after the idle delay. */
  leave(doc: WorkspaceDoc, peer: DocPeer): void {
    doc.removePeer(peer);
    if (doc.peerCount > 0 || doc.closed || this.#closed) return;
    this.#cancelIdle(doc.room);
    const timer = setTimeout(() => {
      this.#idleTimers.delete(doc.room);
      if (doc.peerCount === 0) void this.#unload(doc);
    }, this.#services.options.idleUnloadMs);
    timer.unref();
    this.#idleTimers.set(doc.room, timer);
  }

  /** Shutdown: unloads (and compacts) every document. Sockets must be closed first. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    await Promise.allSettled([...this.#loading.values()]);
    await Promise.all([...this.#docs.values()].map((doc) => this.#unload(doc)));
    await Promise.all([...this.#unloading.values()]);
  }

  // ── internals ──────────────────────────────────────────────────────────────

  #load(room: string): Promise<WorkspaceDoc> {
    let loading = this.#loading.get(room);
    if (!loading) {
      loading = this.#makeRoomFor().then(async () => {
        const doc = await WorkspaceDoc.load(room, this.#services);
        if (this.#closed) {
          await doc.close();
          throw shuttingDown();
        }
        this.#docs.set(room, doc);
        this.#hub.subscribe(roomTopic(room), doc);
        return doc;
      });
      const settle = (): void => {
        this.#loading.delete(room);
      };
      loading.then(settle, settle);
      this.#loading.set(room, loading);
    }
    return loading;
  }

  /** Unloads the least recently used idle document when the node is at its maximum. */
  async #makeRoomFor(): Promise<void> {
    // Runs before this load is registered in #loading, so only other documents count here.
    if (this.#docs.size + this.#loading.size < this.#services.options.maxOpenDocuments) return;
    let idle: WorkspaceDoc | null = null;
    for (const doc of this.#docs.values()) {
      if (doc.peerCount === 0 && (idle === null || doc.lastUsed < idle.lastUsed)) idle = doc;
    }
    if (!idle) {
      this.#services.logger.warn({ open: this.#docs.size }, 'every loaded workspace is in use; refusing another');
      throw new WorkspaceViolation(
        CloseCode.TryAgainLater,
        { code: ErrorCode.Unavailable, retryAfterMs: FULL_RETRY_MS },
        'too many open documents',
      );
    }
    await this.#unload(idle);
  }

  #unload(doc: WorkspaceDoc): Promise<void> {
    const room = doc.room;
    const current = this.#unloading.get(room);
    if (current) return current;
    this.#cancelIdle(room);
    if (this.#docs.get(room) === doc) this.#docs.delete(room);
    this.#hub.unsubscribe(roomTopic(room), doc);
    const unloading = doc.close().finally(() => this.#unloading.delete(room));
    this.#unloading.set(room, unloading);
    return unloading;
  }

  #cancelIdle(room: string): void {
    const timer = this.#idleTimers.get(room);
    if (timer) clearTimeout(timer);
    this.#idleTimers.delete(room);
  }
}

function shuttingDown(): WorkspaceViolation {
  return new WorkspaceViolation(CloseCode.GoingAway, { code: ErrorCode.Unavailable }, 'the server is shutting down');
}
