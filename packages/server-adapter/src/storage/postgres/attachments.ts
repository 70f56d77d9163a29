/** Attachment rows and the queue of attachment bytes to erase, on PostgreSQL. */
import type { AttachmentStore, PendingUploads, StoredAttachment } from '../storage.js';
import { pageSize } from '../common/paging.js';
import { ATTACHMENT_COLUMNS, toStoredAttachment, type AttachmentRow } from '../common/rows.js';
import type { PostgresDatabase } from './database.js';
import { asConflict, asNotFound, isPgConstraint } from './errors.js';

/** `AttachmentStore` on PostgreSQL. */
export class PostgresAttachments implements AttachmentStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async createAttachment(attachment: StoredAttachment): Promise<void> {
    await this.#db.write(async (c) => {
      try {
        await c.query(
          `INSERT INTO attachments (id, room_id, uploader, name, type, size, created_at, message_id, blob_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)`,
          [
            attachment.id,
            attachment.room,
            attachment.uploader,
            attachment.name,
            attachment.type,
            attachment.size,
            attachment.createdAt,
            attachment.blobKey,
          ],
        );
      } catch (error) {
        if (isPgConstraint(error, '23503')) asNotFound(error, `room ${attachment.room} not found`);
        asConflict(error, `attachment ${attachment.id} already exists`);
      }
    });
  }

  async getAttachment(id: string): Promise<StoredAttachment | null> {
    const { rows } = await this.#db.reader().query<AttachmentRow>(`SELECT ${ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1`, [id]);
    return rows[0] ? toStoredAttachment(rows[0]) : null;
  }

  async pendingUploads(user: string): Promise<PendingUploads> {
    const { rows } = await this.#db.reader().query<{ count: number; bytes: number; oldest_at: number | null }>(
      `SELECT count(*) AS count, coalesce(sum(size), 0)::bigint AS bytes, min(created_at) AS oldest_at
       FROM attachments WHERE uploader = $1 AND message_id IS NULL`,
      [user],
    );
    return { count: rows[0].count, bytes: rows[0].bytes, oldestAt: rows[0].oldest_at };
  }

  async expireUploads(before: number, limit: number): Promise<string[]> {
    return this.#db.write(async (c) => {
      // A send binding one of them waits for this row lock, then finds it gone (not_found);
      // one that bound it first makes the row no longer match here.
      const { rows } = await c.query<{ blob_key: string }>(
        `DELETE FROM attachments WHERE id IN (
           SELECT id FROM attachments WHERE message_id IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2
           FOR UPDATE SKIP LOCKED
         ) AND message_id IS NULL
         RETURNING blob_key`,
        [before, pageSize(limit)],
      );
      return rows.map((r) => r.blob_key);
    });
  }

  async pendingBlobErasures(limit: number): Promise<string[]> {
    const { rows } = await this.#db.reader().query<{ blob_key: string }>(
      'SELECT blob_key FROM blob_erasures ORDER BY blob_key LIMIT $1',
      [Math.max(0, Math.floor(limit))],
    );
    return rows.map((row) => row.blob_key);
  }

  async completeBlobErasures(blobKeys: string[]): Promise<void> {
    if (blobKeys.length === 0) return;
    await this.#db.write((c) => c.query('DELETE FROM blob_erasures WHERE blob_key = ANY($1::text[])', [blobKeys]));
  }
}
