/** Attachment rows and the queue of attachment bytes to erase, on SQLite. */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import { StorageError } from '../errors.js';
import type { AttachmentStore, PendingUploads, StoredAttachment } from '../storage.js';
import { pageSize } from '../common/paging.js';
import { ATTACHMENT_COLUMNS, mustGet, toStoredAttachment, type AttachmentRow } from '../common/rows.js';
import type { SqliteDatabase } from './database.js';
import { asConflict, isConstraint } from './errors.js';
import { preparedStatements } from './prepared.js';

const statements = preparedStatements(({ q, v }) => ({
  insertAttachment: q<[AttachmentRow], never>(
    `INSERT INTO attachments (id, room_id, uploader, name, type, size, created_at, message_id, blob_key)
     VALUES (@id, @room_id, @uploader, @name, @type, @size, @created_at, @message_id, @blob_key)`,
  ),
  getAttachment: q<[id: string], AttachmentRow>(`SELECT ${ATTACHMENT_COLUMNS} FROM attachments WHERE id = ?`),
  pendingUploads: q<[uploader: string], { count: number; bytes: number; oldest_at: number | null }>(
    `SELECT count(*) AS count, coalesce(sum(size), 0) AS bytes, min(created_at) AS oldest_at
     FROM attachments WHERE uploader = ? AND message_id IS NULL`,
  ),
  expireUploads: v<[before: number, limit: number], string>(
    `DELETE FROM attachments WHERE id IN (
       SELECT id FROM attachments WHERE message_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?
     ) RETURNING blob_key`,
  ),
  pendingErasures: v<[limit: number], string>('SELECT blob_key FROM blob_erasures ORDER BY blob_key LIMIT ?'),
  completeErasures: q<[keysJson: string], never>('DELETE FROM blob_erasures WHERE blob_key IN (SELECT value FROM json_each(?))'),
}));

/** `AttachmentStore` on SQLite. */
export class SqliteAttachments implements AttachmentStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async createAttachment(attachment: StoredAttachment): Promise<void> {
    await this.#db.write((db) => {
      try {
        statements(db).insertAttachment.run({
          id: attachment.id,
          room_id: attachment.room,
          uploader: attachment.uploader,
          name: attachment.name,
          type: attachment.type,
          size: attachment.size,
          created_at: attachment.createdAt,
          message_id: null,
          blob_key: attachment.blobKey,
        });
      } catch (error) {
        if (isConstraint(error, 'SQLITE_CONSTRAINT_FOREIGNKEY')) {
          throw new StorageError('not_found', `room ${attachment.room} not found`, { cause: error });
        }
        throw asConflict(error, `attachment ${attachment.id} already exists`);
      }
    });
  }

  async getAttachment(id: string): Promise<StoredAttachment | null> {
    const row = statements(this.#db.connection()).getAttachment.get(id);
    return row ? toStoredAttachment(row) : null;
  }

  async pendingUploads(user: string): Promise<PendingUploads> {
    const row = mustGet(statements(this.#db.connection()).pendingUploads.get(user));
    return { count: row.count, bytes: row.bytes, oldestAt: row.oldest_at };
  }

  async expireUploads(before: number, limit: number): Promise<string[]> {
    return this.#db.write((db) => statements(db).expireUploads.all(before, pageSize(limit)));
  }

  async pendingBlobErasures(limit: number): Promise<string[]> {
    return statements(this.#db.connection()).pendingErasures.all(pageSize(limit));
  }

  async completeBlobErasures(blobKeys: string[]): Promise<void> {
    if (blobKeys.length === 0) return;
    await this.#db.write((db) => statements(db).completeErasures.run(JSON.stringify(blobKeys)));
  }
}
