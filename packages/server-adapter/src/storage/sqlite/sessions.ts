/** Session revocations on SQLite. */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type { SessionStore } from '../storage.js';
import type { SqliteDatabase } from './database.js';
import { preparedStatements } from './prepared.js';

const statements = preparedStatements(({ q, v }) => ({
  revokeSessions: q<[user: string, before: number], never>(
    `INSERT INTO session_revocations (user_id, revoked_before) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET revoked_before = max(revoked_before, excluded.revoked_before)`,
  ),
  sessionsRevokedBefore: v<[user: string], number>('SELECT revoked_before FROM session_revocations WHERE user_id = ?'),
}));

/** `SessionStore` on SQLite. */
export class SqliteSessions implements SessionStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async revokeSessions(user: string, before: number): Promise<void> {
    await this.#db.write((db) => statements(db).revokeSessions.run(user, before));
  }

  async sessionsRevokedBefore(user: string): Promise<number | null> {
    return statements(this.#db.connection()).sessionsRevokedBefore.get(user) ?? null;
  }
}
