/**
 * Search on PostgreSQL: the GIN index of each message's `search` tsvector
 * (`search-index.ts`), queried a group of the user's rooms at a time inside
 * one read-only transaction whose statement timeout shrinks to the time left.
 */
import type { Message } from '@parley/sdk/protocol';
import type { SearchOptions, SearchStore } from '../storage.js';
import type { MessageRow } from '../common/message-rows.js';
import { pageSize } from '../common/paging.js';
import { DEFAULT_SEARCH_TIMEOUT_MS, searchRooms, searchTimeout } from '../common/search-plan.js';
import type { PostgresDatabase } from './database.js';
import { isQueryCanceled, rethrowUnavailable } from './errors.js';
import { MSG_M, readMessages } from './message-reader.js';
import { toSearchQuery } from './search-index.js';

/** Rooms named in one search query (each adds a term look-up per word to the GIN scan). */
const ROOMS_PER_SEARCH_QUERY = 500;

/**
 * A search among some of the user's rooms. The tsquery holds only those
 * rooms' terms, so the GIN index yields only their messages; the membership
 * test drops rows of a room whose key collides with one of theirs. `pk + 0`
 * keeps the planner from walking the primary key backwards through every
 * room's messages to fill the LIMIT: the matches are few, sort them.
 */
const SEARCH = `SELECT ${MSG_M}, m.pk FROM messages m
  WHERE m.search @@ $1::tsquery AND m.deleted_at IS NULL
    AND m.room_id = ANY($2::text[])
    AND m.room_id IN (SELECT room_id FROM members WHERE user_id = $3)
  ORDER BY m.pk + 0 DESC LIMIT $4`;

/** `SearchStore` on PostgreSQL. */
export class PostgresSearch implements SearchStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async search(user: string, query: string, room: string | null, limit: number, options: SearchOptions = {}): Promise<Message[]> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS;
    const client = await this.#db.connect();
    let rows: Array<MessageRow & { pk: number }>;
    try {
      // One transaction, so each query's statement_timeout is local to it.
      await client.query('BEGIN READ ONLY');
      const rooms =
        room === null
          ? (await client.query<{ room_id: string }>('SELECT room_id FROM members WHERE user_id = $1', [user])).rows.map((r) => r.room_id)
          : [room];
      rows = await searchRooms(rooms, ROOMS_PER_SEARCH_QUERY, pageSize(limit), timeoutMs, async (some, remainingMs) => {
        const match = toSearchQuery(query, some);
        if (match === null) return [];
        await client.query("SELECT set_config('statement_timeout', $1, true)", [String(Math.max(1, Math.ceil(remainingMs)))]);
        const found = await client.query<MessageRow & { pk: number }>(SEARCH, [match, some, user, pageSize(limit)]);
        return found.rows;
      });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isQueryCanceled(error)) throw searchTimeout(timeoutMs, error);
      rethrowUnavailable(error);
    } finally {
      client.release();
    }
    return readMessages(this.#db.reader(), rows);
  }
}
