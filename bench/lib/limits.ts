/** The open-file limit, which caps how many sockets one process can hold. */
import { readFileSync } from 'node:fs';

/** Soft and hard `RLIMIT_NOFILE` of this process; null where /proc is not available. */
export function openFileLimit(): { soft: number; hard: number } | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3);
    const parse = (value: string | undefined): number => (value === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(value));
    const limits = { soft: parse(soft), hard: parse(hard) };
    return Number.isFinite(limits.soft) && Number.isFinite(limits.hard) ? limits : null;
  } catch {
    return null;
  }
}

/** Descriptors a process needs beyond its sockets (files, pipes, the SQLite WAL…). */
const SPARE = 256;

/**
 * How to give a child room for `sockets` sockets: `raise` is the limit to set
 * (undefined when the current one suffices), `fits` how many sockets it can
 * really hold when even the hard limit is too low.
 */
export function planSockets(sockets: number): { raise: number | undefined; fits: number } {
  const limits = openFileLimit();
  if (!limits) return { raise: undefined, fits: sockets };
  const needed = sockets + SPARE;
  if (limits.soft >= needed) return { raise: undefined, fits: sockets };
  if (limits.hard >= needed) return { raise: needed, fits: sockets };
  return { raise: limits.hard, fits: Math.max(0, limits.hard - SPARE) };
}
