/** Receipt arithmetic: how a member's read and delivered markers move. */
import { StorageError } from '../errors.js';
import type { ReceiptResult } from '../storage.js';

/** A member's markers and the room's last seq, as read (and locked) by a store. */
export interface ReceiptState {
  read_seq: number;
  delivered_seq: number;
  last_seq: number;
}

/** The columns of {@link ReceiptState}, for a query joining `members m` with `rooms r`. */
export const RECEIPT_STATE_COLUMNS = 'm.read_seq, m.delivered_seq, r.last_seq';

/**
 * The user's markers after applying a receipt: forward only, clamped to the
 * room's last seq; `not_found` when `state` is missing (not a member).
 */
export function nextReceipt(
  state: ReceiptState | null | undefined,
  room: string,
  user: string,
  delivered: number | null,
  read: number | null,
): ReceiptResult {
  if (!state) throw new StorageError('not_found', `${user} is not a member of ${room}`);
  const readSeq = read === null ? state.read_seq : Math.max(state.read_seq, Math.min(read, state.last_seq));
  let deliveredSeq =
    delivered === null ? state.delivered_seq : Math.max(state.delivered_seq, Math.min(delivered, state.last_seq));
  // What was read was necessarily delivered.
  deliveredSeq = Math.max(deliveredSeq, readSeq);
  return {
    readSeq,
    deliveredSeq,
    changed: readSeq !== state.read_seq || deliveredSeq !== state.delivered_seq,
  };
}
