/**
 * Every SQL statement the SQLite store runs, prepared once when it opens.
 * Lists of ids are bound as one JSON array and expanded with `json_each`, so
 * even batch look-ups use a single prepared statement.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { messageColumns, type MessageRow, type ReactionRow } from '../shared/message-rows.js';
import {
  ATTACHMENT_COLUMNS,
  MEMBER_COLUMNS,
  ROOM_COLUMNS,
  type AttachmentRow,
  type InvitationRow,
  type MemberRow,
  type RoomRow,
  type UserRoomRow,
} from '../shared/rows.js';

const MSG = messageColumns();
const MSG_M = messageColumns('m');
const ROOM_COLUMNS_R = ROOM_COLUMNS.split(',')
  .map((c) => `r.${c.trim()}`)
  .join(', ');

/** The part of a prepared statement the store uses, typed by its parameters and row. */
export interface Stmt<P extends unknown[], R> {
  run(...params: P): BetterSqlite3.RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

/** Prepares the statements of an open, migrated database. */
// The return type is inferred on purpose: it is the typed list of statements.
export function prepareStatements(db: BetterSqlite3.Database) {
  /** A statement returning rows (or nothing). */
  const q = <P extends unknown[], R = never>(sql: string): Stmt<P, R> => db.prepare<P, R>(sql);
  /** A statement returning the first column of each row. */
  const v = <P extends unknown[], R>(sql: string): Stmt<P, R> => db.prepare<P, R>(sql).pluck();

  return {
    // Write batches
    begin: q<[], never>('BEGIN IMMEDIATE'),
    commit: q<[], never>('COMMIT'),
    rollback: q<[], never>('ROLLBACK'),
    savepoint: q<[], never>('SAVEPOINT op'),
    release: q<[], never>('RELEASE op'),
    rollbackTo: q<[], never>('ROLLBACK TO op'),

    // Users
    getUserName: v<[id: string], string>('SELECT name FROM users WHERE id = ?'),
    upsertUser: q<[id: string, name: string], never>(
      `INSERT INTO users (id, name) VALUES (?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE name != excluded.name`,
    ),
    getUsers: q<[idsJson: string], { id: string; name: string }>(
      'SELECT id, name FROM users WHERE id IN (SELECT value FROM json_each(?))',
    ),

    // Rooms
    insertRoom: q<
      [
        {
          id: string;
          kind: string;
          name: string;
          nameFold: string;
          topic: string;
          now: number;
          createdBy: string;
          directKey: string | null;
        },
      ],
      never
    >(
      `INSERT INTO rooms (id, kind, name, name_fold, topic, created_at, created_by, direct_key, last_activity_at)
       VALUES (@id, @kind, @name, @nameFold, @topic, @now, @createdBy, @directKey, @now)`,
    ),
    getRoom: q<[id: string], RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE id = ?`),
    findDirectRoom: q<[directKey: string], RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE direct_key = ?`),
    updateRoomMeta: q<
      [
        name: string,
        nameFold: string,
        topic: string,
        maxAgeMs: number | null,
        maxMessages: number | null,
        id: string,
      ],
      never
    >(
      `UPDATE rooms SET name = ?, name_fold = ?, topic = ?, retention_max_age_ms = ?, retention_max_messages = ?
       WHERE id = ?`,
    ),
    discoverRooms: q<[fold: string, limit: number], RoomRow>(
      `SELECT ${ROOM_COLUMNS} FROM rooms
       WHERE kind = 'public' AND instr(name_fold, ?) > 0
       ORDER BY last_activity_at DESC LIMIT ?`,
    ),
    /** Takes the room's next seq and `revs` next revs (the message gets `rev - revs + 1`). */
    nextSeq: q<[revs: number, now: number, id: string], { last_seq: number; rev: number }>(
      `UPDATE rooms SET last_seq = last_seq + 1, rev = rev + ?, last_activity_at = max(last_activity_at, ?)
       WHERE id = ? RETURNING last_seq, rev`,
    ),
    nextRev: v<[id: string], number>('UPDATE rooms SET rev = rev + 1 WHERE id = ? RETURNING rev'),
    addMemberCount: q<[delta: number, id: string], never>(
      'UPDATE rooms SET member_count = member_count + ? WHERE id = ?',
    ),
    roomsWithRetention: q<
      [],
      {
        id: string;
        last_seq: number;
        floor_seq: number;
        retention_max_age_ms: number | null;
        retention_max_messages: number | null;
      }
    >(
      `SELECT id, last_seq, floor_seq, retention_max_age_ms, retention_max_messages FROM rooms
       WHERE retention_max_age_ms IS NOT NULL OR retention_max_messages IS NOT NULL`,
    ),
    raiseFloor: q<[floor: number, id: string, floorAgain: number], never>(
      'UPDATE rooms SET floor_seq = ? WHERE id = ? AND floor_seq < ?',
    ),

    // Members
    insertMember: q<
      [room: string, user: string, role: string, joinedAt: number, readSeq: number, deliveredSeq: number],
      never
    >(
      `INSERT INTO members (room_id, user_id, role, joined_at, read_seq, delivered_seq)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    getMember: q<[room: string, user: string], MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members m LEFT JOIN users u ON u.id = m.user_id
       WHERE m.room_id = ? AND m.user_id = ?`,
    ),
    listMembers: q<[room: string], MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members m LEFT JOIN users u ON u.id = m.user_id
       WHERE m.room_id = ? ORDER BY m.joined_at, m.user_id`,
    ),
    listUserRooms: q<[user: string], UserRoomRow>(
      `SELECT ${ROOM_COLUMNS_R}, COALESCE(u.name, m.user_id) AS member_name, m.role AS member_role,
         m.joined_at AS member_joined_at, m.read_seq AS member_read_seq,
         m.delivered_seq AS member_delivered_seq, m.muted_until AS member_muted_until
       FROM members m JOIN rooms r ON r.id = m.room_id LEFT JOIN users u ON u.id = m.user_id
       WHERE m.user_id = ? ORDER BY r.last_activity_at DESC`,
    ),
    listContacts: v<[{ user: string; max: number }], string>(
      `SELECT DISTINCT other.user_id FROM members mine
         JOIN rooms r ON r.id = mine.room_id AND r.member_count <= @max
         JOIN members other ON other.room_id = mine.room_id
       WHERE mine.user_id = @user AND other.user_id != @user`,
    ),
    visiblePeers: v<[{ user: string; candidates: string }], string>(
      `SELECT c.value FROM json_each(@candidates) c
       WHERE EXISTS (SELECT 1 FROM members mine JOIN members other ON other.room_id = mine.room_id
                     WHERE mine.user_id = @user AND other.user_id = c.value)
         AND NOT EXISTS (SELECT 1 FROM blocks b
                         WHERE (b.user_id = @user AND b.target_id = c.value) OR (b.user_id = c.value AND b.target_id = @user))`,
    ),
    deleteMember: q<[room: string, user: string], never>(
      'DELETE FROM members WHERE room_id = ? AND user_id = ?',
    ),
    updateMember: q<[role: string, mutedUntil: number | null, room: string, user: string], never>(
      'UPDATE members SET role = ?, muted_until = ? WHERE room_id = ? AND user_id = ?',
    ),
    receiptState: q<[room: string, user: string], { read_seq: number; delivered_seq: number; last_seq: number }>(
      `SELECT m.read_seq, m.delivered_seq, r.last_seq FROM members m JOIN rooms r ON r.id = m.room_id
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

    // Bans and blocks
    insertBan: q<[room: string, user: string, by: string, at: number], never>(
      'INSERT OR IGNORE INTO bans (room_id, user_id, banned_by, banned_at) VALUES (?, ?, ?, ?)',
    ),
    deleteBan: q<[room: string, user: string], never>('DELETE FROM bans WHERE room_id = ? AND user_id = ?'),
    isBanned: v<[room: string, user: string], number>(
      'SELECT EXISTS (SELECT 1 FROM bans WHERE room_id = ? AND user_id = ?)',
    ),
    insertBlock: q<[user: string, target: string, at: number], never>(
      'INSERT OR IGNORE INTO blocks (user_id, target_id, blocked_at) VALUES (?, ?, ?)',
    ),
    deleteBlock: q<[user: string, target: string], never>(
      'DELETE FROM blocks WHERE user_id = ? AND target_id = ?',
    ),
    isBlockedEither: v<[{ a: string; b: string }], number>(
      `SELECT EXISTS (SELECT 1 FROM blocks WHERE user_id = @a AND target_id = @b)
           OR EXISTS (SELECT 1 FROM blocks WHERE user_id = @b AND target_id = @a)`,
    ),

    // Invitations
    insertInvitation: q<[room: string, user: string, inviter: string, role: string, at: number], never>(
      'INSERT INTO invitations (room_id, user_id, inviter, role, invited_at) VALUES (?, ?, ?, ?, ?)',
    ),
    getInvitation: q<[room: string, user: string], InvitationRow>(
      'SELECT room_id, user_id, inviter, role, invited_at FROM invitations WHERE room_id = ? AND user_id = ?',
    ),
    listInvitations: q<[user: string, limit: number], InvitationRow>(
      'SELECT room_id, user_id, inviter, role, invited_at FROM invitations WHERE user_id = ? ORDER BY invited_at DESC LIMIT ?',
    ),
    deleteInvitation: q<[room: string, user: string], never>('DELETE FROM invitations WHERE room_id = ? AND user_id = ?'),

    // Session revocations
    revokeSessions: q<[user: string, before: number], never>(
      `INSERT INTO session_revocations (user_id, revoked_before) VALUES (?, ?)
       ON CONFLICT (user_id) DO UPDATE SET revoked_before = max(revoked_before, excluded.revoked_before)`,
    ),
    sessionsRevokedBefore: v<[user: string], number>('SELECT revoked_before FROM session_revocations WHERE user_id = ?'),

    // Messages
    insertMessage: q<
      [
        {
          id: string;
          room: string;
          seq: number;
          rev: number;
          sender: string;
          clientId: string | null;
          kind: 'user' | 'system';
          text: string;
          now: number;
          parentId: string | null;
          mentions: string | null;
          sysEvent: string | null;
          sysTarget: string | null;
          sysName: string | null;
          flagged: number;
          attachmentCount: number;
        },
      ],
      never
    >(
      `INSERT INTO messages (id, room_id, seq, rev, sender, client_id, kind, text, created_at, parent_id, mentions,
         sys_event, sys_target, sys_name, flagged, attachment_count)
       VALUES (@id, @room, @seq, @rev, @sender, @clientId, @kind, @text, @now, @parentId, @mentions,
         @sysEvent, @sysTarget, @sysName, @flagged, @attachmentCount)`,
    ),
    getMessage: q<[id: string], MessageRow>(`SELECT ${MSG} FROM messages WHERE id = ?`),
    history: q<[room: string, before: number, limit: number], MessageRow>(
      `SELECT ${MSG} FROM messages WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
    thread: q<[parentId: string, after: number, limit: number], MessageRow>(
      `SELECT ${MSG} FROM messages WHERE parent_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    changesSince: q<[room: string, sinceRev: number, limit: number], MessageRow>(
      `SELECT ${MSG} FROM messages WHERE room_id = ? AND rev > ? ORDER BY rev LIMIT ?`,
    ),
    // The MATCH names the user's rooms (their terms only); the membership
    // test drops rows of a room whose key collides with one of theirs.
    search: q<[{ match: string; user: string; limit: number }], MessageRow & { pk: number }>(
      `SELECT ${MSG_M}, m.pk AS pk FROM messages_fts f JOIN messages m ON m.pk = f.rowid
       WHERE messages_fts MATCH @match AND m.deleted_at IS NULL
         AND m.room_id IN (SELECT room_id FROM members WHERE user_id = @user)
       ORDER BY f.rowid DESC LIMIT @limit`,
    ),
    userRoomIds: v<[user: string], string>('SELECT room_id FROM members WHERE user_id = ?'),
    editMessage: q<[text: string, mentions: string | null, editedAt: number, rev: number, id: string], never>(
      'UPDATE messages SET text = ?, mentions = ?, edited_at = ?, rev = ? WHERE id = ?',
    ),
    softDeleteMessage: q<[deletedAt: number, rev: number, id: string], never>(
      `UPDATE messages SET text = '', mentions = NULL, deleted_at = ?, rev = ?, reaction_count = 0,
         attachment_count = 0
       WHERE id = ?`,
    ),
    setReactionChange: q<[rev: number, delta: number, id: string], never>(
      'UPDATE messages SET rev = ?, reaction_count = reaction_count + ? WHERE id = ?',
    ),
    addReply: q<[rev: number, id: string], MessageRow>(
      `UPDATE messages SET reply_count = reply_count + 1, rev = ? WHERE id = ? RETURNING ${MSG}`,
    ),

    // Edit history
    insertEdit: q<[messageId: string, text: string, replacedAt: number], never>(
      'INSERT INTO message_edits (message_id, text, replaced_at) VALUES (?, ?, ?)',
    ),
    listEdits: q<[messageId: string], { text: string; replaced_at: number }>(
      'SELECT text, replaced_at FROM message_edits WHERE message_id = ? ORDER BY rowid',
    ),
    deleteEdits: q<[messageId: string], never>('DELETE FROM message_edits WHERE message_id = ?'),

    // Reactions
    insertReaction: q<[messageId: string, user: string, emoji: string, at: number], never>(
      'INSERT OR IGNORE INTO reactions (message_id, user_id, emoji, created_at) VALUES (?, ?, ?, ?)',
    ),
    deleteReaction: q<[messageId: string, user: string, emoji: string], never>(
      'DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?',
    ),
    deleteReactions: q<[messageId: string], never>('DELETE FROM reactions WHERE message_id = ?'),
    reactionsOf: q<[messageId: string], ReactionRow>(
      'SELECT message_id, user_id, emoji FROM reactions WHERE message_id = ? ORDER BY rowid',
    ),
    reactionsOfMany: q<[idsJson: string], ReactionRow>(
      `SELECT message_id, user_id, emoji FROM reactions
       WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY rowid`,
    ),

    // Attachments
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
    bindAttachment: q<[messageId: string, position: number, id: string, room: string, uploader: string], never>(
      `UPDATE attachments SET message_id = ?, position = ?
       WHERE id = ? AND room_id = ? AND uploader = ? AND message_id IS NULL`,
    ),
    attachmentsOf: q<[messageId: string], AttachmentRow>(
      `SELECT ${ATTACHMENT_COLUMNS} FROM attachments WHERE message_id = ? ORDER BY position`,
    ),
    /** Erases a message's attachments; a trigger queues their bytes in blob_erasures. */
    deleteAttachmentsOf: q<[messageId: string], never>('DELETE FROM attachments WHERE message_id = ?'),
    pendingErasures: v<[limit: number], string>('SELECT blob_key FROM blob_erasures ORDER BY blob_key LIMIT ?'),
    completeErasures: q<[keysJson: string], never>(
      'DELETE FROM blob_erasures WHERE blob_key IN (SELECT value FROM json_each(?))',
    ),
    attachmentsOfMany: q<[idsJson: string], AttachmentRow>(
      `SELECT ${ATTACHMENT_COLUMNS} FROM attachments
       WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, position`,
    ),

    // Idempotency keys
    getClientOp: q<[user: string, clientId: string], { op: string; message_id: string }>(
      'SELECT op, message_id FROM client_ops WHERE user_id = ? AND client_id = ?',
    ),
    insertClientOp: q<[user: string, clientId: string, op: string, messageId: string], never>(
      'INSERT INTO client_ops (user_id, client_id, op, message_id) VALUES (?, ?, ?, ?)',
    ),

    // Full-text indexing (see the migration for why it is deferred)
    ftsIndexedPk: v<[], number>('SELECT indexed_pk FROM fts_state WHERE id = 1'),
    maxMessagePk: v<[], number | null>('SELECT max(pk) FROM messages'),
    ftsIndexRange: q<[fromPk: number, toPk: number]>(
      `INSERT INTO messages_fts (rowid, terms)
       SELECT pk, parley_search_terms(room_id, text) FROM messages
       WHERE pk > ? AND pk <= ? AND kind = 'user' AND deleted_at IS NULL AND text != ''`,
    ),
    ftsSetIndexedPk: q<[pk: number]>('UPDATE fts_state SET indexed_pk = ? WHERE id = 1'),

    // Retention
    firstSeqNotOlderThan: v<[room: string, afterSeq: number, cutoff: number], number>(
      `SELECT seq FROM messages WHERE room_id = ? AND seq > ? AND created_at >= ? ORDER BY seq LIMIT 1`,
    ),
    blobKeysInRange: v<[room: string, fromSeq: number, toSeq: number], string>(
      `SELECT a.blob_key FROM messages m JOIN attachments a ON a.message_id = m.id
       WHERE m.room_id = ? AND m.seq > ? AND m.seq <= ?`,
    ),
    purgeRange: q<[room: string, fromSeq: number, toSeq: number], never>(
      'DELETE FROM messages WHERE room_id = ? AND seq > ? AND seq <= ?',
    ),
  };
}

/** The prepared statements of one open database. */
export type Statements = ReturnType<typeof prepareStatements>;
