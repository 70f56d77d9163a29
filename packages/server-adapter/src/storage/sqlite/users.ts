/** Users on SQLite. */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type { UserInfo } from '@parley/sdk/protocol';
import type { UserStore } from '../storage.js';
import { usersInOrder } from '../shared/rows.js';
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
}
