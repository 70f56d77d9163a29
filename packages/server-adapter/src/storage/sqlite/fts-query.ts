/**
 * Full-text terms for SQLite's FTS5 index: the shared tokens
 * (`../search-terms.ts`), each prefixed with its room's key, as the indexed
 * document, and a MATCH expression per search that names only the user's
 * rooms. The index uses FTS5's `ascii` tokenizer, which keeps each of our
 * tokens whole (letters and digits; non-ASCII characters are token
 * characters to it), so what matches is decided by the shared tokens alone.
 */
import type Database from 'better-sqlite3';
import { queryWords, roomSearchKey, searchTokens } from '../shared/search-terms.js';

/** Name of the SQL function that turns a message into its indexed terms (used by triggers and indexing). */
export const SEARCH_TERMS_FUNCTION = 'parley_search_terms';

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
