/**
 * The storage interface. The room logic (permissions, fan-out) lives above it
 * and never sees SQL; SQLite is the embedded implementation and PostgreSQL
 * will be another. Every method is async so a networked database fits.
 *
 * Contract for every implementation (checked by the conformance suite in
 * `test/storage.test.ts`):
 * - A method resolves only after its changes are durably committed.
 * - Methods that take an idempotency key (`sender`/`user` + `clientId`) return
 *   the originally committed result when called again with the same key, and
 *   change nothing the second time.
 * - Each room's message `seq` goes 1, 2, 3… with no gaps and no repeats; every
 *   new or changed message takes the room's next `rev`. Both are assigned in
 *   the committing transaction.
 * - Writes that record a system message (joins, leaves, renames…) store it in
 *   the same transaction as the change it describes.
 * - A workspace document is a snapshot plus the log of updates appended after
 *   it; update ids grow with every append (per store, not per room), a
 *   room's updates become visible in id order (a reader that sees one sees
 *   every earlier one of that room, even with several nodes writing), and
 *   `compactWorkspace` replaces the snapshot and drops the log up to an id in
 *   one transaction, so a load never sees a half-compacted document.
 */
import type {
  AttachmentInfo,
  Message,
  MessageEdit,
  Retention,
  Role,
  RoomKind,
  UserInfo,
} from '@parley/sdk/protocol';
import type { SearchOptions } from './shared/search-plan.js';

/** A room row, independent of who asks. */
export interface StoredRoom {
  id: string;
  kind: RoomKind;
  name: string;
  topic: string;
  createdAt: number;
  createdBy: string;
  lastSeq: number;
  rev: number;
  floorSeq: number;
  retention: Retention;
  memberCount: number;
  /** For direct rooms: the two user ids sorted and joined with a newline; unique. */
  directKey: string | null;
}

/** An invitation waiting for the invited user to accept or decline. */
export interface StoredInvitation {
  room: string;
  user: string;
  inviter: string;
  role: Role;
  invitedAt: number;
}

/** A membership row. */
export interface StoredMember {
  room: string;
  user: string;
  name: string;
  role: Role;
  joinedAt: number;
  readSeq: number;
  deliveredSeq: number;
  mutedUntil: number | null;
}

/** A system message to store alongside a change. */
export interface SystemMessageInput {
  event: NonNullable<Message['system']>['event'];
  actor: string;
  target?: string | null;
  name?: string | null;
}

/** Result of a change that may have appended a system message. */
export interface WithSystemMessage {
  systemMessage: Message | null;
}

export interface CreateRoomInput {
  id: string;
  kind: RoomKind;
  name: string;
  topic: string;
  createdBy: string;
  now: number;
  directKey: string | null;
  /** Initial members; the creator is among them with role `owner` (both users for direct rooms). */
  members: Array<{ user: string; role: Role }>;
}

export interface AppendMessageInput {
  id: string;
  room: string;
  sender: string;
  clientId: string;
  text: string;
  parentId: string | null;
  mentions: string[];
  /** Attachment ids already validated as uploaded by `sender` for `room` and not yet used. */
  attachmentIds: string[];
  flagged: boolean;
  now: number;
}

export interface AppendResult {
  message: Message;
  /** True when (sender, clientId) was already committed: `message` is the original. */
  duplicate: boolean;
  /** The parent after its reply count changed (new replies only), so it can be fanned out. */
  parent: Message | null;
}

/** A mutation of an existing message; idempotent by (user, clientId). */
export type MessageChange =
  | { kind: 'edit'; text: string; mentions: string[] }
  | { kind: 'delete' }
  | { kind: 'react'; emoji: string; on: boolean };

export interface ChangeResult {
  message: Message;
  duplicate: boolean;
}

/** What a (user, clientId) pair was committed for. */
export interface ClientOperation {
  op: 'send' | MessageChange['kind'];
  messageId: string;
}

export interface ReceiptResult {
  readSeq: number;
  deliveredSeq: number;
  /** Whether either marker moved (markers never move backwards). */
  changed: boolean;
}

export interface StoredAttachment extends AttachmentInfo {
  room: string;
  uploader: string;
  createdAt: number;
  /** Message that uses it, once sent. */
  messageId: string | null;
  /** Storage key of the bytes (a file name under the data directory for SQLite). */
  blobKey: string;
}

/** What {@link Storage.pendingUploads} answers. */
export interface PendingUploads {
  count: number;
  bytes: number;
  /** `createdAt` of the oldest, or null when there is none. */
  oldestAt: number | null;
}

/** A room whose history retention shortened. */
export interface RetentionResult {
  room: string;
  /** The new floor: every message with `seq <= floorSeq` is gone. */
  floorSeq: number;
  /** Storage keys of attachment bytes whose messages were removed; the caller deletes those blobs. */
  blobKeys: string[];
}

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

export interface Storage {
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

  /** Records or refreshes a user's display name. */
  upsertUser(user: UserInfo): Promise<void>;
  getUsers(ids: string[]): Promise<UserInfo[]>;

  /** Creates a room with its members and a `created` system message. */
  createRoom(input: CreateRoomInput): Promise<StoredRoom>;
  getRoom(id: string): Promise<StoredRoom | null>;
  findDirectRoom(directKey: string): Promise<StoredRoom | null>;
  /** Renames (with a `renamed` system message), re-topics or sets retention. */
  updateRoom(
    id: string,
    patch: { name?: string; topic?: string; retention?: Retention },
    actor: string,
    now: number,
  ): Promise<StoredRoom & WithSystemMessage>;
  /** Rooms the user is a member of, with their membership. */
  listUserRooms(user: string): Promise<Array<{ room: StoredRoom; member: StoredMember }>>;
  /** Public rooms whose name contains `query` (case-insensitive), newest activity first. */
  discoverRooms(query: string, limit: number): Promise<StoredRoom[]>;

  getMember(room: string, user: string): Promise<StoredMember | null>;
  listMembers(room: string): Promise<StoredMember[]>;
  /**
   * Ids of every user who shares at least one room with `user` (for presence);
   * with `maxRoomMembers`, only through rooms of at most that many members.
   */
  listContacts(user: string, maxRoomMembers?: number): Promise<string[]>;
  /** Those of `candidates` who share at least one room with `user` and neither blocked the other (for presence lookups). */
  visiblePeers(user: string, candidates: readonly string[]): Promise<string[]>;
  /** Adds a member (joined or invited), with a system message when given. */
  addMember(
    room: string,
    user: string,
    role: Role,
    now: number,
    system: SystemMessageInput | null,
  ): Promise<StoredMember & WithSystemMessage>;
  /** Removes a member (left, kicked, banned), with a system message when given. */
  removeMember(room: string, user: string, now: number, system: SystemMessageInput | null): Promise<WithSystemMessage>;
  updateMember(
    room: string,
    user: string,
    patch: { role?: Role; mutedUntil?: number | null },
  ): Promise<StoredMember>;

  setBan(room: string, user: string, banned: boolean, by: string, now: number): Promise<void>;
  isBanned(room: string, user: string): Promise<boolean>;
  setBlock(user: string, target: string, blocked: boolean, now: number): Promise<void>;
  /** True when either user blocked the other. */
  isBlockedEither(a: string, b: string): Promise<boolean>;

  /** Records an invitation; `conflict` when the user is already invited to or a member of the room, `not_found` without the room. */
  addInvitation(invitation: StoredInvitation): Promise<void>;
  getInvitation(room: string, user: string): Promise<StoredInvitation | null>;
  /** The user's pending invitations, newest first, at most `limit`. */
  listInvitations(user: string, limit: number): Promise<StoredInvitation[]>;
  /**
   * Turns the invitation into a membership with its role, a `joined` system
   * message and the invitation removed, in one transaction; `not_found`
   * when there is no such invitation.
   */
  acceptInvitation(room: string, user: string, now: number): Promise<StoredMember & WithSystemMessage>;
  /** Removes an invitation; false when there was none. */
  removeInvitation(room: string, user: string): Promise<boolean>;

  /** Ends every session of `user` whose token was issued before `before` (epoch ms); a later call moves the point forward only. */
  revokeSessions(user: string, before: number): Promise<void>;
  /** The point set by {@link revokeSessions}, or null when the user's sessions were never revoked. */
  sessionsRevokedBefore(user: string): Promise<number | null>;

  /** Appends a user message: next seq and rev, binds attachments, bumps the parent's reply count. */
  appendMessage(input: AppendMessageInput): Promise<AppendResult>;
  /**
   * The operation `user` already committed with `clientId`, or null: a retry
   * is recognised before checks that the original no longer has to pass
   * (the message was deleted since, the user was muted).
   */
  clientOperation(user: string, clientId: string): Promise<ClientOperation | null>;
  /**
   * Applies an edit (keeping the old text in the edit history), a delete or a
   * reaction. A delete leaves a tombstone (same id and seq) and erases the
   * rest: text, mentions, edit history, reactions, search entry and
   * attachments (their keys are queued, see {@link Storage.pendingBlobErasures}).
   */
  changeMessage(
    messageId: string,
    user: string,
    clientId: string,
    change: MessageChange,
    now: number,
  ): Promise<ChangeResult>;
  getMessage(id: string): Promise<Message | null>;
  /** Up to `limit` messages with `seq < before` (all when absent), returned oldest first. */
  history(room: string, before: number | null, limit: number): Promise<{ messages: Message[]; hasMore: boolean }>;
  /** Replies to `parentId` with `seq > after`, oldest first. */
  thread(parentId: string, after: number, limit: number): Promise<{ replies: Message[]; hasMore: boolean }>;
  /** Messages with `rev > sinceRev`, in rev order. */
  changesSince(room: string, sinceRev: number, limit: number): Promise<{ messages: Message[]; more: boolean }>;
  /** Earlier versions of an edited message, oldest first. */
  edits(messageId: string): Promise<MessageEdit[]>;
  /**
   * Full-text search over non-deleted messages in rooms `user` is a member of
   * (or in `room` only, when given and the user is a member), newest first.
   * Its cost grows with the user's rooms and the matches in them, not with
   * the rest of the store; past `options.timeoutMs` (default 2 s) it fails
   * with a `timeout` StorageError.
   */
  search(user: string, query: string, room: string | null, limit: number, options?: SearchOptions): Promise<Message[]>;

  /** Moves the user's markers forward (never back; clamped to the room's lastSeq). */
  setReceipt(room: string, user: string, delivered: number | null, read: number | null): Promise<ReceiptResult>;
  /** Messages after the user's read marker that others sent and are not deleted. */
  unreadCount(room: string, user: string): Promise<number>;
  unreadTotal(user: string): Promise<number>;

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
   * Deletes messages beyond each room's retention, with their attachments
   * (keys queued as for deletes), and raises `floorSeq`; returns the rooms changed.
   */
  applyRetention(now: number): Promise<RetentionResult[]>;

  /**
   * Storage keys of attachment bytes to delete: every attachment whose row
   * went (message deleted or purged) is queued in the same transaction, and
   * stays queued until {@link Storage.completeBlobErasures}, across restarts.
   */
  pendingBlobErasures(limit: number): Promise<string[]>;
  /** Forgets queued keys whose bytes are gone. */
  completeBlobErasures(blobKeys: string[]): Promise<void>;

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
