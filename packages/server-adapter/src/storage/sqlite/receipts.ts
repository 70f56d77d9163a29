/** Read and delivery markers on SQLite. */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type { ReceiptResult, ReceiptStore } from '../storage.js';
import { RECEIPT_STATE_COLUMNS, nextReceipt, type ReceiptState } from '../common/receipts.js';
import type { SqliteDatabase } from './database.js';
import { preparedStatements } from './prepared.js';

const statements = preparedStatements(({ q, v }) => ({
  receiptState: q<[room: string, user: string], ReceiptState>(
    `SELECT ${RECEIPT_STATE_COLUMNS} FROM members m JOIN rooms r ON r.id = m.room_id
     WHERE m.room_id = ? AND m.user_id = ?`,
  ),
  setReceipt: q<[readSeq: number, deliveredSeq: number, room: string, user: string], never>(
    'UPDATE members SET read_seq = ?, delivered_seq = ? WHERE room_id = ? AND user_id = ?',
  ),
  unreadCount: v<[{ room: string; user: string }], number>(
    `SELECT count(*) FROM messages
     WHERE room_id = @room AND seq > (SELECT read_seq FROM members WHERE room_id = @room AND user_id = @user)
       AND sender != @user AND kind = 'user' AND deleted_at IS NULL`,
  ),
  unreadTotal: v<[{ user: string }], number>(
    `SELECT count(*) FROM members mb JOIN messages m ON m.room_id = mb.room_id AND m.seq > mb.read_seq
     WHERE mb.user_id = @user AND m.sender != @user AND m.kind = 'user' AND m.deleted_at IS NULL`,
  ),
}));

/** `ReceiptStore` on SQLite. */
export class SqliteReceipts implements ReceiptStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async setReceipt(room: string, user: string, delivered: number | null, read: number | null): Promise<ReceiptResult> {
    // Most receipts repeat what is already stored; those need no transaction.
    const preview = nextReceipt(statements(this.#db.connection()).receiptState.get(room, user), room, user, delivered, read);
    if (!preview.changed) return preview;
    return this.#db.write((db) => {
      const s = statements(db);
      const result = nextReceipt(s.receiptState.get(room, user), room, user, delivered, read);
      if (result.changed) s.setReceipt.run(result.readSeq, result.deliveredSeq, room, user);
      return result;
    });
  }

  async unreadCount(room: string, user: string): Promise<number> {
    return statements(this.#db.connection()).unreadCount.get({ room, user }) ?? 0;
  }

  async unreadTotal(user: string): Promise<number> {
    return statements(this.#db.connection()).unreadTotal.get({ user }) ?? 0;
  }
}
