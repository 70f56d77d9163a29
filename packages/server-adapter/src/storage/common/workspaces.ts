/** Workspace documents as both stores read them: a snapshot and the updates logged after it, folded into one answer. */
import { StorageError } from '../errors.js';
import type { StoredWorkspace } from '../storage.js';

/** The stored snapshot of a room: its bytes and the id of the last update folded in. */
export interface SnapshotRow {
  data: Buffer;
  through_id: number;
}

/** One logged update. */
export interface UpdateRow {
  id: number;
  data: Buffer;
}

/** The document of a snapshot (or none) and the updates logged after it, in id order; `lastUpdateId` is the highest id of either. */
export function foldWorkspace(snapshot: SnapshotRow | null | undefined, updates: readonly UpdateRow[]): StoredWorkspace {
  const throughId = snapshot?.through_id ?? 0;
  let bytes = snapshot ? snapshot.data.length : 0;
  const logged: Uint8Array[] = [];
  for (const row of updates) {
    logged.push(toBytes(row.data));
    bytes += row.data.length;
  }
  return {
    snapshot: snapshot ? toBytes(snapshot.data) : null,
    updates: logged,
    lastUpdateId: updates.reduce((last, row) => Math.max(last, row.id), throughId),
    bytes,
  };
}

/** `conflict` for a compaction point that is no update id. */
export function assertCompactionPoint(throughId: number): void {
  if (!Number.isSafeInteger(throughId) || throughId < 0) {
    throw new StorageError('conflict', `invalid compaction point ${throughId}`);
  }
}

/** A view of the blob as a plain Uint8Array (Yjs checks nothing more). */
function toBytes(data: Buffer): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** The bytes as a Buffer without copying, as the drivers bind blobs. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
