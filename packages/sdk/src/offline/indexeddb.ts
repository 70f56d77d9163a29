/**
 * The browser's {@link OfflineStore}: one IndexedDB database per server and
 * user (via `idb`). A batch is one transaction, so an outbox entry and the
 * messages it affects change together or not at all.
 */
import { deleteDB, openDB } from 'idb';
import type { DBSchema, IDBPDatabase } from 'idb';
import type { Message } from '../protocol/model.js';
import type { OfflineBatch, OfflineScope, OfflineSnapshot, OfflineStore, OutboxEntry, RoomRecord } from './types.js';

interface ParleyDb extends DBSchema {
  outbox: { key: string; value: OutboxEntry };
  rooms: { key: string; value: RoomRecord };
  messages: { key: string; value: Message; indexes: { bySeq: [string, number] } };
}

const VERSION = 1;

function roomRange(room: string): IDBKeyRange {
  return IDBKeyRange.bound([room, -Infinity], [room, Infinity]);
}

/** Whether IndexedDB exists here (false in Node and some private modes). */
export function hasIndexedDb(): boolean {
  return typeof indexedDB !== 'undefined';
}

/** IndexedDB-backed {@link OfflineStore}. */
export class IndexedDbOfflineStore implements OfflineStore {
  private db: IDBPDatabase<ParleyDb> | null = null;
  private scope: OfflineScope | null = null;

  /** @inheritdoc */
  async open(scope: OfflineScope): Promise<void> {
    this.scope = scope;
    this.db = await openDB<ParleyDb>(scope.name, VERSION, {
      upgrade(db) {
        db.createObjectStore('outbox', { keyPath: 'clientId' });
        db.createObjectStore('rooms', { keyPath: 'id' });
        db.createObjectStore('messages', { keyPath: 'id' }).createIndex('bySeq', ['room', 'seq']);
      },
      // Another tab wants to upgrade or delete (logout): let it.
      blocking: () => {
        this.db?.close();
        this.db = null;
      },
    });
  }

  /** @inheritdoc */
  async load(): Promise<OfflineSnapshot> {
    const db = this.database();
    const limit = this.scope?.historyLimit ?? Infinity;
    const tx = db.transaction(['outbox', 'rooms', 'messages'], 'readonly');
    const outbox = await tx.objectStore('outbox').getAll();
    const rooms = await tx.objectStore('rooms').getAll();
    const index = tx.objectStore('messages').index('bySeq');
    const messages: Record<string, Message[]> = {};
    for (const room of rooms) {
      const list = await index.getAll(roomRange(room.id));
      messages[room.id] = list.slice(-limit);
    }
    await tx.done;
    outbox.sort((a, b) => a.order - b.order);
    return { outbox, rooms, messages };
  }

  /** @inheritdoc */
  async write(batch: OfflineBatch): Promise<void> {
    const db = this.database();
    const limit = this.scope?.historyLimit ?? Infinity;
    const tx = db.transaction(['outbox', 'rooms', 'messages'], 'readwrite');
    const outbox = tx.objectStore('outbox');
    const rooms = tx.objectStore('rooms');
    const messages = tx.objectStore('messages');
    const index = messages.index('bySeq');
    const work: Array<Promise<unknown>> = [];
    for (const [id, entry] of batch.outbox) work.push(entry ? outbox.put(entry) : outbox.delete(id));
    for (const [id, record] of batch.rooms) {
      if (record) {
        work.push(rooms.put(record));
        continue;
      }
      work.push(rooms.delete(id));
      work.push(
        (async () => {
          for (let cursor = await index.openCursor(roomRange(id)); cursor; cursor = await cursor.continue()) {
            await cursor.delete();
          }
        })(),
      );
    }
    for (const [room, list] of batch.messages) {
      for (const message of list) work.push(messages.put(message));
      work.push(
        (async () => {
          let excess = (await index.count(roomRange(room))) - limit;
          // Oldest first: the cache keeps the newest `limit` messages of the room.
          for (let cursor = await index.openCursor(roomRange(room)); cursor && excess > 0; excess--) {
            await cursor.delete();
            cursor = await cursor.continue();
          }
        })(),
      );
    }
    await Promise.all([...work, tx.done]);
  }

  /** @inheritdoc */
  async purge(): Promise<void> {
    this.db?.close();
    this.db = null;
    if (this.scope) await deleteDB(this.scope.name);
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.db?.close();
    this.db = null;
    return Promise.resolve();
  }

  private database(): IDBPDatabase<ParleyDb> {
    if (!this.db) throw new Error('IndexedDbOfflineStore is not open');
    return this.db;
  }
}
