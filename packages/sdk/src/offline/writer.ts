/**
 * Coalesces writes to the {@link OfflineStore}: changes made in the same tick
 * (say, 1000 acks arriving in a burst) become one batch, batches are written
 * one after another so a later change never lands before an earlier one.
 * Outbox additions are flushed at once (a send waits for them); cache writes
 * may wait a little.
 */
import type { Message } from '../protocol/model.js';
import type { Timers } from '../transport/platform.js';
import type { OfflineBatch, OfflineStore, OutboxEntry, RoomRecord } from './types.js';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Batches and serializes writes to an {@link OfflineStore}. */
export class OfflineWriter {
  private outbox = new Map<string, OutboxEntry | null>();
  private rooms = new Map<string, RoomRecord | null>();
  private messages = new Map<string, Map<string, Message>>();
  private next: Deferred | null = null;
  private timer: unknown = null;
  private microtask = false;
  private chain: Promise<void> = Promise.resolve();
  private enabled = true;

  /**
   * @param store where batches go
   * @param delayMs how long cache writes may wait to be batched
   * @param onError receives failures of writes nobody awaits
   */
  constructor(
    private readonly store: OfflineStore,
    private readonly timers: Timers,
    private readonly delayMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Stores an outbox entry; resolves once it is durable. */
  putOutbox(entry: OutboxEntry): Promise<void> {
    this.outbox.set(entry.clientId, entry);
    return this.schedule(true);
  }

  /** Deletes an outbox entry (eventually). */
  deleteOutbox(clientId: string): void {
    this.outbox.set(clientId, null);
    this.background();
  }

  /** Stores a room's info and cursor (eventually). */
  putRoom(record: RoomRecord): void {
    this.rooms.set(record.id, record);
    this.background();
  }

  /** Deletes a room and its cached messages (eventually). */
  deleteRoom(id: string): void {
    this.rooms.set(id, null);
    this.messages.delete(id);
    this.background();
  }

  /** Caches messages of a room (eventually). */
  putMessages(room: string, list: readonly Message[]): void {
    if (list.length === 0) return;
    let map = this.messages.get(room);
    if (!map) this.messages.set(room, (map = new Map<string, Message>()));
    for (const message of list) map.set(message.id, message);
    this.background();
  }

  /** Writes everything queued; resolves when all earlier writes are durable. */
  flush(): Promise<void> {
    if (this.next) return this.schedule(true);
    return this.chain;
  }

  /** Stops writing (the store is about to close); queued changes are dropped. */
  disable(): void {
    this.enabled = false;
    this.outbox.clear();
    this.rooms.clear();
    this.messages.clear();
    // Settle anyone waiting on the dropped batch.
    if (this.next) this.write();
  }

  /** Accepts writes again (the store was reopened). */
  enable(): void {
    this.enabled = true;
  }

  private background(): void {
    this.schedule(false).catch(this.onError);
  }

  private schedule(urgent: boolean): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.next ??= deferred();
    if (urgent && !this.microtask) {
      this.microtask = true;
      queueMicrotask(() => this.write());
    } else if (!urgent && this.timer === null && !this.microtask) {
      this.timer = this.timers.setTimeout(() => this.write(), this.delayMs);
    }
    return this.next.promise;
  }

  private write(): void {
    this.microtask = false;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    const done = this.next;
    if (!done) return;
    this.next = null;
    const batch: OfflineBatch = {
      outbox: [...this.outbox],
      rooms: [...this.rooms],
      messages: [...this.messages].map(([room, map]) => [room, [...map.values()]]),
    };
    this.outbox = new Map();
    this.rooms = new Map();
    this.messages = new Map();
    const run = this.chain.then(() => (this.enabled ? this.store.write(batch) : undefined));
    this.chain = run.catch(() => undefined);
    run.then(
      () => done.resolve(),
      (error: unknown) => done.reject(error),
    );
  }
}
