/** Pages of rows: a usable LIMIT, and the look-ahead row that tells whether there is more. */

/** A usable LIMIT: whole, at least 0. */
export function pageSize(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/** Drops the look-ahead row of a `limit + 1` query; returns whether there was one. */
export function trimPage<T>(rows: T[], size: number): boolean {
  if (rows.length <= size) return false;
  rows.length = size;
  return true;
}
