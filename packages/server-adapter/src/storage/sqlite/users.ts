/** Users on SQLite. */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type { UserInfo } from '@parley/sdk/protocol';
import type { UserProfile, UserStore } from '../storage.js';
import { profileOf, usersInOrder } from '../common/rows.js';
import type { SqliteDatabase } from './database.js';
import { preparedStatements } from './prepared.js';

const statements = preparedStatements(({ q, v }) => ({
  getUserName: v<[id: string], string>('SELECT name FROM users WHERE id = ?'),
  upsertUser: q<[id: string, name: string], never>(
    `INSERT INTO users (id, name) VALUES (?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE name != excluded.name`,
  ),
  getUsers: q<[idsJson: string], { id: string; name: string }>(
    'SELECT id, name FROM users WHERE id IN (SELECT value FROM json_each(?))',
  ),
  saveProfile: q<[id: string, name: string, avatarUrl: string | null, data: string | null], never>(
    `INSERT INTO users (id, name, avatar_url, data) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, avatar_url = excluded.avatar_url, data = excluded.data`,
  ),
  getProfile: q<[id: string], { id: string; name: string; avatar_url: string | null; data: string | null }>(
    'SELECT id, name, avatar_url, data FROM users WHERE id = ?',
  ),
}));

/** `UserStore` on SQLite. */
export class SqliteUsers implements UserStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async upsertUser(user: UserInfo): Promise<void> {
    // Called on every connection: skip the write (and its fsync) when nothing changed.
    if (statements(this.#db.connection()).getUserName.get(user.id) === user.name) return;
    await this.#db.write((db) => statements(db).upsertUser.run(user.id, user.name));
  }

  async getUsers(ids: string[]): Promise<UserInfo[]> {
    const db = this.#db.connection();
    if (ids.length === 0) return [];
    return usersInOrder(ids, statements(db).getUsers.all(JSON.stringify(ids)));
  }

  async saveUserProfile(profile: UserProfile): Promise<void> {
    const data = profile.data === null || profile.data === undefined ? null : JSON.stringify(profile.data);
    await this.#db.write((db) => statements(db).saveProfile.run(profile.id, profile.name, profile.avatarUrl, data));
  }

  async getUserProfile(id: string): Promise<UserProfile | null> {
    const row = statements(this.#db.connection()).getProfile.get(id);
    return row ? profileOf(row) : null;
  }
}
