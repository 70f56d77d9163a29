/**
 * The outbox: every mutation is stored durably before it is attempted, sent
 * in order, pipelined (the next entry does not wait for the previous ack —
 * the server handles one connection's frames in order), and removed only when
 * its ack arrives. Retryable failures keep an entry queued; permanent ones
 * mark it failed until retried or discarded. Entries that act on a message
 * still queued wait for its server id.
 *
 * It never talks to the connection itself: `dispatch` is injected.
 */
import { ConnectionError, ParleyError, toParleyError } from '../errors.js';
import { Emitter } from '../events.js';
import type { OutboxEntry, ReadEntry } from '../offline/types.js';
import type { Timers } from '../transport/platform.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What callers provide to add an entry; the outbox fills in the rest. */
export type OutboxEntryInit = DistributiveOmit<OutboxEntry, 'clientId' | 'order' | 'createdAt' | 'status' | 'error'> & {
  clientId?: string;
};

/** The outbox's connection to the rest of the SDK. */
export interface OutboxCallbacks {
  /** Stores an entry durably (resolves when it is). */
  persist(entry: OutboxEntry): Promise<void>;
  /** Deletes a stored entry. */
  forget(clientId: string): void;
  /** Sends an entry; resolves with the ack's result. `messageId` is the resolved target for message changes. */
  dispatch(entry: OutboxEntry, messageId: string | null): Promise<unknown>;
  /** The server id of the message sent to `room` with `clientId`, once known. */
  resolveMessageId(room: string, clientId: string): string | null;
  timers: Timers;
  now(): number;
  newId(): string;
}

/** Events of the {@link Outbox}. */
export interface OutboxEvents {
  /** Entries were added, rewritten, failed, retried or discarded. */
  change: undefined;
  /** An entry was acknowledged (it has already left the outbox). */
  acked: { entry: OutboxEntry; result: unknown };
  /** An entry failed permanently. */
  failed: { entry: OutboxEntry; error: ParleyError };
}

interface Runtime {
  persisted: boolean;
  inflight: boolean;
  epoch: number;
  waiters: Array<{ resolve(result: unknown): void; reject(error: ParleyError): void }>;
}

/** Pause after a retryable refusal that came without `retryAfterMs`. */
const DEFAULT_RETRY_MS = 1000;

/** Ordered, durable queue of mutations; see the module comment. */
export class Outbox extends Emitter<OutboxEvents> {
  private list: OutboxEntry[] = [];
  private readonly runtime = new Map<string, Runtime>();
  private running = false;
  private epoch = 0;
  private lastOrder = 0;
  private pausedUntil = 0;
  private pauseTimer: unknown = null;

  constructor(private readonly callbacks: OutboxCallbacks) {
    super();
  }

  /** Entries in replay order (immutable objects; replaced when they change). */
  get entries(): readonly OutboxEntry[] {
    return this.list;
  }

  /** Counts of entries waiting and failed (read markers excluded: they are bookkeeping). */
  counts(): { pending: number; failed: number } {
    let pending = 0;
    let failed = 0;
    for (const entry of this.list) {
      if (entry.kind === 'read') continue;
      if (entry.status === 'failed') failed++;
      else pending++;
    }
    return { pending, failed };
  }

  /** The entry with this client id. */
  get(clientId: string): OutboxEntry | undefined {
    return this.list.find((entry) => entry.clientId === clientId);
  }

  /** Whether this entry has been sent and awaits its ack. */
  isInflight(clientId: string): boolean {
    return this.runtime.get(clientId)?.inflight ?? false;
  }

  /** Takes over entries loaded from storage (already durable). */
  load(entries: readonly OutboxEntry[]): void {
    this.list = [...entries].sort((a, b) => a.order - b.order);
    this.runtime.clear();
    for (const entry of this.list) {
      this.runtime.set(entry.clientId, { persisted: true, inflight: false, epoch: 0, waiters: [] });
      this.lastOrder = Math.max(this.lastOrder, entry.order);
    }
    this.emit('change', undefined);
  }

  /**
   * Adds an entry: visible at once, stored, then sent when connected.
   * `done` settles with the ack's result, or rejects when the entry fails
   * permanently or is discarded.
   */
  add(init: OutboxEntryInit): { entry: OutboxEntry; done: Promise<unknown> } {
    const entry = {
      ...init,
      clientId: init.clientId ?? this.callbacks.newId(),
      order: ++this.lastOrder,
      createdAt: this.callbacks.now(),
      status: 'pending',
      error: null,
    } as OutboxEntry;
    const runtime: Runtime = { persisted: false, inflight: false, epoch: this.epoch, waiters: [] };
    const done = new Promise<unknown>((resolve, reject) => runtime.waiters.push({ resolve, reject }));
    this.list.push(entry);
    this.runtime.set(entry.clientId, runtime);
    this.emit('change', undefined);
    this.callbacks.persist(entry).then(
      () => {
        runtime.persisted = true;
        this.pump();
      },
      (err) => {
        // Not durable, so never attempted: the caller learns it was not queued.
        this.drop(entry.clientId, toParleyError(err));
      },
    );
    return { entry, done };
  }

  /** Moves a room's read marker forward, reusing a queued marker of that room when there is one. */
  markRead(room: string, seq: number): Promise<unknown> {
    const queued = this.list.find(
      (e): e is ReadEntry => e.kind === 'read' && e.room === room && e.status === 'pending' && !this.isInflight(e.clientId),
    );
    if (queued) {
      if (queued.seq >= seq) return this.waitFor(queued.clientId);
      this.replace({ ...queued, seq });
      return this.waitFor(queued.clientId);
    }
    return this.add({ kind: 'read', room, seq }).done;
  }

  /**
   * Changes a queued entry that has not been sent yet (e.g. the text of a
   * queued message). Returns false when it is already in flight or gone.
   */
  rewrite(clientId: string, patch: { text: string }): boolean {
    const entry = this.get(clientId);
    if (!entry || this.isInflight(clientId) || !('text' in entry)) return false;
    this.replace({ ...entry, ...patch });
    return true;
  }

  /** Resolves with the ack's result of an entry (rejects if it fails or is discarded). */
  waitFor(clientId: string): Promise<unknown> {
    const runtime = this.runtime.get(clientId);
    if (!runtime) return Promise.reject(new ParleyError('aborted', `no outbox entry ${clientId}`));
    return new Promise((resolve, reject) => runtime.waiters.push({ resolve, reject }));
  }

  /** Queues a failed entry again. Returns false when there is no such failed entry. */
  retry(clientId: string): boolean {
    const entry = this.get(clientId);
    if (!entry || entry.status !== 'failed') return false;
    this.replace({ ...entry, status: 'pending', error: null });
    return true;
  }

  /**
   * Removes an entry that is not in flight, and the entries that act on the
   * message it would have sent. Returns false when it cannot be removed.
   */
  discard(clientId: string): boolean {
    if (!this.get(clientId) || this.isInflight(clientId)) return false;
    const aborted = new ParleyError('aborted', 'discarded');
    for (const entry of this.list) {
      if ('target' in entry && entry.target.clientId === clientId && !this.isInflight(entry.clientId)) {
        this.drop(entry.clientId, aborted);
      }
    }
    this.drop(clientId, aborted);
    return true;
  }

  /** Starts sending (connected and caught up): everything queued is replayed in order. */
  start(): void {
    this.running = true;
    this.epoch++;
    for (const runtime of this.runtime.values()) runtime.inflight = false;
    this.pump();
  }

  /** Stops sending (connection lost); entries in flight come back when their requests fail. */
  stop(): void {
    this.running = false;
    if (this.pauseTimer !== null) this.callbacks.timers.clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.pausedUntil = 0;
  }

  /** Rejects every waiter and forgets all entries in memory (logout; storage is purged separately). */
  clear(): void {
    this.stop();
    const aborted = new ParleyError('aborted', 'the outbox was cleared');
    for (const runtime of this.runtime.values()) for (const waiter of runtime.waiters) waiter.reject(aborted);
    this.list = [];
    this.runtime.clear();
    this.emit('change', undefined);
  }

  private pump(): void {
    if (!this.running || this.callbacks.now() < this.pausedUntil) return;
    for (const entry of this.list) {
      const runtime = this.runtime.get(entry.clientId);
      if (!runtime || entry.status === 'failed' || runtime.inflight) continue;
      // Keep the order: nothing overtakes an entry that is not stored yet.
      if (!runtime.persisted) break;
      let messageId: string | null = null;
      if ('target' in entry) {
        messageId = entry.target.messageId ?? this.callbacks.resolveMessageId(entry.room, entry.target.clientId ?? '');
        // Waits for the ack of the message it acts on; it comes after it anyway.
        if (messageId === null) continue;
      }
      this.attempt(entry, runtime, messageId);
    }
  }

  private attempt(entry: OutboxEntry, runtime: Runtime, messageId: string | null): void {
    runtime.inflight = true;
    runtime.epoch = this.epoch;
    const epoch = this.epoch;
    let sent: Promise<unknown>;
    try {
      sent = this.callbacks.dispatch(entry, messageId);
    } catch (err) {
      sent = Promise.reject(toParleyError(err));
    }
    sent.then(
      (result) => this.acked(entry.clientId, result),
      (err) => this.refused(entry.clientId, toParleyError(err), epoch),
    );
  }

  private acked(clientId: string, result: unknown): void {
    const entry = this.get(clientId);
    const runtime = this.runtime.get(clientId);
    if (!entry || !runtime) return;
    this.list = this.list.filter((e) => e !== entry);
    this.runtime.delete(clientId);
    this.callbacks.forget(clientId);
    this.emit('acked', { entry, result });
    for (const waiter of runtime.waiters) waiter.resolve(result);
    this.pump();
  }

  private refused(clientId: string, error: ParleyError, epoch: number): void {
    const entry = this.get(clientId);
    const runtime = this.runtime.get(clientId);
    if (!entry || !runtime) return;
    if (runtime.epoch === epoch) runtime.inflight = false;
    if (error.retryable) {
      // Disconnects: the next start() replays. Refusals: wait, then go on in order.
      if (!(error instanceof ConnectionError)) this.pause(error.retryAfterMs ?? DEFAULT_RETRY_MS);
      return;
    }
    if (entry.kind === 'read') {
      // A refused read marker is moot (e.g. the user left the room).
      this.drop(clientId, error);
      return;
    }
    this.replace({ ...entry, status: 'failed', error: { code: error.code, message: error.message } });
    for (const waiter of runtime.waiters.splice(0)) waiter.reject(error);
    this.emit('failed', { entry: this.get(clientId) ?? entry, error });
  }

  private pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.callbacks.now() + ms);
    if (this.pauseTimer !== null) this.callbacks.timers.clearTimeout(this.pauseTimer);
    this.pauseTimer = this.callbacks.timers.setTimeout(() => {
      this.pauseTimer = null;
      this.pausedUntil = 0;
      this.pump();
    }, ms);
  }

  /** Swaps in a changed entry, stores it and sends it if it is now ready. */
  private replace(next: OutboxEntry): void {
    this.list = this.list.map((e) => (e.clientId === next.clientId ? next : e));
    const runtime = this.runtime.get(next.clientId);
    if (runtime) runtime.persisted = false;
    this.emit('change', undefined);
    this.callbacks.persist(next).then(
      () => {
        if (runtime && this.get(next.clientId) === next) runtime.persisted = true;
        this.pump();
      },
      () => {
        // The older stored version stays valid; send what memory holds.
        if (runtime) runtime.persisted = true;
        this.pump();
      },
    );
  }

  private drop(clientId: string, error: ParleyError): void {
    const runtime = this.runtime.get(clientId);
    this.list = this.list.filter((e) => e.clientId !== clientId);
    this.runtime.delete(clientId);
    this.callbacks.forget(clientId);
    for (const waiter of runtime?.waiters ?? []) waiter.reject(error);
    this.emit('change', undefined);
  }
}
