/**
 * The message writes on PostgreSQL: appending user and system messages and
 * changing existing ones. They run on the writer connection inside a batch
 * transaction (see `write-queue.ts`) and throw `StorageError` for expected
 * failures, which rolls back their savepoint.
 */
import type { Message } from '@parley/sdk/protocol';
import { StorageError } from '../errors.js';
import type { AppendMessageInput, AppendResult, ChangeResult, MessageChange, SystemMessageInput } from '../storage.js';
import {
  encodeMentions,
  newSystemMessage,
  encodeData,
  newUserMessageRow,
  systemMessageId,
  type ClientOpRow,
  type MessageRow,
} from '../common/message-rows.js';
import {
  assertChangeKey,
  assertSendKey,
  changeableRow,
  replayedChange,
  replayedSend,
  unboundAttachment,
} from '../common/message-rules.js';
import { mustGet } from '../common/rows.js';
import type { Queryable } from './database.js';
import { isPgConstraint } from './errors.js';
import { MSG, readMessage, readMessages } from './message-reader.js';
import { toSearchVector } from './search-index.js';

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
    mentions, sys_event, sys_target, sys_name, flagged, attachment_count, search, data)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::tsvector, $18)`;

/** Stores a system message with the room's next seq and rev. */
export async function appendSystemMessage(
  db: Queryable,
  room: string,
  system: SystemMessageInput,
  now: number,
): Promise<Message> {
  const next = await nextSeq(db, room, 1, now);
  if (!next) throw new StorageError('not_found', `room ${room} not found`);
  const id = systemMessageId();
  const target = system.target ?? null;
  const name = system.name ?? null;
  await db.query(INSERT_MESSAGE, [
    id, room, next.last_seq, next.rev, system.actor, null, 'system', '', now, null,
    null, system.event, target, name, 0, 0, null, null,
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
): Promise<ClientOpRow | null> {
  const claimed = await db.query(
    `INSERT INTO client_ops (user_id, client_id, op, message_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, client_id) DO NOTHING`,
    [user, clientId, op, messageId],
  );
  if (claimed.rowCount === 1) return null;
  const { rows } = await db.query<ClientOpRow>('SELECT op, message_id FROM client_ops WHERE user_id = $1 AND client_id = $2', [
    user,
    clientId,
  ]);
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
      mentions, sys_event, sys_target, sys_name, flagged, attachment_count, search, data)
    SELECT $3, $5, counter.last_seq, counter.rev, $1, $2, $11, $6, $4, NULL, $7, $12, NULL, NULL, $8, 0, $9::tsvector, $10
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
    assertSendKey(previous, input.clientId);
    return replayedSend(previous, await readMessage(db, previous.message_id));
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
      input.id, input.room, next.last_seq, rev, input.sender, input.clientId, input.notice ? 'system' : 'user', input.text, input.now,
      input.parentId, encodeMentions(input.mentions), input.notice ? 'notice' : null, null, null, input.flagged ? 1 : 0,
      input.attachmentIds.length, input.notice ? null : toSearchVector(input.room, input.text), encodeData(input.data),
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
    throw unboundAttachment(attachmentId, exists.rowCount !== 0);
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
      input.flagged ? 1 : 0, input.notice ? null : toSearchVector(input.room, input.text), encodeData(input.data),
      input.notice ? 'system' : 'user', input.notice ? 'notice' : null,
    ]);
    result = rows[0];
  } catch (error) {
    if (isPgConstraint(error, '23505')) throw new StorageError('conflict', `message id ${input.id} already exists`, { cause: error });
    throw error;
  }
  if (!result.claimed) {
    const { rows } = await db.query<ClientOpRow>('SELECT op, message_id FROM client_ops WHERE user_id = $1 AND client_id = $2', [
      input.sender,
      input.clientId,
    ]);
    const previous = rows[0];
    assertSendKey(previous, input.clientId);
    return replayedSend(previous, await readMessage(db, previous.message_id));
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
    assertChangeKey(previous, messageId, clientId, change);
    return replayedChange(messageId, await readMessage(db, messageId));
  }
  const { rows } = await db.query<MessageRow>(`SELECT ${MSG} FROM messages WHERE id = $1`, [messageId]);
  const row = changeableRow(rows[0], messageId, change);
  const deleted = row.deleted_at !== null;
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
           attachment_count = 0, search = NULL, data = NULL
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
  return { message: mustGet(await readMessage(db, messageId)), duplicate: false };
}

