/**
 * Workspace documents on SQLite: a snapshot row per room plus an update log.
 * Reads run directly; writes go through the group-commit queue, so an update
 * is acknowledged only once its batch committed.
 */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type { StoredWorkspace, WorkspaceStore } from '../storage.js';
import { assertCompactionPoint, foldWorkspace, toBuffer, type SnapshotRow, type UpdateRow } from '../common/workspaces.js';
import type { SqliteDatabase } from './database.js';
import { asNotFound } from './errors.js';
import { preparedStatements } from './prepared.js';

const statements = preparedStatements(({ q }) => ({
  snapshot: q<[room: string], SnapshotRow>('SELECT data, through_id FROM workspace_snapshots WHERE room_id = ?'),
  updates: q<[room: string, afterId: number], UpdateRow>(
    'SELECT id, data FROM workspace_updates WHERE room_id = ? AND id > ? ORDER BY id',
  ),
  append: q<[room: string, data: Buffer, now: number]>('INSERT INTO workspace_updates (room_id, data, created_at) VALUES (?, ?, ?)'),
  throughId: q<[room: string], { through_id: number }>('SELECT through_id FROM workspace_snapshots WHERE room_id = ?'),
  upsertSnapshot: q<[room: string, data: Buffer, throughId: number, now: number]>(
    `INSERT INTO workspace_snapshots (room_id, data, through_id, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (room_id) DO UPDATE SET
       data = excluded.data, through_id = excluded.through_id, updated_at = excluded.updated_at`,
  ),
  dropThrough: q<[room: string, throughId: number]>('DELETE FROM workspace_updates WHERE room_id = ? AND id <= ?'),
}));

/** `WorkspaceStore` on SQLite. */
export class SqliteWorkspaces implements WorkspaceStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async loadWorkspace(room: string): Promise<StoredWorkspace> {
    const db = this.#db.connection();
    const s = statements(db);
    // One read transaction: a compaction committing in between must not hide updates.
    return db.transaction(() => {
      const snapshot = s.snapshot.get(room);
      return foldWorkspace(snapshot, s.updates.all(room, snapshot?.through_id ?? 0));
    })();
  }

  async appendWorkspaceUpdate(room: string, update: Uint8Array, now: number): Promise<number> {
    return this.#db.write((db) => {
      try {
        return Number(statements(db).append.run(room, toBuffer(update), now).lastInsertRowid);
      } catch (error) {
        throw asNotFound(error, `room ${room} not found`);
      }
    });
  }

  async compactWorkspace(room: string, snapshot: Uint8Array, throughId: number, now: number): Promise<boolean> {
    const compacted = await this.#db.write((db) => {
      assertCompactionPoint(throughId);
      const s = statements(db);
      const current = s.throughId.get(room)?.through_id;
      if (current !== undefined && current > throughId) return false;
      try {
        s.upsertSnapshot.run(room, toBuffer(snapshot), throughId, now);
      } catch (error) {
        throw asNotFound(error, `room ${room} not found`);
      }
      s.dropThrough.run(room, throughId);
      return true;
    });
    // The dropped log may hold text since deleted from the document (the snapshot has it collected).
    if (compacted) this.#db.scheduleCheckpoint();
    return compacted;
  }
}
