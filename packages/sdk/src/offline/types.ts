/**
 * What the SDK keeps on the device: the outbox of mutations not yet
 * acknowledged, each room's info and resume cursor, and the newest messages
 * of each room. {@link OfflineStore} is the storage interface; IndexedDB and
 * memory are two implementations.
 */
import type { AttachmentInfo, Message, RoomInfo } from '../protocol/model.js';

/** A message an outbox entry acts on: its server id, or the client id of a send still queued. */
export interface MessageTarget {
  messageId: string | null;
  clientId: string | null;
}

/** Fields every outbox entry has. */
export interface OutboxEntryBase {
  /** Idempotency key (`crypto.randomUUID()`), also the entry's key. */
  clientId: string;
  /** Position in the outbox; entries replay in this order. */
  order: number;
  room: string;
  createdAt: number;
  /** `failed` after a non-retryable error: kept visible until retried or discarded. */
  status: 'pending' | 'failed';
  error: { code: string; message: string } | null;
}

/** A message to send. */
export interface SendEntry extends OutboxEntryBase {
  kind: 'send';
  text: string;
  parentId: string | null;
  attachments: AttachmentInfo[];
  /** Custom JSON sent with the message, if any. */
  data?: unknown;
}

/** A new text for a message. */
export interface EditEntry extends OutboxEntryBase {
  kind: 'edit';
  target: MessageTarget;
  text: string;
}

/** A soft delete. */
export interface DeleteEntry extends OutboxEntryBase {
  kind: 'delete';
  target: MessageTarget;
}

/** A reaction added (`on`) or removed. */
export interface ReactEntry extends OutboxEntryBase {
  kind: 'react';
  target: MessageTarget;
  emoji: string;
  on: boolean;
}

/** The read marker moved to `seq`. */
export interface ReadEntry extends OutboxEntryBase {
  kind: 'read';
  seq: number;
}

/** Any outbox entry. */
export type OutboxEntry = SendEntry | EditEntry | DeleteEntry | ReactEntry | ReadEntry;

/** Where a room's resume starts: the highest `seq` held and the highest `rev` applied. */
export interface RoomCursorState {
  seq: number;
  rev: number;
}

/** A room as cached. */
export interface RoomRecord {
  id: string;
  info: RoomInfo | null;
  cursor: RoomCursorState;
  /** The last retention gap reported for the room. */
  gap?: { from: number; to: number } | null;
}

/** Everything cached, as loaded at start. */
export interface OfflineSnapshot {
  /** Outbox entries in order. */
  outbox: OutboxEntry[];
  rooms: RoomRecord[];
  /** The newest messages of each room, in `seq` order. */
  messages: Record<string, Message[]>;
}

/** Changes written together (one transaction where the store supports it). `null` deletes. */
export interface OfflineBatch {
  outbox: Array<[clientId: string, entry: OutboxEntry | null]>;
  /** Deleting a room also deletes its messages. */
  rooms: Array<[id: string, record: RoomRecord | null]>;
  messages: Array<[room: string, messages: Message[]]>;
}

/** Which data set a store opens. */
export interface OfflineScope {
  /** Unique per server and user (e.g. `parley:wss://chat.example/v1/ws:ada`). */
  name: string;
  /** Messages kept per room; older ones are dropped on write. */
  historyLimit: number;
}

/** Device storage for the SDK. Every method resolves only once its change is durable. */
export interface OfflineStore {
  open(scope: OfflineScope): Promise<void>;
  load(): Promise<OfflineSnapshot>;
  write(batch: OfflineBatch): Promise<void>;
  /** Deletes every byte of this scope (logout). */
  purge(): Promise<void>;
  close(): Promise<void>;
}
