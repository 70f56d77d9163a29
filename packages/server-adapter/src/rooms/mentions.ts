/** Finds `@userId` mentions in message text. */

const MENTION = /(?:^|[^\p{L}\p{N}_@])@([^\s@]+)/gu;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"»”’…]+$/u;
const MAX_MENTIONS = 50;

/** The distinct user ids written as `@id` in `text`, at most 50, in order of appearance. */
export function mentionCandidates(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    const id = match[1].replace(TRAILING_PUNCTUATION, '');
    if (id.length > 0 && id.length <= 128) found.add(id);
    if (found.size >= MAX_MENTIONS) break;
  }
  return [...found];
}
