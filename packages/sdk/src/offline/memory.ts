/**
 * An {@link OfflineStore} in memory: used where IndexedDB is missing (Node
 * bots, tests). Data lives as long as the instance, so handing the same
 * instance to a new client simulates a page reload.
 */
import type { Message } from '../protocol/model.js';
import type { OfflineBatch, OfflineScope, OfflineSnapshot, OfflineStore, OutboxEntry, RoomRecord } from './types.js';

interface Data {
  outbox: Map<string, OutboxEntry>;
  rooms: Map<string, RoomRecord>;
  messages: Map<string, Map<string, Message>>;
}

/** Memory-backed {@link OfflineStore}; values are cloned in and out like a real database would. */
export class MemoryOfflineStore implements OfflineStore {
  private readonly scopes = new Map<string, Data>();
  private scope: OfflineScope | null = null;

  /** @inheritdoc */
  open(scope: OfflineScope): Promise<void> {
    return settle(() => {
      this.scope = scope;
      if (!this.scopes.has(scope.name)) {
        this.scopes.set(scope.name, { outbox: new Map(), rooms: new Map(), messages: new Map() });
      }
    });
  }

  /** @inheritdoc */
  load(): Promise<OfflineSnapshot> {
    return settle(() => this.snapshot());
  }

  /** @inheritdoc */
  write(batch: OfflineBatch): Promise<void> {
    return settle(() => this.apply(batch));
  }

  /** @inheritdoc */
  purge(): Promise<void> {
    return settle(() => {
      if (this.scope) this.scopes.delete(this.scope.name);
    });
  }

  /** @inheritdoc */
  close(): Promise<void> {
    return settle(() => {
      this.scope = null;
    });
  }

  private snapshot(): OfflineSnapshot {
    const data = this.data();
    const limit = this.scope?.historyLimit ?? Infinity;
    const messages: Record<string, Message[]> = {};
    for (const [room, map] of data.messages) {
      messages[room] = structuredClone([...map.values()].sort((a, b) => a.seq - b.seq).slice(-limit));
    }
    return {
      outbox: structuredClone([...data.outbox.values()].sort((a, b) => a.order - b.order)),
      rooms: structuredClone([...data.rooms.values()]),
      messages,
    };
  }

  private apply(batch: OfflineBatch): void {
    const data = this.data();
    for (const [id, entry] of batch.outbox) {
      if (entry) data.outbox.set(id, structuredClone(entry));
      else data.outbox.delete(id);
    }
    for (const [id, record] of batch.rooms) {
      if (record) data.rooms.set(id, structuredClone(record));
      else {
        data.rooms.delete(id);
        data.messages.delete(id);
      }
    }
    const limit = this.scope?.historyLimit ?? Infinity;
    for (const [room, list] of batch.messages) {
      let map = data.messages.get(room);
      if (!map) data.messages.set(room, (map = new Map<string, Message>()));
      for (const message of list) map.set(message.id, structuredClone(message));
      if (map.size > limit) {
        const drop = [...map.values()].sort((a, b) => a.seq - b.seq).slice(0, map.size - limit);
        for (const message of drop) map.delete(message.id);
      }
    }
  }

  private data(): Data {
    const data = this.scope && this.scopes.get(this.scope.name);
    if (!data) throw new Error('MemoryOfflineStore is not open');
    return data;
  }
}

/** Runs `fn` now and reports its outcome as a promise, like an asynchronous store would. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
