/**
 * Workspace documents in SQLite: a snapshot row per room plus an update log.
 * Reads run directly; writes are handed to the store's group-commit queue by
 * the caller, so an update is acknowledged only once its batch committed.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { StorageError } from '../errors.js';
import type { StoredWorkspace } from '../storage.js';
import { asNotFound } from './sql-errors.js';
import type { Stmt } from './statements.js';

/** Prepares the workspace statements of an open, migrated database. */
// The return type is inferred on purpose: it is the typed list of statements.
export function prepareWorkspaceStatements(db: BetterSqlite3.Database) {
  const q = <P extends unknown[], R = never>(sql: string): Stmt<P, R> => db.prepare<P, R>(sql);
  return {
    snapshot: q<[room: string], { data: Buffer; through_id: number }>(
      'SELECT data, through_id FROM workspace_snapshots WHERE room_id = ?',
    ),
    updates: q<[room: string, afterId: number], { id: number; data: Buffer }>(
      'SELECT id, data FROM workspace_updates WHERE room_id = ? AND id > ? ORDER BY id',
    ),
    append: q<[room: string, data: Buffer, now: number]>(
      'INSERT INTO workspace_updates (room_id, data, created_at) VALUES (?, ?, ?)',
    ),
    throughId: q<[room: string], { through_id: number }>('SELECT through_id FROM workspace_snapshots WHERE room_id = ?'),
    upsertSnapshot: q<[room: string, data: Buffer, throughId: number, now: number]>(
      `INSERT INTO workspace_snapshots (room_id, data, through_id, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET
         data = excluded.data, through_id = excluded.through_id, updated_at = excluded.updated_at`,
    ),
    dropThrough: q<[room: string, throughId: number]>(
      'DELETE FROM workspace_updates WHERE room_id = ? AND id <= ?',
    ),
  };
}

/** The prepared workspace statements. */
export type WorkspaceStatements = ReturnType<typeof prepareWorkspaceStatements>;

/** Reads the snapshot and the updates logged after it. */
export function loadWorkspace(w: WorkspaceStatements, room: string): StoredWorkspace {
  const snap = w.snapshot.get(room);
  const throughId = snap?.through_id ?? 0;
  const rows = w.updates.all(room, throughId);
  let bytes = snap ? snap.data.length : 0;
  const updates: Uint8Array[] = [];
  for (const row of rows) {
    updates.push(toBytes(row.data));
    bytes += row.data.length;
  }
  return {
    snapshot: snap ? toBytes(snap.data) : null,
    updates,
    lastUpdateId: rows.length > 0 ? rows[rows.length - 1].id : throughId,
    bytes,
  };
}

/** Appends one update inside the caller's transaction; returns its id. */
export function appendWorkspaceUpdate(w: WorkspaceStatements, room: string, update: Uint8Array, now: number): number {
  try {
    return Number(w.append.run(room, toBuffer(update), now).lastInsertRowid);
  } catch (error) {
    throw asNotFound(error, `room ${room} not found`);
  }
}

/** Replaces the snapshot and drops the folded log inside the caller's transaction; false when stale. */
export function compactWorkspace(
  w: WorkspaceStatements,
  room: string,
  snapshot: Uint8Array,
  throughId: number,
  now: number,
): boolean {
  if (!Number.isSafeInteger(throughId) || throughId < 0) {
    throw new StorageError('conflict', `invalid compaction point ${throughId}`);
  }
  const current = w.throughId.get(room)?.through_id;
  if (current !== undefined && current > throughId) return false;
  try {
    w.upsertSnapshot.run(room, toBuffer(snapshot), throughId, now);
  } catch (error) {
    throw asNotFound(error, `room ${room} not found`);
  }
  w.dropThrough.run(room, throughId);
  return true;
}

/** A view of the blob as a plain Uint8Array (Yjs checks nothing more). */
function toBytes(data: Buffer): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
