/** Bans and blocks on PostgreSQL. */
import type { ModerationStore } from '../storage.js';
import type { PostgresDatabase } from './database.js';
import { asNotFound } from './errors.js';

/** `ModerationStore` on PostgreSQL. */
export class PostgresModeration implements ModerationStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async setBan(room: string, user: string, banned: boolean, by: string, now: number): Promise<void> {
    await this.#db.write(async (c) => {
      if (!banned) return c.query('DELETE FROM bans WHERE room_id = $1 AND user_id = $2', [room, user]);
      try {
        return await c.query(
          'INSERT INTO bans (room_id, user_id, banned_by, banned_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
          [room, user, by, now],
        );
      } catch (error) {
        return asNotFound(error, `room ${room} not found`);
      }
    });
  }

  async isBanned(room: string, user: string): Promise<boolean> {
    const { rowCount } = await this.#db.reader().query('SELECT 1 FROM bans WHERE room_id = $1 AND user_id = $2', [room, user]);
    return rowCount === 1;
  }

  async setBlock(user: string, target: string, blocked: boolean, now: number): Promise<void> {
    await this.#db.write((c) =>
      blocked
        ? c.query('INSERT INTO blocks (user_id, target_id, blocked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
            user,
            target,
            now,
          ])
        : c.query('DELETE FROM blocks WHERE user_id = $1 AND target_id = $2', [user, target]),
    );
  }

  async isBlockedEither(a: string, b: string): Promise<boolean> {
    const { rowCount } = await this.#db.reader().query(
      'SELECT 1 FROM blocks WHERE (user_id = $1 AND target_id = $2) OR (user_id = $2 AND target_id = $1) LIMIT 1',
      [a, b],
    );
    return rowCount === 1;
  }
}
