/**
 * Full-text terms for PostgreSQL. Words are cut and folded here, in one place,
 * for both the stored `tsvector` and the `tsquery`, instead of by a text
 * search configuration: the result then does not depend on the database's
 * locale or on the `unaccent` extension being installed, and user text is
 * never parsed as query syntax (every operator is built here).
 *
 * A token is a run of letters and digits, lower-cased with accents removed;
 * "Rendez-vous" holds the tokens `rendez` and `vous` at adjacent positions.
 * Like the SQLite store: every word of a query must match, a word made of
 * several tokens matches them as a phrase, and the last word matches as a prefix.
 */

/** Words beyond this many are ignored; long queries only slow the index down. */
const MAX_TERMS = 16;

/** Longer tokens are cut (a tsvector lexeme must stay under 2 KB). */
const MAX_TOKEN_CHARS = 200;

/** Highest position a tsvector stores; later words keep this position. */
const MAX_POSITION = 16_383;

const TOKEN = /[\p{L}\p{N}]+/gu;

/** The folded tokens of `text`, in order. */
function tokens(text: string): string[] {
  const folded = text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().normalize('NFC');
  return (folded.match(TOKEN) ?? []).map((token) => [...token].slice(0, MAX_TOKEN_CHARS).join(''));
}

/** A lexeme as tsvector/tsquery literal text. */
function quote(token: string): string {
  return `'${token.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** The `tsvector` literal of a message's text (cast with `::tsvector`); empty when it has no word. */
export function toSearchVector(text: string): string {
  const positions = new Map<string, number[]>();
  tokens(text).forEach((token, i) => {
    const list = positions.get(token);
    const position = Math.min(i + 1, MAX_POSITION);
    if (!list) positions.set(token, [position]);
    else if (list.length < 256 && list[list.length - 1] !== position) list.push(position);
  });
  return [...positions].map(([token, list]) => `${quote(token)}:${list.join(',')}`).join(' ');
}

/** The `tsquery` literal for what a user typed, or null when it has no searchable word. */
export function toSearchQuery(text: string): string | null {
  const words = text
    .split(/\s+/u)
    .map(tokens)
    .filter((list) => list.length > 0)
    .slice(0, MAX_TERMS);
  if (words.length === 0) return null;
  const last = words.length - 1;
  return words
    .map((list, i) => {
      const parts = list.map((token, j) => `${quote(token)}${i === last && j === list.length - 1 ? ':*' : ''}`);
      return parts.length === 1 ? parts[0] : `(${parts.join(' <-> ')})`;
    })
    .join(' & ');
}
