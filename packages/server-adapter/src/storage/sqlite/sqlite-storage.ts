/**
 * The embedded `Storage`: one SQLite file in WAL mode with `synchronous=FULL`,
 * so a resolved write survives a crash or power loss. Writes go through a
 * group-commit queue (see `write-queue.ts`); reads run directly.
 *
 * Deleted content leaves the file: `secure_delete` zeroes freed space, the
 * full-text index removes a deleted message's words at once, and shortly
 * after a delete (a retention purge, a workspace compaction) a TRUNCATE
 * checkpoint moves the zeroed pages into the database file and empties the
 * WAL, which still held the old pages.
 * With an encryption key the file is SQLCipher (`open-database.ts`).
 */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Message, MessageEdit, Retention, Role, UserInfo } from '@parley/sdk/protocol';
import { EncryptionKey } from '../../encryption/key.js';
import { StorageError } from '../errors.js';
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
  Storage,
  StoredAttachment,
  StoredInvitation,
  StoredMember,
  StoredRoom,
  StoredWorkspace,
  SystemMessageInput,
  WithSystemMessage,
} from '../storage.js';
import { MessageReader } from './message-reader.js';
import { appendSystemMessage, appendUserMessage, changeMessage, indexNewMessages } from './message-writes.js';
import { ERASING_VERSION, migrate } from './migrations.js';
import { openDatabase } from './open-database.js';
import { registerSearchTerms, toFtsQuery } from './fts-query.js';
import { DEFAULT_SEARCH_TIMEOUT_MS, searchRooms } from '../shared/search-plan.js';
import type { SearchOptions } from '../storage.js';
import {
  toStoredAttachment,
  toStoredInvitation,
  toStoredMember,
  toStoredRoom,
  toUserRoom,
} from '../shared/rows.js';
import { asConflict, asNotFound, isConstraint, isFtsError, mustGet } from './sql-errors.js';
import { prepareStatements, type Statements } from './statements.js';
import { WriteQueue } from './write-queue.js';
import * as workspaces from './workspace-store.js';
import type { WorkspaceStatements } from './workspace-store.js';

/** Where the database lives (an explicit file, or `parley.db` inside a data directory), and how it is kept. */
export type SqliteStorageOptions = ({ file: string } | { dataDir: string }) & {
  /**
   * Encrypts the whole file (SQLCipher 4) with a key derived from this one:
   * 32 bytes, or 64 hex digits or base64 of them. Needs the optional package
   * `better-sqlite3-multiple-ciphers`.
   */
  encryptionKey?: EncryptionKey | string | Uint8Array;
  /**
   * How long after an erasure (a delete, a retention purge, a workspace
   * compaction) the WAL is checkpointed and truncated, which takes the old
   * pages out of it (ms). Erasures within this window share one checkpoint.
   * Default 1000; 0 checkpoints at the next turn of the event loop.
   */
  erasureCheckpointMs?: number;
};

/** File name used inside a data directory. */
export const SQLITE_FILE_NAME = 'parley.db';

/** Default of {@link SqliteStorageOptions.erasureCheckpointMs}. */
export const DEFAULT_ERASURE_CHECKPOINT_MS = 1_000;

/** A checkpoint that another process's reader blocks is retried this many times, then left to the next delete. */
const CHECKPOINT_RETRIES = 10;

/**
 * Messages deleted per retention transaction, so a large purge never holds
 * the write lock (and the event loop) for long: erasing a message's words
 * from the search index makes each about 0.3 ms.
 */
const PURGE_BATCH = 250;

/**
 * Rooms named in one full-text query. Each costs a term look-up per word, so
 * a user in thousands of rooms runs several queries, with the time bound
 * checked between them (a synchronous query cannot be interrupted).
 */
const ROOMS_PER_SEARCH_QUERY = 100;

interface OpenState {
  db: Database.Database;
  s: Statements;
  w: WorkspaceStatements;
  reader: MessageReader;
  queue: WriteQueue;
  /** Set when a write may have added messages the full-text index has not seen. */
  indexDirty: boolean;
  /** The pending erasure checkpoint, if one is scheduled. */
  checkpointTimer: NodeJS.Timeout | null;
  checkpointRetries: number;
}

/** SQLite implementation of `Storage` on better-sqlite3. */
export class SqliteStorage implements Storage {
  /** Path of the database file. */
  readonly file: string;
  /** Whether the file is encrypted. */
  readonly encrypted: boolean;
  readonly #key: EncryptionKey | null;
  readonly #checkpointMs: number;
  #state: OpenState | null = null;
  #opening: Promise<void> | null = null;

  /**
   * Remembers where the database lives; nothing touches the disk before
   * `open()`. Throws `EncryptionError` for a malformed or weak key.
   */
  constructor(options: SqliteStorageOptions) {
    this.file = 'file' in options ? options.file : join(options.dataDir, SQLITE_FILE_NAME);
    this.#key = options.encryptionKey === undefined ? null : EncryptionKey.from(options.encryptionKey);
    this.encrypted = this.#key !== null;
    this.#checkpointMs = Math.max(0, options.erasureCheckpointMs ?? DEFAULT_ERASURE_CHECKPOINT_MS);
  }

  /**
   * Opens (creating the file owner-only when missing) and migrates. Throws
   * `EncryptionError`: `wrong_key` when the key does not fit the file,
   * `cipher_unavailable` without the cipher package.
   */
  open(): Promise<void> {
    if (this.#state) return Promise.resolve();
    this.#opening ??= this.#openFile().finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }

  async #openFile(): Promise<void> {
    const db = await openDatabase(this.file, this.#key);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('temp_store = MEMORY');
      // Zero freed space (deleted rows, cleared text, pages overflowing long messages).
      db.pragma('secure_delete = ON');
      // Before migrating: the full-text triggers call it.
      registerSearchTerms(db);
      const before = migrate(db);
      const s = prepareStatements(db);
      db.transaction(() => indexNewMessages(s))();
      // Space freed before deletes zeroed it may still hold deleted text: rewrite the file once.
      if (before > 0 && before < ERASING_VERSION) scrub(db);
      const state: OpenState = {
        db,
        s,
        w: workspaces.prepareWorkspaceStatements(db),
        reader: new MessageReader(s),
        queue: new WriteQueue(s, () => db.inTransaction, {
          beforeCommit: () => {
            if (!state.indexDirty) return;
            state.indexDirty = false;
            indexNewMessages(s);
          },
        }),
        indexDirty: false,
        checkpointTimer: null,
        checkpointRetries: 0,
      };
      this.#state = state;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const state = this.#state;
    if (!state) return;
    state.queue.flush();
    if (state.checkpointTimer) clearTimeout(state.checkpointTimer);
    this.#state = null;
    // The last connection's close checkpoints and deletes the WAL.
    state.db.close();
  }

  /**
   * Copies every committed page into the database file and truncates the
   * WAL to zero bytes. Runs by itself shortly after erasures; resolves false
   * when another process's reader kept it from finishing.
   */
  async checkpoint(): Promise<boolean> {
    return checkpointTruncate(this.#open().db);
  }

  // ---- users

  async upsertUser(user: UserInfo): Promise<void> {
    const { s } = this.#open();
    // Called on every connection: skip the write (and its fsync) when nothing changed.
    if (s.getUserName.get(user.id) === user.name) return;
    await this.#write((st) => st.upsertUser.run(user.id, user.name));
  }

  async getUsers(ids: string[]): Promise<UserInfo[]> {
    const { s } = this.#open();
    if (ids.length === 0) return [];
    const names = new Map<string, string>();
    for (const row of s.getUsers.all(JSON.stringify(ids))) names.set(row.id, row.name);
    const users: UserInfo[] = [];
    for (const id of new Set(ids)) {
      const name = names.get(id);
      if (name !== undefined) users.push({ id, name });
    }
    return users;
  }

  // ---- rooms

  async createRoom(input: CreateRoomInput): Promise<StoredRoom> {
    return this.#write((s) => {
      try {
        s.insertRoom.run({
          id: input.id,
          kind: input.kind,
          name: input.name,
          nameFold: fold(input.name),
          topic: input.topic,
          now: input.now,
          createdBy: input.createdBy,
          directKey: input.directKey,
        });
      } catch (error) {
        throw asConflict(error, `room ${input.id} or its direct key already exists`);
      }
      const created = appendSystemMessage(s, input.id, { event: 'created', actor: input.createdBy }, input.now);
      for (const member of input.members) {
        try {
          s.insertMember.run(input.id, member.user, member.role, input.now, created.seq, created.seq);
        } catch (error) {
          throw asConflict(error, `user ${member.user} is listed twice`);
        }
      }
      s.addMemberCount.run(input.members.length, input.id);
      return toStoredRoom(mustGet(s.getRoom.get(input.id)));
    });
  }

  async getRoom(id: string): Promise<StoredRoom | null> {
    const row = this.#open().s.getRoom.get(id);
    return row ? toStoredRoom(row) : null;
  }

  async findDirectRoom(directKey: string): Promise<StoredRoom | null> {
    const row = this.#open().s.findDirectRoom.get(directKey);
    return row ? toStoredRoom(row) : null;
  }

  async updateRoom(
    id: string,
    patch: { name?: string; topic?: string; retention?: Retention },
    actor: string,
    now: number,
  ): Promise<StoredRoom & WithSystemMessage> {
    return this.#write((s) => {
      const row = s.getRoom.get(id);
      if (!row) throw new StorageError('not_found', `room ${id} not found`);
      const name = patch.name ?? row.name;
      const retention = patch.retention ?? {
        maxAgeMs: row.retention_max_age_ms,
        maxMessages: row.retention_max_messages,
      };
      s.updateRoomMeta.run(name, fold(name), patch.topic ?? row.topic, retention.maxAgeMs, retention.maxMessages, id);
      const systemMessage =
        name !== row.name ? appendSystemMessage(s, id, { event: 'renamed', actor, name }, now) : null;
      return { ...toStoredRoom(mustGet(s.getRoom.get(id))), systemMessage };
    });
  }

  async listUserRooms(user: string): Promise<Array<{ room: StoredRoom; member: StoredMember }>> {
    return this.#open()
      .s.listUserRooms.all(user)
      .map((row) => toUserRoom(row, user));
  }

  async discoverRooms(query: string, limit: number): Promise<StoredRoom[]> {
    return this.#open().s.discoverRooms.all(fold(query), pageSize(limit)).map(toStoredRoom);
  }

  // ---- members

  async getMember(room: string, user: string): Promise<StoredMember | null> {
    const row = this.#open().s.getMember.get(room, user);
    return row ? toStoredMember(row) : null;
  }

  async listMembers(room: string): Promise<StoredMember[]> {
    return this.#open().s.listMembers.all(room).map(toStoredMember);
  }

  async listContacts(user: string, maxRoomMembers = Number.MAX_SAFE_INTEGER): Promise<string[]> {
    return this.#open().s.listContacts.all({ user, max: maxRoomMembers });
  }

  async visiblePeers(user: string, candidates: readonly string[]): Promise<string[]> {
    if (candidates.length === 0) return [];
    return this.#open().s.visiblePeers.all({ user, candidates: JSON.stringify(candidates) });
  }

  async addMember(
    room: string,
    user: string,
    role: Role,
    now: number,
    system: SystemMessageInput | null,
  ): Promise<StoredMember & WithSystemMessage> {
    return this.#write((s) => insertMember(s, room, user, role, now, system));
  }

  // ---- invitations

  async addInvitation(invitation: StoredInvitation): Promise<void> {
    const { room, user, inviter, role, invitedAt } = invitation;
    await this.#write((s) => {
      if (!s.getRoom.get(room)) throw new StorageError('not_found', `room ${room} not found`);
      if (s.getMember.get(room, user)) throw new StorageError('conflict', `${user} is already a member of ${room}`);
      if (s.getInvitation.get(room, user)) throw new StorageError('conflict', `${user} is already invited to ${room}`);
      s.insertInvitation.run(room, user, inviter, role, invitedAt);
    });
  }

  async getInvitation(room: string, user: string): Promise<StoredInvitation | null> {
    const row = this.#open().s.getInvitation.get(room, user);
    return row ? toStoredInvitation(row) : null;
  }

  async listInvitations(user: string, limit: number): Promise<StoredInvitation[]> {
    return this.#open().s.listInvitations.all(user, limit).map(toStoredInvitation);
  }

  async acceptInvitation(room: string, user: string, now: number): Promise<StoredMember & WithSystemMessage> {
    return this.#write((s) => {
      const invitation = s.getInvitation.get(room, user);
      if (!invitation) throw new StorageError('not_found', `no invitation to ${room} for ${user}`);
      s.deleteInvitation.run(room, user);
      return insertMember(s, room, user, invitation.role, now, { event: 'joined', actor: user });
    });
  }

  async removeInvitation(room: string, user: string): Promise<boolean> {
    return this.#write((s) => s.deleteInvitation.run(room, user).changes > 0);
  }

  async removeMember(
    room: string,
    user: string,
    now: number,
    system: SystemMessageInput | null,
  ): Promise<WithSystemMessage> {
    return this.#write((s) => {
      if (s.deleteMember.run(room, user).changes === 0) {
        throw new StorageError('not_found', `${user} is not a member of ${room}`);
      }
      s.addMemberCount.run(-1, room);
      return { systemMessage: system ? appendSystemMessage(s, room, system, now) : null };
    });
  }

  async updateMember(
    room: string,
    user: string,
    patch: { role?: Role; mutedUntil?: number | null },
  ): Promise<StoredMember> {
    return this.#write((s) => {
      const row = s.getMember.get(room, user);
      if (!row) throw new StorageError('not_found', `${user} is not a member of ${room}`);
      const mutedUntil = patch.mutedUntil !== undefined ? patch.mutedUntil : row.muted_until;
      s.updateMember.run(patch.role ?? row.role, mutedUntil, room, user);
      return toStoredMember(mustGet(s.getMember.get(room, user)));
    });
  }

  // ---- bans and blocks

  async setBan(room: string, user: string, banned: boolean, by: string, now: number): Promise<void> {
    await this.#write((s) => {
      if (!banned) return s.deleteBan.run(room, user);
      try {
        return s.insertBan.run(room, user, by, now);
      } catch (error) {
        throw asNotFound(error, `room ${room} not found`);
      }
    });
  }

  async isBanned(room: string, user: string): Promise<boolean> {
    return this.#open().s.isBanned.get(room, user) === 1;
  }

  async setBlock(user: string, target: string, blocked: boolean, now: number): Promise<void> {
    await this.#write((s) => (blocked ? s.insertBlock.run(user, target, now) : s.deleteBlock.run(user, target)));
  }

  async isBlockedEither(a: string, b: string): Promise<boolean> {
    return this.#open().s.isBlockedEither.get({ a, b }) === 1;
  }

  // ---- sessions

  async revokeSessions(user: string, before: number): Promise<void> {
    await this.#write((s) => s.revokeSessions.run(user, before));
  }

  async sessionsRevokedBefore(user: string): Promise<number | null> {
    return this.#open().s.sessionsRevokedBefore.get(user) ?? null;
  }

  // ---- messages

  async appendMessage(input: AppendMessageInput): Promise<AppendResult> {
    const state = this.#open();
    return state.queue.run(() => {
      state.indexDirty = true;
      return appendUserMessage(state.s, state.reader, input);
    });
  }

  async changeMessage(
    messageId: string,
    user: string,
    clientId: string,
    change: MessageChange,
    now: number,
  ): Promise<ChangeResult> {
    const { reader } = this.#open();
    const result = await this.#write((s) => changeMessage(s, reader, messageId, user, clientId, change, now));
    if (change.kind === 'delete' && !result.duplicate) this.#scheduleCheckpoint();
    return result;
  }

  async clientOperation(user: string, clientId: string): Promise<ClientOperation | null> {
    const row = this.#open().s.getClientOp.get(user, clientId);
    return row ? { op: row.op as ClientOperation['op'], messageId: row.message_id } : null;
  }

  async getMessage(id: string): Promise<Message | null> {
    return this.#open().reader.byId(id);
  }

  async history(
    room: string,
    before: number | null,
    limit: number,
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    const { s, reader } = this.#open();
    const size = pageSize(limit);
    const rows = s.history.all(room, before ?? Number.MAX_SAFE_INTEGER, size + 1);
    const hasMore = trimPage(rows, size);
    rows.reverse();
    return { messages: reader.many(rows), hasMore };
  }

  async thread(parentId: string, after: number, limit: number): Promise<{ replies: Message[]; hasMore: boolean }> {
    const { s, reader } = this.#open();
    const size = pageSize(limit);
    const rows = s.thread.all(parentId, after, size + 1);
    const hasMore = trimPage(rows, size);
    return { replies: reader.many(rows), hasMore };
  }

  async changesSince(room: string, sinceRev: number, limit: number): Promise<{ messages: Message[]; more: boolean }> {
    const { s, reader } = this.#open();
    const size = pageSize(limit);
    const rows = s.changesSince.all(room, sinceRev, size + 1);
    const more = trimPage(rows, size);
    return { messages: reader.many(rows), more };
  }

  async edits(messageId: string): Promise<MessageEdit[]> {
    return this.#open()
      .s.listEdits.all(messageId)
      .map((row) => ({ text: row.text, replacedAt: row.replaced_at }));
  }

  async search(user: string, query: string, room: string | null, limit: number, options: SearchOptions = {}): Promise<Message[]> {
    const { s, reader } = this.#open();
    const rooms = room === null ? s.userRoomIds.all(user) : [room];
    const rows = await searchRooms(rooms, ROOMS_PER_SEARCH_QUERY, pageSize(limit), options.timeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS, (some) => {
      const match = toFtsQuery(query, some);
      if (match === null) return [];
      try {
        return s.search.all({ match, user, limit: pageSize(limit) });
      } catch (error) {
        // The query builder quotes every token, so this is a safety net: user
        // text must never turn into a server error.
        if (isFtsError(error)) return [];
        throw error;
      }
    });
    return reader.many(rows);
  }

  // ---- receipts and unread counts

  async setReceipt(
    room: string,
    user: string,
    delivered: number | null,
    read: number | null,
  ): Promise<ReceiptResult> {
    const { s } = this.#open();
    // Most receipts repeat what is already stored; those need no transaction.
    const preview = nextReceipt(s, room, user, delivered, read);
    if (!preview.changed) return preview;
    return this.#write((st) => {
      const result = nextReceipt(st, room, user, delivered, read);
      if (result.changed) st.setReceipt.run(result.readSeq, result.deliveredSeq, room, user);
      return result;
    });
  }

  async unreadCount(room: string, user: string): Promise<number> {
    return this.#open().s.unreadCount.get({ room, user }) ?? 0;
  }

  async unreadTotal(user: string): Promise<number> {
    return this.#open().s.unreadTotal.get({ user }) ?? 0;
  }

  // ---- attachments

  async createAttachment(attachment: StoredAttachment): Promise<void> {
    await this.#write((s) => {
      try {
        s.insertAttachment.run({
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
    const row = this.#open().s.getAttachment.get(id);
    return row ? toStoredAttachment(row) : null;
  }

  async pendingUploads(user: string): Promise<PendingUploads> {
    const row = mustGet(this.#open().s.pendingUploads.get(user));
    return { count: row.count, bytes: row.bytes, oldestAt: row.oldest_at };
  }

  async expireUploads(before: number, limit: number): Promise<string[]> {
    return this.#write((s) => s.expireUploads.all(before, pageSize(limit)));
  }

  // ---- retention

  async applyRetention(now: number): Promise<RetentionResult[]> {
    const { s } = this.#open();
    const changed: RetentionResult[] = [];
    for (const room of s.roomsWithRetention.all()) {
      // Retention removes a prefix of the room: everything up to `cutoff`.
      let cutoff = room.floor_seq;
      if (room.retention_max_messages !== null) {
        cutoff = Math.max(cutoff, room.last_seq - room.retention_max_messages);
      }
      if (room.retention_max_age_ms !== null) {
        const firstKept = s.firstSeqNotOlderThan.get(room.id, cutoff, now - room.retention_max_age_ms);
        cutoff = firstKept === undefined ? room.last_seq : Math.max(cutoff, firstKept - 1);
      }
      if (cutoff <= room.floor_seq) continue;
      let floor = room.floor_seq;
      const blobKeys: string[] = [];
      while (floor < cutoff) {
        const from = floor;
        const to = Math.min(cutoff, from + PURGE_BATCH);
        const keys = await this.#write((st) => {
          const purged = st.blobKeysInRange.all(room.id, from, to);
          st.purgeRange.run(room.id, from, to);
          st.raiseFloor.run(to, room.id, to);
          return purged;
        });
        blobKeys.push(...keys);
        floor = to;
      }
      changed.push({ room: room.id, floorSeq: floor, blobKeys });
    }
    if (changed.length > 0) this.#scheduleCheckpoint();
    return changed;
  }

  async pendingBlobErasures(limit: number): Promise<string[]> {
    return this.#open().s.pendingErasures.all(pageSize(limit));
  }

  async completeBlobErasures(blobKeys: string[]): Promise<void> {
    if (blobKeys.length === 0) return;
    await this.#write((s) => s.completeErasures.run(JSON.stringify(blobKeys)));
  }

  // ---- workspace documents

  async loadWorkspace(room: string): Promise<StoredWorkspace> {
    const { db, w } = this.#open();
    // One read transaction: a compaction committing in between must not hide updates.
    return db.transaction(() => workspaces.loadWorkspace(w, room))();
  }

  async appendWorkspaceUpdate(room: string, update: Uint8Array, now: number): Promise<number> {
    const { w } = this.#open();
    return this.#write(() => workspaces.appendWorkspaceUpdate(w, room, update, now));
  }

  async compactWorkspace(room: string, snapshot: Uint8Array, throughId: number, now: number): Promise<boolean> {
    const { w } = this.#open();
    const compacted = await this.#write(() => workspaces.compactWorkspace(w, room, snapshot, throughId, now));
    // The dropped log may hold text since deleted from the document (the snapshot has it collected).
    if (compacted) this.#scheduleCheckpoint();
    return compacted;
  }

  // ---- internals

  #open(): OpenState {
    if (!this.#state) throw new Error('SqliteStorage is not open');
    return this.#state;
  }

  #write<T>(work: (s: Statements) => T): Promise<T> {
    const { s, queue } = this.#open();
    return queue.run(() => work(s));
  }

  /** Schedules the checkpoint that takes erased pages out of the WAL; deletes in the window share it. */
  #scheduleCheckpoint(): void {
    const state = this.#state;
    if (!state || state.checkpointTimer) return;
    state.checkpointTimer = setTimeout(() => {
      state.checkpointTimer = null;
      if (this.#state !== state) return;
      let done = false;
      try {
        done = checkpointTruncate(state.db);
      } catch {
        // SQLITE_BUSY and the like: retried below.
      }
      if (done || ++state.checkpointRetries > CHECKPOINT_RETRIES) {
        state.checkpointRetries = 0;
        return;
      }
      this.#scheduleCheckpoint();
    }, this.#checkpointMs);
    state.checkpointTimer.unref();
  }
}

/** A TRUNCATE checkpoint; false when a reader of another process kept part of the WAL. */
function checkpointTruncate(db: Database.Database): boolean {
  const rows = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
  return rows[0]?.busy === 0;
}

/** Rewrites the whole file (VACUUM), then empties the WAL: no freed page keeps old content. */
function scrub(db: Database.Database): void {
  db.exec('VACUUM');
  checkpointTruncate(db);
}

/** Creates (but does not open) a SQLite store. */
export function createSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  return new SqliteStorage(options);
}
/** The user's markers after applying a receipt: forward only, clamped to the room's last seq. */
function nextReceipt(
  s: Statements,
  room: string,
  user: string,
  delivered: number | null,
  read: number | null,
): ReceiptResult {
  const state = s.receiptState.get(room, user);
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

/** Case folding used for room discovery (the same on both sides of the comparison). */
function fold(text: string): string {
  return text.toLowerCase();
}

/** A usable LIMIT: whole, at least 0. */
function pageSize(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/** Drops the look-ahead row of a `limit + 1` query; returns whether there was one. */
function trimPage<T>(rows: T[], size: number): boolean {
  if (rows.length <= size) return false;
  rows.length = size;
  return true;
}

/** Adds a member row (and its system message) inside a write transaction. */
function insertMember(
  s: Statements,
  room: string,
  user: string,
  role: Role,
  now: number,
  system: SystemMessageInput | null,
): StoredMember & WithSystemMessage {
  const roomRow = s.getRoom.get(room);
  if (!roomRow) throw new StorageError('not_found', `room ${room} not found`);
  if (s.getMember.get(room, user)) throw new StorageError('conflict', `${user} is already a member of ${room}`);
  const systemMessage = system ? appendSystemMessage(s, room, system, now) : null;
  // A newcomer starts with everything before their arrival marked as read.
  const seen = systemMessage ? systemMessage.seq : roomRow.last_seq;
  s.insertMember.run(room, user, role, now, seen, seen);
  s.addMemberCount.run(1, room);
  return { ...toStoredMember(mustGet(s.getMember.get(room, user))), systemMessage };
}
