/**
 * Search on SQLite: the FTS5 index of room-keyed terms (`search-index.ts`),
 * queried a group of the user's rooms at a time, with the time bound checked
 * between queries (a synchronous query cannot be interrupted).
 */
import type { Message } from '@parley/sdk/protocol';
import type { SearchOptions, SearchStore } from '../storage.js';
import type { MessageRow } from '../common/message-rows.js';
import { pageSize } from '../common/paging.js';
import { DEFAULT_SEARCH_TIMEOUT_MS, searchRooms } from '../common/search-plan.js';
import type { SqliteDatabase } from './database.js';
import { isFtsError } from './errors.js';
import { MSG_M, readMessages } from './message-reader.js';
import { preparedStatements } from './prepared.js';
import { toFtsQuery } from './search-index.js';

/**
 * Rooms named in one full-text query. Each costs a term look-up per word, so
 * a user in thousands of rooms runs several queries, with the time bound
 * checked between them.
 */
const ROOMS_PER_SEARCH_QUERY = 100;

const statements = preparedStatements(({ q, v }) => ({
  // The MATCH names the user's rooms (their terms only); the membership
  // test drops rows of a room whose key collides with one of theirs.
  search: q<[{ match: string; user: string; limit: number }], MessageRow & { pk: number }>(
    `SELECT ${MSG_M}, m.pk AS pk FROM messages_fts f JOIN messages m ON m.pk = f.rowid
     WHERE messages_fts MATCH @match AND m.deleted_at IS NULL
       AND m.room_id IN (SELECT room_id FROM members WHERE user_id = @user)
     ORDER BY f.rowid DESC LIMIT @limit`,
  ),
  userRoomIds: v<[user: string], string>('SELECT room_id FROM members WHERE user_id = ?'),
}));

/** `SearchStore` on SQLite. */
export class SqliteSearch implements SearchStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async search(user: string, query: string, room: string | null, limit: number, options: SearchOptions = {}): Promise<Message[]> {
    const db = this.#db.connection();
    const s = statements(db);
    const rooms = room === null ? s.userRoomIds.all(user) : [room];
    const rows = await searchRooms(rooms, ROOMS_PER_SEARCH_QUERY, pageSize(limit), options.timeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS, (some) => {
      const match = toFtsQuery(query, some);
      if (match === null) return [];
      try {
        return s.search.all({ match, user, limit: pageSize(limit) });
      } catch (error) {
        // The query builder quotes every token, so this is a safety net: user
        // text must never turn into a server error.
        if (isFtsError(error)) return [];
        throw error;
      }
    });
    return readMessages(db, rows);
  }
}
