/** Read and delivery markers on PostgreSQL. */
import type { ReceiptResult, ReceiptStore } from '../storage.js';
import { RECEIPT_STATE_COLUMNS, nextReceipt, type ReceiptState } from '../common/receipts.js';
import type { PostgresDatabase, Queryable } from './database.js';

/** `ReceiptStore` on PostgreSQL. */
export class PostgresReceipts implements ReceiptStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async setReceipt(room: string, user: string, delivered: number | null, read: number | null): Promise<ReceiptResult> {
    // Most receipts repeat what is already stored; those need no write.
    const preview = nextReceipt(await receiptState(this.#db.reader(), room, user, false), room, user, delivered, read);
    if (!preview.changed) return preview;
    return this.#db.write(async (c) => {
      const result = nextReceipt(await receiptState(c, room, user, true), room, user, delivered, read);
      if (result.changed) {
        await c.query('UPDATE members SET read_seq = $1, delivered_seq = $2 WHERE room_id = $3 AND user_id = $4', [
          result.readSeq,
          result.deliveredSeq,
          room,
          user,
        ]);
      }
      return result;
    });
  }

  async unreadCount(room: string, user: string): Promise<number> {
    const { rows } = await this.#db.reader().query<{ n: number }>(
      `SELECT count(*) AS n FROM messages
       WHERE room_id = $1 AND seq > (SELECT read_seq FROM members WHERE room_id = $1 AND user_id = $2)
         AND sender <> $2 AND kind = 'user' AND deleted_at IS NULL`,
      [room, user],
    );
    return rows[0]?.n ?? 0;
  }

  async unreadTotal(user: string): Promise<number> {
    const { rows } = await this.#db.reader().query<{ n: number }>(
      `SELECT count(*) AS n FROM members mb JOIN messages m ON m.room_id = mb.room_id AND m.seq > mb.read_seq
       WHERE mb.user_id = $1 AND m.sender <> $1 AND m.kind = 'user' AND m.deleted_at IS NULL`,
      [user],
    );
    return rows[0]?.n ?? 0;
  }
}

/** The member's markers and the room's last seq; with `lock`, the member row is locked until the transaction ends. */
async function receiptState(db: Queryable, room: string, user: string, lock: boolean): Promise<ReceiptState | null> {
  const { rows } = await db.query<ReceiptState>(
    `SELECT ${RECEIPT_STATE_COLUMNS} FROM members m JOIN rooms r ON r.id = m.room_id
     WHERE m.room_id = $1 AND m.user_id = $2${lock ? ' FOR UPDATE OF m' : ''}`,
    [room, user],
  );
  return rows[0] ?? null;
}
