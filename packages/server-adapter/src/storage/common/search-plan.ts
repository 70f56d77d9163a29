/**
 * How both stores run a search: over the user's rooms, a group of rooms per
 * query, newest first, merged, within a time bound. The cost of a search so
 * grows with what the user may read (their rooms and the matches in them),
 * and never past the bound.
 */
import { StorageError } from '../errors.js';

/** Time bound of one search when the caller gives none (ms; `SearchOptions.timeoutMs`). */
export const DEFAULT_SEARCH_TIMEOUT_MS = 2_000;

/** A found row and its position in storage order (newest has the highest). */
export interface SearchHit {
  pk: number;
}

/** The error of a search past its time bound. */
export function searchTimeout(timeoutMs: number, cause?: unknown): StorageError {
  return new StorageError('timeout', `the search took longer than ${timeoutMs} ms; try fewer or longer words, or one room`, { cause });
}

/**
 * Runs `query` for `rooms`, `perQuery` rooms at a time, each answering its
 * newest `limit` hits, and returns the newest `limit` of all. `query` gets the
 * milliseconds left; between queries the deadline is checked.
 */
export async function searchRooms<T extends SearchHit>(
  rooms: readonly string[],
  perQuery: number,
  limit: number,
  timeoutMs: number,
  query: (rooms: readonly string[], remainingMs: number) => Promise<T[]> | T[],
): Promise<T[]> {
  if (limit <= 0 || rooms.length === 0) return [];
  const deadline = Date.now() + timeoutMs;
  let hits: T[] = [];
  for (let i = 0; i < rooms.length; i += perQuery) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw searchTimeout(timeoutMs);
    const found = await query(rooms.slice(i, i + perQuery), remaining);
    if (found.length === 0) continue;
    hits = i === 0 ? found : [...hits, ...found].sort((a, b) => b.pk - a.pk).slice(0, limit);
  }
  return hits;
}
