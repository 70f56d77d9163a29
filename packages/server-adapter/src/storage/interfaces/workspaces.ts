/**
 * Workspace documents. A document is a snapshot plus the log of updates
 * appended after it; update ids grow with every append (per store, not per
 * room), a room's updates become visible in id order (a reader that sees one
 * sees every earlier one of that room, even with several nodes writing), and
 * `compactWorkspace` replaces the snapshot and drops the log up to an id in
 * one transaction, so a load never sees a half-compacted document.
 */

/** A workspace document as stored: apply `snapshot`, then `updates` in order. */
export interface StoredWorkspace {
  /** The compacted state (a Yjs update), or null before the first compaction. */
  snapshot: Uint8Array | null;
  /** Updates appended after the snapshot, oldest first. */
  updates: Uint8Array[];
  /** Id of the newest update (in the log or folded into the snapshot); 0 when nothing was ever stored. */
  lastUpdateId: number;
  /** Bytes of the snapshot plus the log, for size accounting. */
  bytes: number;
}

/** Each room's workspace document. */
export interface WorkspaceStore {
  /** The room's workspace document; an empty one (no snapshot, no updates) when nothing was stored. */
  loadWorkspace(room: string): Promise<StoredWorkspace>;
  /** Appends one update to the room's log; resolves with its id once committed. `not_found` without the room. */
  appendWorkspaceUpdate(room: string, update: Uint8Array, now: number): Promise<number>;
  /**
   * Stores `snapshot` as the room's state and drops every logged update with
   * `id <= throughId`, in one transaction. The snapshot must contain those
   * updates. A compaction older than the stored snapshot changes nothing and
   * resolves false.
   */
  compactWorkspace(room: string, snapshot: Uint8Array, throughId: number, now: number): Promise<boolean>;
}
