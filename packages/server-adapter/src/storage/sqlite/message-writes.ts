/**
 * The message writes on SQLite: appending user and system messages and
 * changing existing ones. Each function runs inside a write transaction (the
 * caller's savepoint) and throws `StorageError` for expected failures, which
 * rolls its changes back.
 */
import type Database from 'better-sqlite3';
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
import { asConflict } from './errors.js';
import { MSG, getMessageRow, readMessage, readMessages } from './message-reader.js';
import { preparedStatements } from './prepared.js';

const statements = preparedStatements(({ q, v }) => ({
  /** Takes the room's next seq and `revs` next revs (the message gets `rev - revs + 1`). */
  nextSeq: q<[revs: number, now: number, id: string], { last_seq: number; rev: number }>(
    `UPDATE rooms SET last_seq = last_seq + 1, rev = rev + ?, last_activity_at = max(last_activity_at, ?)
     WHERE id = ? RETURNING last_seq, rev`,
  ),
  nextRev: v<[id: string], number>('UPDATE rooms SET rev = rev + 1 WHERE id = ? RETURNING rev'),
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
        data: string | null;
      },
    ],
    never
  >(
    `INSERT INTO messages (id, room_id, seq, rev, sender, client_id, kind, text, created_at, parent_id, mentions,
       sys_event, sys_target, sys_name, flagged, attachment_count, data)
     VALUES (@id, @room, @seq, @rev, @sender, @clientId, @kind, @text, @now, @parentId, @mentions,
       @sysEvent, @sysTarget, @sysName, @flagged, @attachmentCount, @data)`,
  ),
  editMessage: q<[text: string, mentions: string | null, editedAt: number, rev: number, id: string], never>(
    'UPDATE messages SET text = ?, mentions = ?, edited_at = ?, rev = ? WHERE id = ?',
  ),
  softDeleteMessage: q<[deletedAt: number, rev: number, id: string], never>(
    `UPDATE messages SET text = '', mentions = NULL, deleted_at = ?, rev = ?, reaction_count = 0,
       attachment_count = 0, data = NULL
     WHERE id = ?`,
  ),
  setReactionChange: q<[rev: number, delta: number, id: string], never>(
    'UPDATE messages SET rev = ?, reaction_count = reaction_count + ? WHERE id = ?',
  ),
  addReply: q<[rev: number, id: string], MessageRow>(
    `UPDATE messages SET reply_count = reply_count + 1, rev = ? WHERE id = ? RETURNING ${MSG}`,
  ),
  insertEdit: q<[messageId: string, text: string, replacedAt: number], never>(
    'INSERT INTO message_edits (message_id, text, replaced_at) VALUES (?, ?, ?)',
  ),
  deleteEdits: q<[messageId: string], never>('DELETE FROM message_edits WHERE message_id = ?'),
  insertReaction: q<[messageId: string, user: string, emoji: string, at: number], never>(
    'INSERT OR IGNORE INTO reactions (message_id, user_id, emoji, created_at) VALUES (?, ?, ?, ?)',
  ),
  deleteReaction: q<[messageId: string, user: string, emoji: string], never>(
    'DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?',
  ),
  deleteReactions: q<[messageId: string], never>('DELETE FROM reactions WHERE message_id = ?'),
  bindAttachment: q<[messageId: string, position: number, id: string, room: string, uploader: string], never>(
    `UPDATE attachments SET message_id = ?, position = ?
     WHERE id = ? AND room_id = ? AND uploader = ? AND message_id IS NULL`,
  ),
  attachmentExists: v<[id: string], number>('SELECT 1 FROM attachments WHERE id = ?'),
  /** Erases a message's attachments; a trigger queues their bytes in blob_erasures. */
  deleteAttachmentsOf: q<[messageId: string], never>('DELETE FROM attachments WHERE message_id = ?'),
  getClientOp: q<[user: string, clientId: string], ClientOpRow>(
    'SELECT op, message_id FROM client_ops WHERE user_id = ? AND client_id = ?',
  ),
  insertClientOp: q<[user: string, clientId: string, op: string, messageId: string], never>(
    'INSERT INTO client_ops (user_id, client_id, op, message_id) VALUES (?, ?, ?, ?)',
  ),
}));

/** What (user, clientId) was committed for, or undefined. */
export function getClientOp(db: Database.Database, user: string, clientId: string): ClientOpRow | undefined {
  return statements(db).getClientOp.get(user, clientId);
}

/** Stores a system message with the room's next seq and rev. */
export function appendSystemMessage(db: Database.Database, room: string, system: SystemMessageInput, now: number): Message {
  const s = statements(db);
  const next = s.nextSeq.get(1, now, room);
  if (!next) throw new StorageError('not_found', `room ${room} not found`);
  const id = systemMessageId();
  const target = system.target ?? null;
  const name = system.name ?? null;
  s.insertMessage.run({
    id,
    room,
    seq: next.last_seq,
    rev: next.rev,
    sender: system.actor,
    clientId: null,
    kind: 'system',
    text: '',
    now,
    parentId: null,
    mentions: null,
    sysEvent: system.event,
    sysTarget: target,
    sysName: name,
    flagged: 0,
    attachmentCount: 0,
    data: null,
  });
  return newSystemMessage(id, room, next.last_seq, next.rev, system, now);
}

/** Stores a user message (or finds the original of a retried send); see `MessageStore.appendMessage`. */
export function appendUserMessage(db: Database.Database, input: AppendMessageInput): AppendResult {
  const s = statements(db);
  const previous = s.getClientOp.get(input.sender, input.clientId);
  if (previous) {
    assertSendKey(previous, input.clientId);
    return replayedSend(previous, readMessage(db, previous.message_id));
  }
  if (input.parentId !== null) {
    const parent = getMessageRow(db, input.parentId);
    if (!parent || parent.room_id !== input.room) {
      throw new StorageError('not_found', `parent message ${input.parentId} not found in ${input.room}`);
    }
  }
  // A reply takes two revs: its own, then the parent's (its reply count changes).
  const revs = input.parentId === null ? 1 : 2;
  const next = s.nextSeq.get(revs, input.now, input.room);
  if (!next) throw new StorageError('not_found', `room ${input.room} not found`);
  const rev = next.rev - revs + 1;
  const mentions = encodeMentions(input.mentions);
  try {
    s.insertMessage.run({
      id: input.id,
      room: input.room,
      seq: next.last_seq,
      rev,
      sender: input.sender,
      clientId: input.clientId,
      kind: input.notice ? 'system' : 'user',
      text: input.text,
      now: input.now,
      parentId: input.parentId,
      mentions,
      sysEvent: input.notice ? 'notice' : null,
      sysTarget: null,
      sysName: null,
      flagged: input.flagged ? 1 : 0,
      attachmentCount: input.attachmentIds.length,
      data: encodeData(input.data),
    });
  } catch (error) {
    throw asConflict(error, `message id ${input.id} already exists`);
  }
  s.insertClientOp.run(input.sender, input.clientId, 'send', input.id);
  input.attachmentIds.forEach((attachmentId, position) => {
    if (s.bindAttachment.run(input.id, position, attachmentId, input.room, input.sender).changes === 1) return;
    throw unboundAttachment(attachmentId, s.attachmentExists.get(attachmentId) !== undefined);
  });
  const parentRow = input.parentId === null ? undefined : s.addReply.get(next.rev, input.parentId);
  const row = newUserMessageRow(input, next.last_seq, rev);
  // Only attachments need a read back; the rest of the message is known.
  const [message] = readMessages(db, [row]);
  message.mentions = [...input.mentions];
  return { message, duplicate: false, parent: parentRow ? readMessages(db, [parentRow])[0] : null };
}

/** Edits, deletes or reacts to a message, idempotently by (user, clientId); see `MessageStore.changeMessage`. */
export function changeMessage(
  db: Database.Database,
  messageId: string,
  user: string,
  clientId: string,
  change: MessageChange,
  now: number,
): ChangeResult {
  const s = statements(db);
  const previous = s.getClientOp.get(user, clientId);
  if (previous) {
    assertChangeKey(previous, messageId, clientId, change);
    return replayedChange(messageId, readMessage(db, messageId));
  }
  const row = changeableRow(getMessageRow(db, messageId), messageId, change);
  const deleted = row.deleted_at !== null;
  switch (change.kind) {
    case 'edit': {
      const rev = mustGet(s.nextRev.get(row.room_id));
      s.insertEdit.run(messageId, row.text, now);
      s.editMessage.run(change.text, encodeMentions(change.mentions), now, rev, messageId);
      break;
    }
    case 'delete': {
      if (deleted) break; // already a tombstone: nothing changes
      const rev = mustGet(s.nextRev.get(row.room_id));
      s.softDeleteMessage.run(now, rev, messageId);
      // The author removed the content: drop everything that still shows it.
      s.deleteReactions.run(messageId);
      s.deleteEdits.run(messageId);
      s.deleteAttachmentsOf.run(messageId);
      break;
    }
    case 'react': {
      const changed = change.on
        ? s.insertReaction.run(messageId, user, change.emoji, now).changes
        : s.deleteReaction.run(messageId, user, change.emoji).changes;
      if (changed === 0) break; // already on / already off
      const rev = mustGet(s.nextRev.get(row.room_id));
      s.setReactionChange.run(rev, change.on ? 1 : -1, messageId);
      break;
    }
  }
  s.insertClientOp.run(user, clientId, change.kind, messageId);
  return { message: mustGet(readMessage(db, messageId)), duplicate: false };
}
