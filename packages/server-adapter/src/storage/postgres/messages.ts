/** The messages of rooms on PostgreSQL: writes go through `message-writes.ts`, reads page on the pool. */
import type { Message, MessageEdit } from '@parley/sdk/protocol';
import type { AppendMessageInput, AppendResult, ChangeResult, ClientOperation, MessageChange, MessageStore } from '../storage.js';
import type { MessageRow } from '../common/message-rows.js';
import { pageSize, trimPage } from '../common/paging.js';
import type { PostgresDatabase } from './database.js';
import { MSG, readMessage, readMessages } from './message-reader.js';
import { appendUserMessage, changeMessage } from './message-writes.js';

/** `MessageStore` on PostgreSQL. */
export class PostgresMessages implements MessageStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async appendMessage(input: AppendMessageInput): Promise<AppendResult> {
    return this.#db.write((c) => appendUserMessage(c, input), [input.room]);
  }

  async changeMessage(messageId: string, user: string, clientId: string, change: MessageChange, now: number): Promise<ChangeResult> {
    return this.#db.write((c) => changeMessage(c, messageId, user, clientId, change, now));
  }

  async clientOperation(user: string, clientId: string): Promise<ClientOperation | null> {
    const { rows } = await this.#db.reader().query<{ op: ClientOperation['op']; message_id: string }>(
      'SELECT op, message_id FROM client_ops WHERE user_id = $1 AND client_id = $2',
      [user, clientId],
    );
    return rows.length === 0 ? null : { op: rows[0].op, messageId: rows[0].message_id };
  }

  async getMessage(id: string): Promise<Message | null> {
    return readMessage(this.#db.reader(), id);
  }

  async history(room: string, before: number | null, limit: number): Promise<{ messages: Message[]; hasMore: boolean }> {
    const size = pageSize(limit);
    const { rows } = await this.#db.reader().query<MessageRow>(
      `SELECT ${MSG} FROM messages WHERE room_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
      [room, before ?? Number.MAX_SAFE_INTEGER, size + 1],
    );
    const hasMore = trimPage(rows, size);
    rows.reverse();
    return { messages: await readMessages(this.#db.reader(), rows), hasMore };
  }

  async thread(parentId: string, after: number, limit: number): Promise<{ replies: Message[]; hasMore: boolean }> {
    const size = pageSize(limit);
    const { rows } = await this.#db.reader().query<MessageRow>(
      `SELECT ${MSG} FROM messages WHERE parent_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [parentId, after, size + 1],
    );
    const hasMore = trimPage(rows, size);
    return { replies: await readMessages(this.#db.reader(), rows), hasMore };
  }

  async changesSince(room: string, sinceRev: number, limit: number): Promise<{ messages: Message[]; more: boolean }> {
    const size = pageSize(limit);
    const { rows } = await this.#db.reader().query<MessageRow>(
      `SELECT ${MSG} FROM messages WHERE room_id = $1 AND rev > $2 ORDER BY rev LIMIT $3`,
      [room, sinceRev, size + 1],
    );
    const more = trimPage(rows, size);
    return { messages: await readMessages(this.#db.reader(), rows), more };
  }

  async edits(messageId: string): Promise<MessageEdit[]> {
    const { rows } = await this.#db.reader().query<{ text: string; replaced_at: number }>(
      'SELECT text, replaced_at FROM message_edits WHERE message_id = $1 ORDER BY pk',
      [messageId],
    );
    return rows.map((row) => ({ text: row.text, replacedAt: row.replaced_at }));
  }
}
