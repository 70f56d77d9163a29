/**
 * Deterministic chat-like text: pseudo-words with a Zipf-like frequency (a
 * few very common, a long tail of rare ones), so full-text search sees a
 * realistic spread of posting-list sizes.
 */

/** A small seeded PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'do', 'fi', 'gu', 'he', 'jo', 'ba'];

/** The vocabulary: word `rank` is the rank-th most frequent. */
export const VOCABULARY: readonly string[] = Array.from({ length: 5000 }, (_, rank) => {
  let word = '';
  let n = rank + SYLLABLES.length;
  while (n > 0) {
    word += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  }
  return word;
});

/** A message of 4–19 words drawn with a Zipf-like skew. */
export function sentence(next: () => number): string {
  const length = 4 + Math.floor(next() * 16);
  const words: string[] = [];
  for (let i = 0; i < length; i++) words.push(VOCABULARY[Math.floor(VOCABULARY.length * next() ** 3)]);
  return words.join(' ');
}
