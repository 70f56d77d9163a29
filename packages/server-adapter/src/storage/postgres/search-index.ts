/**
 * Full-text terms for PostgreSQL: the shared tokens (`../search-terms.ts`)
 * as a `tsvector` literal per message and a `tsquery` literal per search,
 * built here instead of by a text search configuration, so neither the
 * database's locale nor an extension changes what matches. Every lexeme
 * carries its room's key, so the GIN index holds each room's words apart.
 */
import { queryWords, roomSearchKey, searchTokens } from '../common/search-terms.js';

/** Highest position a tsvector stores; later words keep this position. */
const MAX_POSITION = 16_383;

/** A lexeme as tsvector/tsquery literal text. */
function quote(token: string): string {
  return `'${token.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** The `tsvector` literal of a message's text in `room` (cast with `::tsvector`); empty when it has no word. */
export function toSearchVector(room: string, text: string): string {
  const key = roomSearchKey(room);
  const positions = new Map<string, number[]>();
  searchTokens(text).forEach((token, i) => {
    const list = positions.get(token);
    const position = Math.min(i + 1, MAX_POSITION);
    if (!list) positions.set(token, [position]);
    else if (list.length < 256 && list[list.length - 1] !== position) list.push(position);
  });
  return [...positions].map(([token, list]) => `${quote(key + token)}:${list.join(',')}`).join(' ');
}

/**
 * The `tsquery` literal matching what a user typed in any of `rooms`, or
 * null when it has no searchable word (or there are no rooms).
 */
export function toSearchQuery(text: string, rooms: readonly string[]): string | null {
  const words = queryWords(text);
  if (words.length === 0 || rooms.length === 0) return null;
  const last = words.length - 1;
  const inRoom = (key: string): string =>
    words
      .map((tokens, i) => {
        const parts = tokens.map((token, j) => `${quote(key + token)}${i === last && j === tokens.length - 1 ? ':*' : ''}`);
        return parts.length === 1 ? parts[0] : `(${parts.join(' <-> ')})`;
      })
      .join(' & ');
  const keys = new Set(rooms.map(roomSearchKey));
  return [...keys].map((key) => `(${inRoom(key)})`).join(' | ');
}
