/**
 * `Storage` on PostgreSQL, for several server nodes sharing one database.
 *
 * The same guarantees as the SQLite store: a write resolves only after its
 * transaction committed (`synchronous_commit` as the server is configured,
 * `on` by default); idempotency keys are the primary key of `client_ops`
 * (user, client id); each room's seq and rev are taken from its counter row
 * under a row lock inside the committing transaction, so there are no gaps and
 * no races between nodes. Writes go through one writer connection per node in
 * ordered group commits (`write-queue.ts`); reads use the rest of the pool
 * (`database.ts`).
 *
 * This class only composes the stores of each concern (`users.ts`,
 * `rooms.ts`, `messages.ts`…), which have their SQLite counterparts of the
 * same names.
 */
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
import { PostgresAttachments } from './attachments.js';
import { PostgresDatabase, type PostgresStorageOptions } from './database.js';
import { PostgresInvitations } from './invitations.js';
import { PostgresMembers } from './members.js';
import { PostgresMessages } from './messages.js';
import { PostgresModeration } from './moderation.js';
import { PostgresReceipts } from './receipts.js';
import { PostgresRetention } from './retention.js';
import { PostgresRooms } from './rooms.js';
import { PostgresSearch } from './search.js';
import { PostgresSessions } from './sessions.js';
import { PostgresUsers } from './users.js';
import { PostgresWebhooks } from './webhooks.js';
import { PostgresWorkspaces } from './workspaces.js';

export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS, type PostgresStorageOptions } from './database.js';

/** PostgreSQL implementation of `Storage` on node-postgres. */
export class PostgresStorage implements Storage {
  readonly #db: PostgresDatabase;
  readonly #users: PostgresUsers;
  readonly #rooms: PostgresRooms;
  readonly #members: PostgresMembers;
  readonly #moderation: PostgresModeration;
  readonly #invitations: PostgresInvitations;
  readonly #sessions: PostgresSessions;
  readonly #messages: PostgresMessages;
  readonly #search: PostgresSearch;
  readonly #receipts: PostgresReceipts;
  readonly #attachments: PostgresAttachments;
  readonly #retention: PostgresRetention;
  readonly #workspaces: PostgresWorkspaces;
  readonly #webhooks: PostgresWebhooks;

  /** Remembers the settings; nothing connects before `open()`. */
  constructor(options: PostgresStorageOptions) {
    const db = new PostgresDatabase(options);
    this.#db = db;
    this.#users = new PostgresUsers(db);
    this.#rooms = new PostgresRooms(db);
    this.#members = new PostgresMembers(db);
    this.#moderation = new PostgresModeration(db);
    this.#invitations = new PostgresInvitations(db);
    this.#sessions = new PostgresSessions(db);
    this.#messages = new PostgresMessages(db);
    this.#search = new PostgresSearch(db);
    this.#receipts = new PostgresReceipts(db);
    this.#attachments = new PostgresAttachments(db);
    this.#retention = new PostgresRetention(db);
    this.#workspaces = new PostgresWorkspaces(db);
    this.#webhooks = new PostgresWebhooks(db);
  }

  open(): Promise<void> {
    return this.#db.open();
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  /** Resolves once the database answers a query (bounded by the connect and query timeouts). */
  async ping(): Promise<void> {
    await this.#db.reader().query('SELECT 1');
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

/** Creates (but does not open) a PostgreSQL store. */
export function createPostgresStorage(options: PostgresStorageOptions): PostgresStorage {
  return new PostgresStorage(options);
}
