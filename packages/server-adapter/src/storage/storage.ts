/**
 * The storage interface. The room logic (permissions, fan-out) lives above it
 * and never sees SQL; SQLite is the embedded implementation and PostgreSQL
 * the one for several nodes. Every method is async so a networked database
 * fits.
 *
 * `Storage` is the sum of one interface per concern (`interfaces/`): code
 * that needs everything takes `Storage`, code that needs one concern takes
 * only that one (a `RoomStore`, an `AttachmentStore`…).
 *
 * Contract for every implementation (checked by the conformance suite,
 * `test/storage-conformance.ts`, on both):
 * - A method resolves only after its changes are durably committed.
 * - Methods that take an idempotency key (`sender`/`user` + `clientId`) return
 *   the originally committed result when called again with the same key, and
 *   change nothing the second time.
 * - Each room's message `seq` goes 1, 2, 3… with no gaps and no repeats; every
 *   new or changed message takes the room's next `rev`. Both are assigned in
 *   the committing transaction.
 * - Writes that record a system message (joins, leaves, renames…) store it in
 *   the same transaction as the change it describes.
 * - Workspace documents keep the ordering and compaction rules stated in
 *   `interfaces/workspaces.ts`.
 */
import type { AttachmentStore } from './interfaces/attachments.js';
import type { InvitationStore } from './interfaces/invitations.js';
import type { MemberStore } from './interfaces/members.js';
import type { MessageStore } from './interfaces/messages.js';
import type { ModerationStore } from './interfaces/moderation.js';
import type { ReceiptStore } from './interfaces/receipts.js';
import type { RetentionStore } from './interfaces/retention.js';
import type { RoomStore } from './interfaces/rooms.js';
import type { SearchStore } from './interfaces/search.js';
import type { SessionStore } from './interfaces/sessions.js';
import type { UserStore } from './interfaces/users.js';
import type { WebhookStore } from './interfaces/webhooks.js';
import type { WorkspaceStore } from './interfaces/workspaces.js';

export type * from './interfaces/attachments.js';
export type * from './interfaces/invitations.js';
export type * from './interfaces/members.js';
export type * from './interfaces/messages.js';
export type * from './interfaces/moderation.js';
export type * from './interfaces/receipts.js';
export type * from './interfaces/retention.js';
export type * from './interfaces/rooms.js';
export type * from './interfaces/search.js';
export type * from './interfaces/sessions.js';
export type * from './interfaces/users.js';
export type * from './interfaces/webhooks.js';
export type * from './interfaces/workspaces.js';

/** Opening and closing a store, and whether its database answers. */
export interface StorageLifecycle {
  /** Opens the store and runs pending migrations. */
  open(): Promise<void>;
  /** Closes it; pending writes are finished first. */
  close(): Promise<void>;
  /**
   * Resolves once the database answers, rejects when it cannot be reached,
   * for `/healthz` (probed in the background). Absent for an embedded store,
   * which is always there.
   */
  ping?(): Promise<void>;
}

/** Everything the server stores, one interface per concern. */
export interface Storage
  extends StorageLifecycle,
    UserStore,
    RoomStore,
    MemberStore,
    ModerationStore,
    InvitationStore,
    SessionStore,
    MessageStore,
    SearchStore,
    ReceiptStore,
    AttachmentStore,
    RetentionStore,
    WorkspaceStore,
    WebhookStore {}
