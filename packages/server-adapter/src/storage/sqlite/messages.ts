/** The messages of rooms on SQLite: writes go through `message-writes.ts`, reads page directly. */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type { Message, MessageEdit } from '@parley/sdk/protocol';
import type { AppendMessageInput, AppendResult, ChangeResult, ClientOperation, MessageChange, MessageStore } from '../storage.js';
import type { MessageRow } from '../common/message-rows.js';
import { pageSize, trimPage } from '../common/paging.js';
import type { SqliteDatabase } from './database.js';
import { MSG, readMessage, readMessages } from './message-reader.js';
import { appendUserMessage, changeMessage, getClientOp } from './message-writes.js';
import { preparedStatements } from './prepared.js';

const statements = preparedStatements(({ q }) => ({
  history: q<[room: string, before: number, limit: number], MessageRow>(
    `SELECT ${MSG} FROM messages WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
  ),
  thread: q<[parentId: string, after: number, limit: number], MessageRow>(
    `SELECT ${MSG} FROM messages WHERE parent_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  ),
  changesSince: q<[room: string, sinceRev: number, limit: number], MessageRow>(
    `SELECT ${MSG} FROM messages WHERE room_id = ? AND rev > ? ORDER BY rev LIMIT ?`,
  ),
  listEdits: q<[messageId: string], { text: string; replaced_at: number }>(
    'SELECT text, replaced_at FROM message_edits WHERE message_id = ? ORDER BY rowid',
  ),
}));

/** `MessageStore` on SQLite. */
export class SqliteMessages implements MessageStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async appendMessage(input: AppendMessageInput): Promise<AppendResult> {
    return this.#db.write((db) => appendUserMessage(db, input), { newMessages: true });
  }

  async changeMessage(messageId: string, user: string, clientId: string, change: MessageChange, now: number): Promise<ChangeResult> {
    const result = await this.#db.write((db) => changeMessage(db, messageId, user, clientId, change, now));
    if (change.kind === 'delete' && !result.duplicate) this.#db.scheduleCheckpoint();
    return result;
  }

  async clientOperation(user: string, clientId: string): Promise<ClientOperation | null> {
    const row = getClientOp(this.#db.connection(), user, clientId);
    return row ? { op: row.op as ClientOperation['op'], messageId: row.message_id } : null;
  }

  async getMessage(id: string): Promise<Message | null> {
    return readMessage(this.#db.connection(), id);
  }

  async history(room: string, before: number | null, limit: number): Promise<{ messages: Message[]; hasMore: boolean }> {
    const db = this.#db.connection();
    const size = pageSize(limit);
    const rows = statements(db).history.all(room, before ?? Number.MAX_SAFE_INTEGER, size + 1);
    const hasMore = trimPage(rows, size);
    rows.reverse();
    return { messages: readMessages(db, rows), hasMore };
  }

  async thread(parentId: string, after: number, limit: number): Promise<{ replies: Message[]; hasMore: boolean }> {
    const db = this.#db.connection();
    const size = pageSize(limit);
    const rows = statements(db).thread.all(parentId, after, size + 1);
    const hasMore = trimPage(rows, size);
    return { replies: readMessages(db, rows), hasMore };
  }

  async changesSince(room: string, sinceRev: number, limit: number): Promise<{ messages: Message[]; more: boolean }> {
    const db = this.#db.connection();
    const size = pageSize(limit);
    const rows = statements(db).changesSince.all(room, sinceRev, size + 1);
    const more = trimPage(rows, size);
    return { messages: readMessages(db, rows), more };
  }

  async edits(messageId: string): Promise<MessageEdit[]> {
    return statements(this.#db.connection())
      .listEdits.all(messageId)
      .map((row) => ({ text: row.text, replacedAt: row.replaced_at }));
  }
}
