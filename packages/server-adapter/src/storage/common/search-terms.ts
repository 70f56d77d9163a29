/**
 * Full-text terms shared by both stores. Words are cut and folded here, in
 * one place, for what is indexed and for what is searched: results do not
 * depend on a database's locale, tokenizer or extensions, and user text is
 * never parsed as query syntax (every operator is built by the stores).
 *
 * A token is a run of letters and digits, lower-cased with accents removed;
 * "Rendez-vous" holds the tokens `rendez` and `vous` at adjacent positions.
 * Every word of a query must match, a word made of several tokens matches
 * them as a phrase, and the last word matches as a prefix.
 *
 * Every indexed term starts with its room's key, so each room has its own
 * terms in the one index: a search looks up terms only in the rooms the user
 * may read, and costs in proportion to those, never to the rest of the
 * server. Two rooms whose keys collide merely share terms (the stores still
 * filter by membership); 32 bits make that rare.
 */
import { createHash } from 'node:crypto';

/** Words of a query beyond this many are ignored. */
export const MAX_SEARCH_WORDS = 16;

/** Longer tokens are cut (a PostgreSQL lexeme must stay under 2 KB). */
const MAX_TOKEN_CHARS = 200;

const TOKEN = /[\p{L}\p{N}]+/gu;
/** ASCII text needs no Unicode folding: its letters and digits are [a-z0-9] once lower-cased. */
const NON_ASCII = /[^\p{ASCII}]/u;
const ASCII_TOKEN = /[a-z0-9]+/g;

/** Length of a room key: hex digits of the room id's MD5 (PostgreSQL computes the same in SQL). */
export const ROOM_KEY_LENGTH = 8;

/** The folded tokens of `text`, in order. */
export function searchTokens(text: string): string[] {
  const tokens = NON_ASCII.test(text)
    ? text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().normalize('NFC').match(TOKEN)
    : text.toLowerCase().match(ASCII_TOKEN);
  return (tokens ?? []).map((token) => (token.length > MAX_TOKEN_CHARS ? [...token].slice(0, MAX_TOKEN_CHARS).join('') : token));
}

/** Room keys of recently used rooms; keys are pure, so a bounded cache is enough. */
const KEY_CACHE = new Map<string, string>();
const KEY_CACHE_MAX = 10_000;

/** The prefix of every term of `room`: the first {@link ROOM_KEY_LENGTH} hex digits of MD5(room id). */
export function roomSearchKey(room: string): string {
  let key = KEY_CACHE.get(room);
  if (key === undefined) {
    key = createHash('md5').update(room, 'utf8').digest('hex').slice(0, ROOM_KEY_LENGTH);
    if (KEY_CACHE.size >= KEY_CACHE_MAX) KEY_CACHE.clear();
    KEY_CACHE.set(room, key);
  }
  return key;
}

/** A query as words, each a list of tokens (a phrase); empty when nothing is searchable. */
export function queryWords(text: string): string[][] {
  return text
    .split(/\s+/u)
    .map(searchTokens)
    .filter((tokens) => tokens.length > 0)
    .slice(0, MAX_SEARCH_WORDS);
}
