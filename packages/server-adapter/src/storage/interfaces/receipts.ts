/** Read and delivery markers, and the unread counts they give. */

/** What {@link ReceiptStore.setReceipt} answers. */
export interface ReceiptResult {
  readSeq: number;
  deliveredSeq: number;
  /** Whether either marker moved (markers never move backwards). */
  changed: boolean;
}

/** Each member's markers in each room. */
export interface ReceiptStore {
  /** Moves the user's markers forward (never back; clamped to the room's lastSeq). */
  setReceipt(room: string, user: string, delivered: number | null, read: number | null): Promise<ReceiptResult>;
  /** Messages after the user's read marker that others sent and are not deleted. */
  unreadCount(room: string, user: string): Promise<number>;
  /** {@link ReceiptStore.unreadCount} summed over the user's rooms. */
  unreadTotal(user: string): Promise<number>;
}
