/** Bans and blocks on SQLite. */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type { ModerationStore } from '../storage.js';
import type { SqliteDatabase } from './database.js';
import { asNotFound } from './errors.js';
import { preparedStatements } from './prepared.js';

const statements = preparedStatements(({ q, v }) => ({
  insertBan: q<[room: string, user: string, by: string, at: number], never>(
    'INSERT OR IGNORE INTO bans (room_id, user_id, banned_by, banned_at) VALUES (?, ?, ?, ?)',
  ),
  deleteBan: q<[room: string, user: string], never>('DELETE FROM bans WHERE room_id = ? AND user_id = ?'),
  isBanned: v<[room: string, user: string], number>('SELECT EXISTS (SELECT 1 FROM bans WHERE room_id = ? AND user_id = ?)'),
  insertBlock: q<[user: string, target: string, at: number], never>(
    'INSERT OR IGNORE INTO blocks (user_id, target_id, blocked_at) VALUES (?, ?, ?)',
  ),
  deleteBlock: q<[user: string, target: string], never>('DELETE FROM blocks WHERE user_id = ? AND target_id = ?'),
  isBlockedEither: v<[{ a: string; b: string }], number>(
    `SELECT EXISTS (SELECT 1 FROM blocks WHERE user_id = @a AND target_id = @b)
         OR EXISTS (SELECT 1 FROM blocks WHERE user_id = @b AND target_id = @a)`,
  ),
}));

/** `ModerationStore` on SQLite. */
export class SqliteModeration implements ModerationStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async setBan(room: string, user: string, banned: boolean, by: string, now: number): Promise<void> {
    await this.#db.write((db) => {
      const s = statements(db);
      if (!banned) return s.deleteBan.run(room, user);
      try {
        return s.insertBan.run(room, user, by, now);
      } catch (error) {
        throw asNotFound(error, `room ${room} not found`);
      }
    });
  }

  async isBanned(room: string, user: string): Promise<boolean> {
    return statements(this.#db.connection()).isBanned.get(room, user) === 1;
  }

  async setBlock(user: string, target: string, blocked: boolean, now: number): Promise<void> {
    await this.#db.write((db) => {
      const s = statements(db);
      return blocked ? s.insertBlock.run(user, target, now) : s.deleteBlock.run(user, target);
    });
  }

  async isBlockedEither(a: string, b: string): Promise<boolean> {
    return statements(this.#db.connection()).isBlockedEither.get({ a, b }) === 1;
  }
}
