/**
 * Seeded randomness for the checker (lib0's xoroshiro128+): every client and
 * the fault schedule draw from their own generator derived from the run's
 * seed, so one client's extra draws never shift another's choices.
 */
import * as prng from 'lib0/prng';

/** A seeded generator with the few draws the checker needs. */
export class Rng {
  readonly #gen: prng.PRNG;

  constructor(seed: number) {
    this.#gen = prng.create(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.#gen.next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return prng.int32(this.#gen, min, max);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.#gen.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#gen.next() * items.length)];
  }

  /** A generator of its own, seeded from this one's stream. */
  fork(): Rng {
    return new Rng(prng.uint32(this.#gen, 1, 0x7fffffff));
  }
}

/** The run's seed: `PARLEY_CHECKER_SEED` when set (to replay a failure), else a fresh one. */
export function runSeed(): number {
  const fromEnv = process.env.PARLEY_CHECKER_SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv);
    if (!Number.isSafeInteger(seed) || seed <= 0) throw new Error(`PARLEY_CHECKER_SEED must be a positive integer, got ${fromEnv}`);
    return seed;
  }
  return 1 + Math.floor(Math.random() * 0x7ffffffe);
}

/** A non-negative integer from the environment variable `name`, or `fallback`. */
export function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}
