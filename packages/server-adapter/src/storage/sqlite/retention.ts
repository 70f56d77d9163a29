/**
 * Retention on SQLite: each batch of a room's purge is one write; the
 * checkpoint after it takes the purged pages out of the WAL.
 */
import type { RetentionResult, RetentionStore } from '../storage.js';
import { RETENTION_ROOM_COLUMNS, applyRetentionTo, type RetentionRoomRow } from '../common/retention.js';
import type { SqliteDatabase } from './database.js';
import { preparedStatements } from './prepared.js';

/**
 * Messages deleted per retention transaction, so a large purge never holds
 * the write lock (and the event loop) for long: erasing a message's words
 * from the search index makes each about 0.3 ms.
 */
const PURGE_BATCH = 250;

const statements = preparedStatements(({ q, v }) => ({
  roomsWithRetention: q<[], RetentionRoomRow>(
    `SELECT ${RETENTION_ROOM_COLUMNS} FROM rooms
     WHERE retention_max_age_ms IS NOT NULL OR retention_max_messages IS NOT NULL`,
  ),
  firstSeqNotOlderThan: v<[room: string, afterSeq: number, cutoff: number], number>(
    `SELECT seq FROM messages WHERE room_id = ? AND seq > ? AND created_at >= ? ORDER BY seq LIMIT 1`,
  ),
  blobKeysInRange: v<[room: string, fromSeq: number, toSeq: number], string>(
    `SELECT a.blob_key FROM messages m JOIN attachments a ON a.message_id = m.id
     WHERE m.room_id = ? AND m.seq > ? AND m.seq <= ?`,
  ),
  purgeRange: q<[room: string, fromSeq: number, toSeq: number], never>(
    'DELETE FROM messages WHERE room_id = ? AND seq > ? AND seq <= ?',
  ),
  raiseFloor: q<[floor: number, id: string, floorAgain: number], never>(
    'UPDATE rooms SET floor_seq = ? WHERE id = ? AND floor_seq < ?',
  ),
}));

/** `RetentionStore` on SQLite. */
export class SqliteRetention implements RetentionStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async applyRetention(now: number): Promise<RetentionResult[]> {
    const s = statements(this.#db.connection());
    const changed = await applyRetentionTo(s.roomsWithRetention.all(), now, PURGE_BATCH, {
      firstSeqSince: (room, afterSeq, since) => s.firstSeqNotOlderThan.get(room, afterSeq, since) ?? null,
      purge: (room, from, to) =>
        this.#db.write((db) => {
          const st = statements(db);
          const purged = st.blobKeysInRange.all(room, from, to);
          st.purgeRange.run(room, from, to);
          st.raiseFloor.run(to, room, to);
          return purged;
        }),
    });
    if (changed.length > 0) this.#db.scheduleCheckpoint();
    return changed;
  }
}
