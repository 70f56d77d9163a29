/** Workspace documents on PostgreSQL: a snapshot row per room and a log of updates. */
import type { StoredWorkspace, WorkspaceStore } from '../storage.js';
import { assertCompactionPoint, foldWorkspace, toBuffer, type SnapshotRow, type UpdateRow } from '../common/workspaces.js';
import type { PostgresDatabase } from './database.js';
import { asNotFound } from './errors.js';

/** `WorkspaceStore` on PostgreSQL. */
export class PostgresWorkspaces implements WorkspaceStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async loadWorkspace(room: string): Promise<StoredWorkspace> {
    // One statement, one snapshot: a compaction committing meanwhile cannot hide updates.
    const { rows } = await this.#db.reader().query<{ kind: 'snapshot' | 'update'; id: number; data: Buffer }>(
      `WITH snap AS (SELECT data, through_id FROM workspace_snapshots WHERE room_id = $1)
       SELECT 'snapshot' AS kind, through_id AS id, data FROM snap
       UNION ALL
       SELECT * FROM (
         SELECT 'update' AS kind, u.id, u.data FROM workspace_updates u
         WHERE u.room_id = $1 AND u.id > COALESCE((SELECT through_id FROM snap), 0)
         ORDER BY u.id
       ) updates`,
      [room],
    );
    let snapshot: SnapshotRow | null = null;
    const updates: UpdateRow[] = [];
    for (const row of rows) {
      if (row.kind === 'snapshot') snapshot = { data: row.data, through_id: row.id };
      else updates.push(row);
    }
    return foldWorkspace(snapshot, updates);
  }

  async appendWorkspaceUpdate(room: string, update: Uint8Array, now: number): Promise<number> {
    // The room row lock orders appends of different nodes, so a room's ids commit in id order:
    // a reader that sees one update sees every earlier one, and compaction never drops an unread one.
    return this.#db.write(async (c) => {
      try {
        const { rows } = await c.query<{ id: number }>(
          'INSERT INTO workspace_updates (room_id, data, created_at) VALUES ($1, $2, $3) RETURNING id',
          [room, toBuffer(update), now],
        );
        return rows[0].id;
      } catch (error) {
        return asNotFound(error, `room ${room} not found`);
      }
    }, [room]);
  }

  async compactWorkspace(room: string, snapshot: Uint8Array, throughId: number, now: number): Promise<boolean> {
    assertCompactionPoint(throughId);
    return this.#db.write(async (c) => {
      let stored: number;
      try {
        // The WHERE turns a compaction older than the stored snapshot into a no-op.
        const result = await c.query(
          `INSERT INTO workspace_snapshots (room_id, data, through_id, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (room_id) DO UPDATE SET
             data = excluded.data, through_id = excluded.through_id, updated_at = excluded.updated_at
           WHERE workspace_snapshots.through_id <= excluded.through_id`,
          [room, toBuffer(snapshot), throughId, now],
        );
        stored = result.rowCount ?? 0;
      } catch (error) {
        return asNotFound(error, `room ${room} not found`);
      }
      if (stored === 0) return false;
      await c.query('DELETE FROM workspace_updates WHERE room_id = $1 AND id <= $2', [room, throughId]);
      return true;
    });
  }
}
