/**
 * Turns what a user typed into a safe FTS5 query: every word becomes a quoted
 * phrase (so `AND`, `NEAR`, `*`, `:`, `(`, quotes… are plain text), words are
 * combined with AND, and the last word matches as a prefix so results appear
 * while the user is still typing.
 */

/** Words beyond this many are ignored; long queries only slow the index down. */
const MAX_TERMS = 16;

/** A word the tokenizer can index contains at least one letter or digit. */
const INDEXABLE = /[\p{L}\p{N}]/u;

/** Builds the MATCH expression for `text`, or null when it has no searchable word. */
export function toFtsQuery(text: string): string | null {
  const words = text
    .normalize('NFC')
    .split(/\s+/u)
    // A phrase without indexable characters is empty, and an empty phrase
    // makes the whole AND match nothing.
    .filter((word) => INDEXABLE.test(word))
    .slice(0, MAX_TERMS);
  if (words.length === 0) return null;
  const last = words.length - 1;
  return words.map((word, i) => `"${word.replaceAll('"', '""')}"${i === last ? '*' : ''}`).join(' ');
}
