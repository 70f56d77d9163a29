/**
 * The workspace documents this node holds in memory: loaded on first open,
 * shared by every socket of the room, unloaded (after a compaction) once
 * nobody has had them open for `idleUnloadMs`, and never more than
 * `maxOpenDocuments` at once. A document that takes longer than its budget
 * to load is refused (4422 `document_too_complex`), and opening it again is
 * refused without another attempt for a while.
 */
import { CloseCode, ErrorCode } from '@parley/sdk/protocol';
import { roomTopic } from '../bus/topics.js';
import type { Hub } from '../sockets/hub.js';
import type { DocPeer, DocServices } from './doc.js';
import { WorkspaceDoc } from './doc.js';
import { WorkspaceViolation, tooComplex } from './messages.js';

/** How long a refused client should wait when every loaded document is in use (ms). */
const FULL_RETRY_MS = 5_000;
/** Attempts to open a document that keeps being unloaded under us; bounded so nothing spins. */
const MAX_OPEN_ATTEMPTS = 5;
/** How long a document refused as too complex stays refused without another load (ms). */
const REFUSAL_MS = 10 * 60_000;
/** Refusals remembered at most (the oldest are forgotten first). */
const MAX_REFUSALS = 1_000;

/** Loads, shares and unloads workspace documents; see the module comment. */
export class WorkspaceRegistry {
  readonly #services: DocServices;
  readonly #hub: Hub;
  readonly #docs = new Map<string, WorkspaceDoc>();
  readonly #loading = new Map<string, Promise<WorkspaceDoc>>();
  readonly #unloading = new Map<string, Promise<void>>();
  readonly #idleTimers = new Map<string, NodeJS.Timeout>();
  /** Rooms whose document took too long to load, until when they stay refused (epoch ms). */
  readonly #refused = new Map<string, number>();
  readonly #closeTimeoutMs: number;
  #closed = false;

  /**
   * Creates an empty registry; documents subscribe to their room's events on
   * `hub` while loaded. At shutdown, documents get `closeTimeoutMs` to be
   * compacted before the engine is stopped under them.
   */
  constructor(services: DocServices, hub: Hub, closeTimeoutMs: number) {
    this.#services = services;
    this.#hub = hub;
    this.#closeTimeoutMs = closeTimeoutMs;
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
   * documents and all are in use, 4422 when the document takes too long to
   * load, or 1001 while shutting down.
   */
  async open(room: string, peer: DocPeer): Promise<{ doc: WorkspaceDoc; greeting: Uint8Array[] }> {
    for (let attempt = 0; attempt < MAX_OPEN_ATTEMPTS; attempt++) {
      if (this.#closed) throw shuttingDown();
      if (this.#isRefused(room)) throw tooComplex(ErrorCode.DocumentTooComplex, 'the document takes too long to load');
      await this.#unloading.get(room);
      const doc = this.#docs.get(room) ?? (await this.#load(room));
      if (doc.closed || this.#docs.get(room) !== doc) continue; // unloaded meanwhile: load it again
      this.#cancelIdle(room);
      const greeting = await doc.addPeer(peer);
      if (doc.closed || this.#docs.get(room) !== doc) {
        doc.removePeer(peer);
        continue;
      }
      return { doc, greeting };
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

  /**
   * Shutdown: unloads (and compacts) every document, then stops the engine.
   * Sockets must be closed first. When that takes longer than the close
   * timeout (an engine thread busy with a long job), the engine is stopped
   * at once: what is not compacted stays in the log.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    const unloaded = (async () => {
      await Promise.allSettled([...this.#loading.values()]);
      await Promise.all([...this.#docs.values()].map((doc) => this.#unload(doc)));
      await Promise.all([...this.#unloading.values()]);
    })();
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      unloaded.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#closeTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!inTime) this.#services.logger.warn('workspaces still busy at shutdown; stopping the engine under them');
    await this.#services.engine.close();
    await unloaded;
  }

  // ── internals ──────────────────────────────────────────────────────────────

  #load(room: string): Promise<WorkspaceDoc> {
    let loading = this.#loading.get(room);
    if (!loading) {
      loading = this.#makeRoomFor().then(async () => {
        let doc: WorkspaceDoc;
        try {
          doc = await WorkspaceDoc.load(room, this.#services, (broken) => this.#discard(broken));
        } catch (error) {
          if (isTooComplex(error)) this.#refuse(room);
          throw error;
        }
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

  /** The engine gave a loaded document up (it could not be loaded again within its budget). */
  #discard(doc: WorkspaceDoc): void {
    this.#refuse(doc.room);
    void this.#unload(doc);
  }

  #refuse(room: string): void {
    this.#refused.delete(room);
    this.#refused.set(room, Date.now() + REFUSAL_MS);
    if (this.#refused.size > MAX_REFUSALS) this.#refused.delete(this.#refused.keys().next().value!);
  }

  #isRefused(room: string): boolean {
    const until = this.#refused.get(room);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#refused.delete(room);
    return false;
  }

  #cancelIdle(room: string): void {
    const timer = this.#idleTimers.get(room);
    if (timer) clearTimeout(timer);
    this.#idleTimers.delete(room);
  }
}

function isTooComplex(error: unknown): boolean {
  return error instanceof WorkspaceViolation && error.reason.code === ErrorCode.DocumentTooComplex;
}

function shuttingDown(): WorkspaceViolation {
  return new WorkspaceViolation(CloseCode.GoingAway, { code: ErrorCode.Unavailable }, 'the server is shutting down');
}
