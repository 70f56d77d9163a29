/**
 * Full-text terms for SQLite's FTS5 index: the shared tokens
 * (`../common/search-terms.ts`), each prefixed with its room's key, as the
 * indexed document, and a MATCH expression per search that names only the
 * user's rooms. The index uses FTS5's `ascii` tokenizer, which keeps each of
 * our tokens whole (letters and digits; non-ASCII characters are token
 * characters to it), so what matches is decided by the shared tokens alone.
 *
 * New messages are indexed once per write batch, just before it commits
 * ({@link indexNewMessages}); edits, deletes and purges of indexed messages
 * keep the index in step through the schema's triggers (see `migrations.ts`).
 */
import type Database from 'better-sqlite3';
import { queryWords, roomSearchKey, searchTokens } from '../common/search-terms.js';
import { preparedStatements } from './prepared.js';

/** Name of the SQL function that turns a message into its indexed terms (used by triggers and indexing). */
export const SEARCH_TERMS_FUNCTION = 'parley_search_terms';

/** Messages indexed per statement when the full-text index catches up. */
const INDEX_CHUNK = 5_000;

const statements = preparedStatements(({ q, v }) => ({
  ftsIndexedPk: v<[], number>('SELECT indexed_pk FROM fts_state WHERE id = 1'),
  maxMessagePk: v<[], number | null>('SELECT max(pk) FROM messages'),
  ftsIndexRange: q<[fromPk: number, toPk: number]>(
    `INSERT INTO messages_fts (rowid, terms)
     SELECT pk, parley_search_terms(room_id, text) FROM messages
     WHERE pk > ? AND pk <= ? AND kind = 'user' AND deleted_at IS NULL AND text != ''`,
  ),
  ftsSetIndexedPk: q<[pk: number]>('UPDATE fts_state SET indexed_pk = ? WHERE id = 1'),
}));

/** The indexed document of a message of `room`: its tokens, each prefixed with the room's key. */
export function ftsDocument(room: string, text: string): string {
  const key = roomSearchKey(room);
  return searchTokens(text)
    .map((token) => key + token)
    .join(' ');
}

/** Registers {@link SEARCH_TERMS_FUNCTION} on a connection; the schema's triggers call it. */
export function registerSearchTerms(db: Database.Database): void {
  db.function(SEARCH_TERMS_FUNCTION, { deterministic: true }, (room: unknown, text: unknown) =>
    typeof room === 'string' && typeof text === 'string' ? ftsDocument(room, text) : '',
  );
}

/**
 * The MATCH expression for what a user typed, in any of `rooms`, or null when
 * it has no searchable word. Every token is a quoted phrase (our tokens hold
 * no quotes or operators), words are combined with AND, and the last word
 * matches as a prefix so results appear while the user is still typing.
 */
export function toFtsQuery(text: string, rooms: readonly string[]): string | null {
  const words = queryWords(text);
  if (words.length === 0 || rooms.length === 0) return null;
  const last = words.length - 1;
  const keys = new Set(rooms.map(roomSearchKey));
  return [...keys]
    .map((key) => `(${words.map((tokens, i) => `"${tokens.map((token) => key + token).join(' ')}"${i === last ? '*' : ''}`).join(' AND ')})`)
    .join(' OR ');
}

/** Adds the messages stored since the last call to the full-text index (inside a write transaction). */
export function indexNewMessages(db: Database.Database): void {
  const s = statements(db);
  const last = s.maxMessagePk.get() ?? 0;
  let from = s.ftsIndexedPk.get() ?? 0;
  if (last <= from) return;
  while (from < last) {
    const to = Math.min(last, from + INDEX_CHUNK);
    s.ftsIndexRange.run(from, to);
    from = to;
  }
  s.ftsSetIndexedPk.run(last);
}
