/** History retention: the purge of each room's oldest messages. */

/** A room whose history retention shortened. */
export interface RetentionResult {
  room: string;
  /** The new floor: every message with `seq <= floorSeq` is gone. */
  floorSeq: number;
  /** Storage keys of attachment bytes whose messages were removed; the caller deletes those blobs. */
  blobKeys: string[];
}

/** Applies each room's retention. */
export interface RetentionStore {
  /**
   * Deletes messages beyond each room's retention, with their attachments
   * (keys queued as for deletes), and raises `floorSeq`; returns the rooms changed.
   */
  applyRetention(now: number): Promise<RetentionResult[]>;
}
