/** Retention on PostgreSQL: each batch of a room's purge is one write that holds the room's lock. */
import type { RetentionResult, RetentionStore } from '../storage.js';
import { RETENTION_ROOM_COLUMNS, applyRetentionTo, type RetentionRoomRow } from '../common/retention.js';
import type { PostgresDatabase } from './database.js';

/** Messages deleted per retention transaction, so a large purge never holds the room lock for long. */
const PURGE_BATCH = 1_000;

/** `RetentionStore` on PostgreSQL. */
export class PostgresRetention implements RetentionStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async applyRetention(now: number): Promise<RetentionResult[]> {
    const { rows: rooms } = await this.#db.reader().query<RetentionRoomRow>(
      `SELECT ${RETENTION_ROOM_COLUMNS} FROM rooms
       WHERE retention_max_age_ms IS NOT NULL OR retention_max_messages IS NOT NULL`,
    );
    return applyRetentionTo(rooms, now, PURGE_BATCH, {
      firstSeqSince: async (room, afterSeq, since) => {
        const { rows } = await this.#db.reader().query<{ seq: number }>(
          'SELECT seq FROM messages WHERE room_id = $1 AND seq > $2 AND created_at >= $3 ORDER BY seq LIMIT 1',
          [room, afterSeq, since],
        );
        return rows[0]?.seq ?? null;
      },
      purge: (room, from, to) =>
        this.#db.write(async (c) => {
          const purged = await c.query<{ blob_key: string }>(
            `SELECT a.blob_key FROM messages m JOIN attachments a ON a.message_id = m.id
             WHERE m.room_id = $1 AND m.seq > $2 AND m.seq <= $3`,
            [room, from, to],
          );
          await c.query('DELETE FROM messages WHERE room_id = $1 AND seq > $2 AND seq <= $3', [room, from, to]);
          await c.query('UPDATE rooms SET floor_seq = $1 WHERE id = $2 AND floor_seq < $1', [to, room]);
          return purged.rows.map((row) => row.blob_key);
        }, [room]),
    });
  }
}
