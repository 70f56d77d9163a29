/**
 * Retention as both stores run it: which prefix of a room is beyond its
 * retention, and its purge in batches of bounded size, so a large purge never
 * holds the write lock for long.
 */
import type { RetentionResult } from '../storage.js';

/** What retention reads of a room. */
export interface RetentionRoomRow {
  id: string;
  last_seq: number;
  floor_seq: number;
  retention_max_age_ms: number | null;
  retention_max_messages: number | null;
}

/** The columns of {@link RetentionRoomRow} in `rooms`. */
export const RETENTION_ROOM_COLUMNS = 'id, last_seq, floor_seq, retention_max_age_ms, retention_max_messages';

/** The reads and writes retention needs from a store. */
export interface RetentionAccess {
  /** The first seq after `afterSeq` of a message created at or after `since`, or null when there is none. */
  firstSeqSince(room: string, afterSeq: number, since: number): number | null | Promise<number | null>;
  /** In one committed transaction: deletes the room's messages with `from < seq <= to` and raises its floor to `to`; returns the blob keys of their attachments. */
  purge(room: string, from: number, to: number): Promise<string[]>;
}

/** The seq up to which `room` is beyond its retention at `now` (its floor when nothing is). */
export async function retentionCutoff(room: RetentionRoomRow, now: number, access: RetentionAccess): Promise<number> {
  // Retention removes a prefix of the room: everything up to `cutoff`.
  let cutoff = room.floor_seq;
  if (room.retention_max_messages !== null) {
    cutoff = Math.max(cutoff, room.last_seq - room.retention_max_messages);
  }
  if (room.retention_max_age_ms !== null) {
    const firstKept = await access.firstSeqSince(room.id, cutoff, now - room.retention_max_age_ms);
    cutoff = firstKept === null ? room.last_seq : Math.max(cutoff, firstKept - 1);
  }
  return cutoff;
}

/** Purges every room of `rooms` beyond its retention, `batch` messages per transaction; returns the rooms changed. */
export async function applyRetentionTo(
  rooms: readonly RetentionRoomRow[],
  now: number,
  batch: number,
  access: RetentionAccess,
): Promise<RetentionResult[]> {
  const changed: RetentionResult[] = [];
  for (const room of rooms) {
    const cutoff = await retentionCutoff(room, now, access);
    if (cutoff <= room.floor_seq) continue;
    let floor = room.floor_seq;
    const blobKeys: string[] = [];
    while (floor < cutoff) {
      const to = Math.min(cutoff, floor + batch);
      blobKeys.push(...(await access.purge(room.id, floor, to)));
      floor = to;
    }
    changed.push({ room: room.id, floorSeq: floor, blobKeys });
  }
  return changed;
}
