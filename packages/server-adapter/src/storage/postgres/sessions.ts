/** Session revocations on PostgreSQL. */
import type { SessionStore } from '../storage.js';
import type { PostgresDatabase } from './database.js';

/** `SessionStore` on PostgreSQL. */
export class PostgresSessions implements SessionStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async revokeSessions(user: string, before: number): Promise<void> {
    await this.#db.write((c) =>
      c.query(
        `INSERT INTO session_revocations (user_id, revoked_before) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET revoked_before = GREATEST(session_revocations.revoked_before, EXCLUDED.revoked_before)`,
        [user, before],
      ),
    );
  }

  async sessionsRevokedBefore(user: string): Promise<number | null> {
    const { rows } = await this.#db.reader().query<{ revoked_before: string }>(
      'SELECT revoked_before FROM session_revocations WHERE user_id = $1',
      [user],
    );
    return rows.length === 0 ? null : Number(rows[0].revoked_before);
  }
}
