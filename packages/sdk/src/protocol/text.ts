/**
 * Text hygiene shared by the SDK and the server. Message text is kept as the
 * user wrote it, only made well-formed (a lone UTF-16 surrogate cannot be
 * stored as UTF-8, so it becomes U+FFFD before the server acknowledges
 * anything, and what is acknowledged is what is stored). Names — of users,
 * rooms and files — are also cleaned of characters that only serve to
 * deceive: direction overrides that reverse what follows (`gnp.exe` shown
 * as `exe.png`), invisible characters that make two names look alike, and
 * control characters.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/**
 * Bidi embeddings, overrides and isolates; zero-width space, word joiner,
 * invisible operators and the byte-order mark; C0 and C1 controls; soft hyphen.
 */
const DECEPTIVE = /[\u202A-\u202E\u2066-\u2069\u200B\u2060-\u2064\uFEFF\u00AD\p{Cc}]/gu;
/** Zero-width (non-)joiners are needed inside words and emoji sequences, never at the edges or next to spaces. */
const LOOSE_JOINER = /^[\u200C\u200D]+|[\u200C\u200D]+$|(?<=\s)[\u200C\u200D]+|[\u200C\u200D]+(?=\s)/gu;

/** `text` with every lone surrogate replaced by U+FFFD (as `String.prototype.toWellFormed` does). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * A display name (user, room, file) fit to show: well-formed, NFC, without
 * deceptive or control characters, joiners only inside words, runs of
 * whitespace collapsed, trimmed. May return an empty string.
 */
export function cleanName(name: string): string {
  return wellFormed(name)
    .normalize('NFC')
    .replace(DECEPTIVE, '')
    .replace(/\s+/gu, ' ')
    .replace(LOOSE_JOINER, '')
    .trim();
}
