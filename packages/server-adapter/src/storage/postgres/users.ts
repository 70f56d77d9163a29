/** Users on PostgreSQL. */
import type { UserInfo } from '@parley/sdk/protocol';
import type { UserProfile, UserStore } from '../storage.js';
import { profileOf, usersInOrder } from '../common/rows.js';
import type { PostgresDatabase } from './database.js';

/** `UserStore` on PostgreSQL. */
export class PostgresUsers implements UserStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async upsertUser(user: UserInfo): Promise<void> {
    // Called on every connection: skip the write when nothing changed.
    const { rows } = await this.#db.reader().query<{ name: string }>('SELECT name FROM users WHERE id = $1', [user.id]);
    if (rows[0]?.name === user.name) return;
    await this.#db.write((c) =>
      c.query(
        `INSERT INTO users (id, name) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE users.name <> excluded.name`,
        [user.id, user.name],
      ),
    );
  }

  async getUsers(ids: string[]): Promise<UserInfo[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.#db.reader().query<{ id: string; name: string }>(
      'SELECT id, name FROM users WHERE id = ANY($1::text[])',
      [ids],
    );
    return usersInOrder(ids, rows);
  }

  async saveUserProfile(profile: UserProfile): Promise<void> {
    const data = profile.data === null || profile.data === undefined ? null : JSON.stringify(profile.data);
    await this.#db.write((c) =>
      c.query(
        `INSERT INTO users (id, name, avatar_url, data) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, avatar_url = excluded.avatar_url, data = excluded.data`,
        [profile.id, profile.name, profile.avatarUrl, data],
      ),
    );
  }

  async getUserProfile(id: string): Promise<UserProfile | null> {
    const { rows } = await this.#db
      .reader()
      .query<{ id: string; name: string; avatar_url: string | null; data: string | null }>('SELECT id, name, avatar_url, data FROM users WHERE id = $1', [id]);
    return rows[0] ? profileOf(rows[0]) : null;
  }
}
