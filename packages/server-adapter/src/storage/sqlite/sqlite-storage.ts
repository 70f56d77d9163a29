/**
 * The embedded `Storage`: one SQLite file (`database.ts`: WAL, group commit,
 * erasure checkpoints, SQLCipher with a key).
 *
 * This class only composes the stores of each concern (`users.ts`,
 * `rooms.ts`, `messages.ts`…), which have their PostgreSQL counterparts of
 * the same names.
 */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type { Message, MessageEdit, Role, UserInfo } from '@parley/sdk/protocol';
import type {
  AppendMessageInput,
  AppendResult,
  ChangeResult,
  ClientOperation,
  CreateRoomInput,
  MessageChange,
  PendingUploads,
  ReceiptResult,
  RetentionResult,
  SearchOptions,
  Storage,
  StoredAttachment,
  StoredInvitation,
  StoredMember,
  StoredRoom,
  StoredWorkspace,
  SystemMessageInput,
  WithSystemMessage,
  ClaimedWebhookDelivery,
  RoomPatch,
  UserProfile,
  WebhookSettings,
} from '../storage.js';
import { SqliteAttachments } from './attachments.js';
import { SqliteDatabase, type SqliteStorageOptions } from './database.js';
import { SqliteInvitations } from './invitations.js';
import { SqliteMembers } from './members.js';
import { SqliteMessages } from './messages.js';
import { SqliteModeration } from './moderation.js';
import { SqliteReceipts } from './receipts.js';
import { SqliteRetention } from './retention.js';
import { SqliteRooms } from './rooms.js';
import { SqliteSearch } from './search.js';
import { SqliteSessions } from './sessions.js';
import { SqliteUsers } from './users.js';
import { SqliteWebhooks } from './webhooks.js';
import { SqliteWorkspaces } from './workspaces.js';

export { DEFAULT_ERASURE_CHECKPOINT_MS, SQLITE_FILE_NAME, type SqliteStorageOptions } from './database.js';

/** SQLite implementation of `Storage` on better-sqlite3. */
export class SqliteStorage implements Storage {
  /** Path of the database file. */
  readonly file: string;
  /** Whether the file is encrypted. */
  readonly encrypted: boolean;
  readonly #db: SqliteDatabase;
  readonly #users: SqliteUsers;
  readonly #rooms: SqliteRooms;
  readonly #members: SqliteMembers;
  readonly #moderation: SqliteModeration;
  readonly #invitations: SqliteInvitations;
  readonly #sessions: SqliteSessions;
  readonly #messages: SqliteMessages;
  readonly #search: SqliteSearch;
  readonly #receipts: SqliteReceipts;
  readonly #attachments: SqliteAttachments;
  readonly #retention: SqliteRetention;
  readonly #workspaces: SqliteWorkspaces;
  readonly #webhooks: SqliteWebhooks;

  /**
   * Remembers where the database lives; nothing touches the disk before
   * `open()`. Throws `EncryptionError` for a malformed or weak key.
   */
  constructor(options: SqliteStorageOptions) {
    const db = new SqliteDatabase(options);
    this.file = db.file;
    this.encrypted = db.encrypted;
    this.#db = db;
    this.#users = new SqliteUsers(db);
    this.#rooms = new SqliteRooms(db);
    this.#members = new SqliteMembers(db);
    this.#moderation = new SqliteModeration(db);
    this.#invitations = new SqliteInvitations(db);
    this.#sessions = new SqliteSessions(db);
    this.#messages = new SqliteMessages(db);
    this.#search = new SqliteSearch(db);
    this.#receipts = new SqliteReceipts(db);
    this.#attachments = new SqliteAttachments(db);
    this.#retention = new SqliteRetention(db);
    this.#workspaces = new SqliteWorkspaces(db);
    this.#webhooks = new SqliteWebhooks(db);
  }

  /**
   * Opens (creating the file owner-only when missing) and migrates. Throws
   * `EncryptionError`: `wrong_key` when the key does not fit the file,
   * `cipher_unavailable` without the cipher package.
   */
  open(): Promise<void> {
    return this.#db.open();
  }

  /** Closes the file; queued writes are committed first. */
  async close(): Promise<void> {
    this.#db.close();
  }

  /**
   * Copies every committed page into the database file and truncates the
   * WAL to zero bytes. Runs by itself shortly after erasures; resolves false
   * when another process's reader kept it from finishing.
   */
  async checkpoint(): Promise<boolean> {
    return this.#db.checkpoint();
  }

  // ---- users

  upsertUser(user: UserInfo): Promise<void> {
    return this.#users.upsertUser(user);
  }

  getUsers(ids: string[]): Promise<UserInfo[]> {
    return this.#users.getUsers(ids);
  }

  saveUserProfile(profile: UserProfile): Promise<void> {
    return this.#users.saveUserProfile(profile);
  }

  getUserProfile(id: string): Promise<UserProfile | null> {
    return this.#users.getUserProfile(id);
  }

  // ---- rooms

  createRoom(input: CreateRoomInput): Promise<StoredRoom> {
    return this.#rooms.createRoom(input);
  }

  getRoom(id: string): Promise<StoredRoom | null> {
    return this.#rooms.getRoom(id);
  }

  findDirectRoom(directKey: string): Promise<StoredRoom | null> {
    return this.#rooms.findDirectRoom(directKey);
  }

  updateRoom(
    id: string,
    patch: RoomPatch,
    actor: string,
    now: number,
  ): Promise<StoredRoom & WithSystemMessage> {
    return this.#rooms.updateRoom(id, patch, actor, now);
  }

  listUserRooms(user: string): Promise<Array<{ room: StoredRoom; member: StoredMember }>> {
    return this.#rooms.listUserRooms(user);
  }

  discoverRooms(query: string, limit: number): Promise<StoredRoom[]> {
    return this.#rooms.discoverRooms(query, limit);
  }

  // ---- members

  getMember(room: string, user: string): Promise<StoredMember | null> {
    return this.#members.getMember(room, user);
  }

  listMembers(room: string): Promise<StoredMember[]> {
    return this.#members.listMembers(room);
  }

  listContacts(user: string, maxRoomMembers?: number): Promise<string[]> {
    return this.#members.listContacts(user, maxRoomMembers);
  }

  visiblePeers(user: string, candidates: readonly string[]): Promise<string[]> {
    return this.#members.visiblePeers(user, candidates);
  }

  addMember(
    room: string,
    user: string,
    role: Role,
    now: number,
    system: SystemMessageInput | null,
  ): Promise<StoredMember & WithSystemMessage> {
    return this.#members.addMember(room, user, role, now, system);
  }

  removeMember(room: string, user: string, now: number, system: SystemMessageInput | null): Promise<WithSystemMessage> {
    return this.#members.removeMember(room, user, now, system);
  }

  updateMember(room: string, user: string, patch: { role?: Role; mutedUntil?: number | null }): Promise<StoredMember> {
    return this.#members.updateMember(room, user, patch);
  }

  // ---- bans and blocks

  setBan(room: string, user: string, banned: boolean, by: string, now: number): Promise<void> {
    return this.#moderation.setBan(room, user, banned, by, now);
  }

  isBanned(room: string, user: string): Promise<boolean> {
    return this.#moderation.isBanned(room, user);
  }

  setBlock(user: string, target: string, blocked: boolean, now: number): Promise<void> {
    return this.#moderation.setBlock(user, target, blocked, now);
  }

  isBlockedEither(a: string, b: string): Promise<boolean> {
    return this.#moderation.isBlockedEither(a, b);
  }

  // ---- invitations

  addInvitation(invitation: StoredInvitation): Promise<void> {
    return this.#invitations.addInvitation(invitation);
  }

  getInvitation(room: string, user: string): Promise<StoredInvitation | null> {
    return this.#invitations.getInvitation(room, user);
  }

  listInvitations(user: string, limit: number): Promise<StoredInvitation[]> {
    return this.#invitations.listInvitations(user, limit);
  }

  acceptInvitation(room: string, user: string, now: number): Promise<StoredMember & WithSystemMessage> {
    return this.#invitations.acceptInvitation(room, user, now);
  }

  removeInvitation(room: string, user: string): Promise<boolean> {
    return this.#invitations.removeInvitation(room, user);
  }

  // ---- sessions

  revokeSessions(user: string, before: number): Promise<void> {
    return this.#sessions.revokeSessions(user, before);
  }

  sessionsRevokedBefore(user: string): Promise<number | null> {
    return this.#sessions.sessionsRevokedBefore(user);
  }

  // ---- messages

  appendMessage(input: AppendMessageInput): Promise<AppendResult> {
    return this.#messages.appendMessage(input);
  }

  changeMessage(messageId: string, user: string, clientId: string, change: MessageChange, now: number): Promise<ChangeResult> {
    return this.#messages.changeMessage(messageId, user, clientId, change, now);
  }

  clientOperation(user: string, clientId: string): Promise<ClientOperation | null> {
    return this.#messages.clientOperation(user, clientId);
  }

  getMessage(id: string): Promise<Message | null> {
    return this.#messages.getMessage(id);
  }

  history(room: string, before: number | null, limit: number): Promise<{ messages: Message[]; hasMore: boolean }> {
    return this.#messages.history(room, before, limit);
  }

  thread(parentId: string, after: number, limit: number): Promise<{ replies: Message[]; hasMore: boolean }> {
    return this.#messages.thread(parentId, after, limit);
  }

  changesSince(room: string, sinceRev: number, limit: number): Promise<{ messages: Message[]; more: boolean }> {
    return this.#messages.changesSince(room, sinceRev, limit);
  }

  edits(messageId: string): Promise<MessageEdit[]> {
    return this.#messages.edits(messageId);
  }

  // ---- search

  search(user: string, query: string, room: string | null, limit: number, options?: SearchOptions): Promise<Message[]> {
    return this.#search.search(user, query, room, limit, options);
  }

  // ---- receipts and unread counts

  setReceipt(room: string, user: string, delivered: number | null, read: number | null): Promise<ReceiptResult> {
    return this.#receipts.setReceipt(room, user, delivered, read);
  }

  unreadCount(room: string, user: string): Promise<number> {
    return this.#receipts.unreadCount(room, user);
  }

  unreadTotal(user: string): Promise<number> {
    return this.#receipts.unreadTotal(user);
  }

  // ---- attachments and the erasure of their bytes

  createAttachment(attachment: StoredAttachment): Promise<void> {
    return this.#attachments.createAttachment(attachment);
  }

  getAttachment(id: string): Promise<StoredAttachment | null> {
    return this.#attachments.getAttachment(id);
  }

  pendingUploads(user: string): Promise<PendingUploads> {
    return this.#attachments.pendingUploads(user);
  }

  expireUploads(before: number, limit: number): Promise<string[]> {
    return this.#attachments.expireUploads(before, limit);
  }

  pendingBlobErasures(limit: number): Promise<string[]> {
    return this.#attachments.pendingBlobErasures(limit);
  }

  completeBlobErasures(blobKeys: string[]): Promise<void> {
    return this.#attachments.completeBlobErasures(blobKeys);
  }

  // ---- retention

  applyRetention(now: number): Promise<RetentionResult[]> {
    return this.#retention.applyRetention(now);
  }

  // ---- workspace documents

  loadWorkspace(room: string): Promise<StoredWorkspace> {
    return this.#workspaces.loadWorkspace(room);
  }

  appendWorkspaceUpdate(room: string, update: Uint8Array, now: number): Promise<number> {
    return this.#workspaces.appendWorkspaceUpdate(room, update, now);
  }

  compactWorkspace(room: string, snapshot: Uint8Array, throughId: number, now: number): Promise<boolean> {
    return this.#workspaces.compactWorkspace(room, snapshot, throughId, now);
  }
  // ---- the webhook outbox

  configureWebhooks(settings: WebhookSettings): Promise<void> {
    return this.#webhooks.configureWebhooks(settings);
  }

  promoteUnreadChecks(now: number, limit: number): Promise<number> {
    return this.#webhooks.promoteUnreadChecks(now, limit);
  }

  claimWebhookDeliveries(now: number, leaseMs: number, limit: number): Promise<ClaimedWebhookDelivery[]> {
    return this.#webhooks.claimWebhookDeliveries(now, leaseMs, limit);
  }

  completeWebhookDelivery(eventSeq: number, url: string): Promise<void> {
    return this.#webhooks.completeWebhookDelivery(eventSeq, url);
  }

  retryWebhookDelivery(eventSeq: number, url: string, attempts: number, nextAttemptAt: number): Promise<void> {
    return this.#webhooks.retryWebhookDelivery(eventSeq, url, attempts, nextAttemptAt);
  }

  killWebhookDelivery(eventSeq: number, url: string, now: number): Promise<void> {
    return this.#webhooks.killWebhookDelivery(eventSeq, url, now);
  }

  pruneDeadWebhookDeliveries(before: number, limit: number): Promise<number> {
    return this.#webhooks.pruneDeadWebhookDeliveries(before, limit);
  }

  webhookQueueDepth(): Promise<number> {
    return this.#webhooks.webhookQueueDepth();
  }

}

/** Creates (but does not open) a SQLite store. */
export function createSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  return new SqliteStorage(options);
}
