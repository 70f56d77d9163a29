/**
 * Message reads and writes on PostgreSQL. Row shapes and their conversion to
 * protocol messages are shared with the SQLite store (`../sqlite/rows.ts`).
 * The write functions run on the writer connection inside a batch
 * transaction (see `pg-write-queue.ts`) and throw `StorageError` for expected
 * failures, which rolls back their savepoint.
 */
import { randomBytes } from 'node:crypto';
import type { Message } from '@parley/sdk/protocol';
import { StorageError } from '../errors.js';
import type { AppendMessageInput, AppendResult, ChangeResult, MessageChange, SystemMessageInput } from '../storage.js';
import {
  encodeMentions,
  groupAttachments,
  groupReactions,
  messageColumns,
  newSystemMessage,
  newUserMessageRow,
  toMessage,
  type AttachmentRow,
  type MessageRow,
  type ReactionRow,
} from '../shared/rows.js';
import { toSearchVector } from './search-terms.js';
import { isPgConstraint, type Queryable } from './pg-errors.js';

export const MSG = messageColumns();
export const MSG_M = messageColumns('m');
const ATTACHMENT_COLUMNS = 'id, room_id, uploader, name, type, size, created_at, message_id, blob_key';

/** Loads complete messages (reactions and attachments only for rows whose counters say so). */
export async function readMessages(db: Queryable, rows: readonly MessageRow[]): Promise<Message[]> {
  const withReactions = rows.filter((r) => r.reaction_count > 0).map((r) => r.id);
  const withAttachments = rows.filter((r) => r.attachment_count > 0).map((r) => r.id);
  const [reactions, attachments] = await Promise.all([
    withReactions.length === 0
      ? null
      : db
          .query<ReactionRow>(
            'SELECT message_id, user_id, emoji FROM reactions WHERE message_id = ANY($1::text[]) ORDER BY pk',
            [withReactions],
          )
          .then((r) => groupReactions(r.rows)),
    withAttachments.length === 0
      ? null
      : db
          .query<AttachmentRow>(
            `SELECT ${ATTACHMENT_COLUMNS} FROM attachments WHERE message_id = ANY($1::text[])
             ORDER BY message_id, position`,
            [withAttachments],
          )
          .then((r) => groupAttachments(r.rows)),
  ]);
  return rows.map((row) => toMessage(row, reactions?.get(row.id), attachments?.get(row.id)));
}

/** Loads one message by id, or null. */
export async function readMessage(db: Queryable, id: string): Promise<Message | null> {
  const { rows } = await db.query<MessageRow>(`SELECT ${MSG} FROM messages WHERE id = $1`, [id]);
  if (rows.length === 0) return null;
  return (await readMessages(db, rows))[0];
}

/** Takes the room's next seq and `revs` next revs; null when the room does not exist. */
async function nextSeq(
  db: Queryable,
  room: string,
  revs: number,
  now: number,
): Promise<{ last_seq: number; rev: number } | null> {
  const { rows } = await db.query<{ last_seq: number; rev: number }>(
    `UPDATE rooms SET last_seq = last_seq + 1, rev = rev + $1, last_activity_at = GREATEST(last_activity_at, $2)
     WHERE id = $3 RETURNING last_seq, rev`,
    [revs, now, room],
  );
  return rows[0] ?? null;
}

/** Takes the room's next rev. */
async function nextRev(db: Queryable, room: string): Promise<number> {
  const { rows } = await db.query<{ rev: number }>('UPDATE rooms SET rev = rev + 1 WHERE id = $1 RETURNING rev', [room]);
  return rows[0].rev;
}

const INSERT_MESSAGE = `INSERT INTO messages (id, room_id, seq, rev, sender, client_id, kind, text, created_at, parent_id,
    mentions, sys_event, sys_target, sys_name, flagged, attachment_count, search)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::tsvector)`;

/** Stores a system message with the room's next seq and rev. */
export async function appendSystemMessage(
  db: Queryable,
  room: string,
  system: SystemMessageInput,
  now: number,
): Promise<Message> {
  const next = await nextSeq(db, room, 1, now);
  if (!next) throw new StorageError('not_found', `room ${room} not found`);
  const id = `m_${randomBytes(16).toString('base64url')}`;
  const target = system.target ?? null;
  const name = system.name ?? null;
  await db.query(INSERT_MESSAGE, [
    id, room, next.last_seq, next.rev, system.actor, null, 'system', '', now, null,
    null, system.event, target, name, 0, 0, null,
  ]);
  return newSystemMessage(id, room, next.last_seq, next.rev, system, now);
}

/**
 * Claims the idempotency key, or returns the operation that already holds it.
 * `ON CONFLICT DO NOTHING` waits for a concurrent holder (on any node) to
 * commit or roll back, so two racing retries never both go ahead.
 */
async function claimClientOp(
  db: Queryable,
  user: string,
  clientId: string,
  op: string,
  messageId: string,
): Promise<{ op: string; message_id: string } | null> {
  const claimed = await db.query(
    `INSERT INTO client_ops (user_id, client_id, op, message_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, client_id) DO NOTHING`,
    [user, clientId, op, messageId],
  );
  if (claimed.rowCount === 1) return null;
  const { rows } = await db.query<{ op: string; message_id: string }>(
    'SELECT op, message_id FROM client_ops WHERE user_id = $1 AND client_id = $2',
    [user, clientId],
  );
  return rows[0];
}

/**
 * A plain send (no reply, no attachments) in one statement: claim the
 * idempotency key, take the room's next seq and rev, insert the message. One
 * round trip instead of four matters because a node's writer runs a batch's
 * sends one after another (docs/scaling.md, "Measured here").
 */
const APPEND_PLAIN = `WITH claim AS (
    INSERT INTO client_ops (user_id, client_id, op, message_id) VALUES ($1, $2, 'send', $3)
    ON CONFLICT (user_id, client_id) DO NOTHING
    RETURNING 1
  ), counter AS (
    UPDATE rooms SET last_seq = last_seq + 1, rev = rev + 1, last_activity_at = GREATEST(last_activity_at, $4)
    WHERE id = $5 AND EXISTS (SELECT 1 FROM claim)
    RETURNING last_seq, rev
  ), inserted AS (
    INSERT INTO messages (id, room_id, seq, rev, sender, client_id, kind, text, created_at, parent_id,
      mentions, sys_event, sys_target, sys_name, flagged, attachment_count, search)
    SELECT $3, $5, counter.last_seq, counter.rev, $1, $2, 'user', $6, $4, NULL, $7, NULL, NULL, NULL, $8, 0, $9::tsvector
    FROM counter
    RETURNING seq, rev
  )
  SELECT EXISTS (SELECT 1 FROM claim) AS claimed, (SELECT seq FROM inserted) AS seq, (SELECT rev FROM inserted) AS rev`;

/** Stores a user message (or finds the original of a retried send); see `Storage.appendMessage`. */
export async function appendUserMessage(db: Queryable, input: AppendMessageInput): Promise<AppendResult> {
  if (input.parentId === null && input.attachmentIds.length === 0) return appendPlainMessage(db, input);
  // The batch locked the room row already; take it again in case it did not (harmless when held).
  const room = await db.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [input.room]);
  const previous = await claimClientOp(db, input.sender, input.clientId, 'send', input.id);
  if (previous) {
    if (previous.op !== 'send') {
      throw new StorageError('conflict', `client id ${input.clientId} was used for a ${previous.op}`);
    }
    const original = await readMessage(db, previous.message_id);
    if (!original) {
      throw new StorageError('gone', `message ${previous.message_id} was sent and later removed by retention`);
    }
    return { message: original, duplicate: true, parent: null };
  }
  if (room.rowCount === 0) throw new StorageError('not_found', `room ${input.room} not found`);
  if (input.parentId !== null) {
    const parent = await db.query<{ room_id: string }>('SELECT room_id FROM messages WHERE id = $1', [input.parentId]);
    if (parent.rows[0]?.room_id !== input.room) {
      throw new StorageError('not_found', `parent message ${input.parentId} not found in ${input.room}`);
    }
  }
  // A reply takes two revs: its own, then the parent's (its reply count changes).
  const revs = input.parentId === null ? 1 : 2;
  const next = await nextSeq(db, input.room, revs, input.now);
  if (!next) throw new StorageError('not_found', `room ${input.room} not found`);
  const rev = next.rev - revs + 1;
  try {
    await db.query(INSERT_MESSAGE, [
      input.id, input.room, next.last_seq, rev, input.sender, input.clientId, 'user', input.text, input.now,
      input.parentId, encodeMentions(input.mentions), null, null, null, input.flagged ? 1 : 0,
      input.attachmentIds.length, toSearchVector(input.room, input.text),
    ]);
  } catch (error) {
    if (isPgConstraint(error, '23505')) throw new StorageError('conflict', `message id ${input.id} already exists`, { cause: error });
    throw error;
  }
  for (const [position, attachmentId] of input.attachmentIds.entries()) {
    const bound = await db.query(
      `UPDATE attachments SET message_id = $1, position = $2
       WHERE id = $3 AND room_id = $4 AND uploader = $5 AND message_id IS NULL`,
      [input.id, position, attachmentId, input.room, input.sender],
    );
    if (bound.rowCount === 1) continue;
    const exists = await db.query('SELECT 1 FROM attachments WHERE id = $1', [attachmentId]);
    if (exists.rowCount === 0) throw new StorageError('not_found', `attachment ${attachmentId} not found`);
    throw new StorageError('conflict', `attachment ${attachmentId} is already used or not uploaded here`);
  }
  let parent: Message | null = null;
  if (input.parentId !== null) {
    const { rows } = await db.query<MessageRow>(
      `UPDATE messages SET reply_count = reply_count + 1, rev = $1 WHERE id = $2 RETURNING ${MSG}`,
      [next.rev, input.parentId],
    );
    parent = (await readMessages(db, rows))[0] ?? null;
  }
  const row = newUserMessageRow(input, next.last_seq, rev);
  const [message] = await readMessages(db, [row]);
  message.mentions = [...input.mentions];
  return { message, duplicate: false, parent };
}

/** {@link appendUserMessage} for a send without parent or attachments, in one statement ({@link APPEND_PLAIN}). */
async function appendPlainMessage(db: Queryable, input: AppendMessageInput): Promise<AppendResult> {
  let result: { claimed: boolean; seq: number | null; rev: number | null };
  try {
    const { rows } = await db.query<{ claimed: boolean; seq: number | null; rev: number | null }>(APPEND_PLAIN, [
      input.sender, input.clientId, input.id, input.now, input.room, input.text, encodeMentions(input.mentions),
      input.flagged ? 1 : 0, toSearchVector(input.room, input.text),
    ]);
    result = rows[0];
  } catch (error) {
    if (isPgConstraint(error, '23505')) throw new StorageError('conflict', `message id ${input.id} already exists`, { cause: error });
    throw error;
  }
  if (!result.claimed) {
    const { rows } = await db.query<{ op: string; message_id: string }>(
      'SELECT op, message_id FROM client_ops WHERE user_id = $1 AND client_id = $2',
      [input.sender, input.clientId],
    );
    const previous = rows[0];
    if (previous.op !== 'send') throw new StorageError('conflict', `client id ${input.clientId} was used for a ${previous.op}`);
    const original = await readMessage(db, previous.message_id);
    if (!original) throw new StorageError('gone', `message ${previous.message_id} was sent and later removed by retention`);
    return { message: original, duplicate: true, parent: null };
  }
  // Claimed but no counter row: the room does not exist (the savepoint takes the claim back).
  if (result.seq === null || result.rev === null) throw new StorageError('not_found', `room ${input.room} not found`);
  const [message] = await readMessages(db, [newUserMessageRow(input, result.seq, result.rev)]);
  message.mentions = [...input.mentions];
  return { message, duplicate: false, parent: null };
}

/** Edits, deletes or reacts to a message, idempotently by (user, clientId); see `Storage.changeMessage`. */
export async function changeMessage(
  db: Queryable,
  messageId: string,
  user: string,
  clientId: string,
  change: MessageChange,
  now: number,
): Promise<ChangeResult> {
  const located = await db.query<{ room_id: string }>('SELECT room_id FROM messages WHERE id = $1', [messageId]);
  // Serialize with every other write to the room before claiming the key.
  if (located.rows[0]) await db.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [located.rows[0].room_id]);
  const previous = await claimClientOp(db, user, clientId, change.kind, messageId);
  if (previous) {
    if (previous.op !== change.kind || previous.message_id !== messageId) {
      throw new StorageError('conflict', `client id ${clientId} was used for another operation`);
    }
    const current = await readMessage(db, messageId);
    if (!current) throw new StorageError('gone', `message ${messageId} was removed by retention`);
    return { message: current, duplicate: true };
  }
  const { rows } = await db.query<MessageRow>(`SELECT ${MSG} FROM messages WHERE id = $1`, [messageId]);
  const row = rows[0];
  if (!row) throw new StorageError('not_found', `message ${messageId} not found`);
  if (row.kind === 'system') throw new StorageError('conflict', 'system messages cannot be changed');
  const deleted = row.deleted_at !== null;
  if (deleted && change.kind !== 'delete') throw new StorageError('conflict', `message ${messageId} is deleted`);
  switch (change.kind) {
    case 'edit': {
      const rev = await nextRev(db, row.room_id);
      await db.query('INSERT INTO message_edits (message_id, text, replaced_at) VALUES ($1, $2, $3)', [
        messageId,
        row.text,
        now,
      ]);
      await db.query(
        'UPDATE messages SET text = $1, mentions = $2, edited_at = $3, rev = $4, search = $5::tsvector WHERE id = $6',
        [change.text, encodeMentions(change.mentions), now, rev, toSearchVector(row.room_id, change.text), messageId],
      );
      break;
    }
    case 'delete': {
      if (deleted) break; // already a tombstone: nothing changes
      const rev = await nextRev(db, row.room_id);
      await db.query(
        `UPDATE messages SET text = '', mentions = NULL, deleted_at = $1, rev = $2, reaction_count = 0,
           attachment_count = 0, search = NULL
         WHERE id = $3`,
        [now, rev, messageId],
      );
      // The author removed the content: drop everything that still shows it.
      await db.query('DELETE FROM reactions WHERE message_id = $1', [messageId]);
      await db.query('DELETE FROM message_edits WHERE message_id = $1', [messageId]);
      // A trigger queues the files in blob_erasures.
      await db.query('DELETE FROM attachments WHERE message_id = $1', [messageId]);
      break;
    }
    case 'react': {
      const changed = change.on
        ? await db.query(
            `INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING`,
            [messageId, user, change.emoji, now],
          )
        : await db.query('DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3', [
            messageId,
            user,
            change.emoji,
          ]);
      if (changed.rowCount === 0) break; // already on / already off
      const rev = await nextRev(db, row.room_id);
      await db.query('UPDATE messages SET rev = $1, reaction_count = reaction_count + $2 WHERE id = $3', [
        rev,
        change.on ? 1 : -1,
        messageId,
      ]);
      break;
    }
  }
  const current = await readMessage(db, messageId);
  if (!current) throw new Error('row vanished inside its own transaction');
  return { message: current, duplicate: false };
}

