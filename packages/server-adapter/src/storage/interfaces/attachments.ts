/** Attachments: their rows, the uploads no message uses yet, and the queue of bytes to erase. */
import type { AttachmentInfo } from '@parley/sdk/protocol';

/** An attachment row. */
export interface StoredAttachment extends AttachmentInfo {
  room: string;
  uploader: string;
  createdAt: number;
  /** Message that uses it, once sent. */
  messageId: string | null;
  /** Storage key of the bytes (a file name under the data directory for SQLite). */
  blobKey: string;
}

/** What {@link AttachmentStore.pendingUploads} answers. */
export interface PendingUploads {
  count: number;
  bytes: number;
  /** `createdAt` of the oldest, or null when there is none. */
  oldestAt: number | null;
}

/** Attachment rows and the erasure of their bytes. */
export interface AttachmentStore {
  createAttachment(attachment: StoredAttachment): Promise<void>;
  getAttachment(id: string): Promise<StoredAttachment | null>;
  /** `user`'s uploads that no message uses yet: how many, their bytes, and when the oldest was uploaded (null when none). */
  pendingUploads(user: string): Promise<PendingUploads>;
  /**
   * Deletes up to `limit` uploads that no message uses and that were
   * uploaded before `before`, oldest first; returns their storage keys (the
   * caller deletes those blobs). A send that binds one of them at the same
   * time either commits first (the upload is kept) or fails with `not_found`.
   */
  expireUploads(before: number, limit: number): Promise<string[]>;
  /**
   * Storage keys of attachment bytes to delete: every attachment whose row
   * went (message deleted or purged) is queued in the same transaction, and
   * stays queued until {@link AttachmentStore.completeBlobErasures}, across restarts.
   */
  pendingBlobErasures(limit: number): Promise<string[]>;
  /** Forgets queued keys whose bytes are gone. */
  completeBlobErasures(blobKeys: string[]): Promise<void>;
}
