/**
 * The message writes: appending user and system messages and changing
 * existing ones. Each function runs inside a write transaction (the caller's
 * savepoint) and throws `StorageError` for expected failures, which rolls
 * its changes back.
 */
import { randomBytes } from 'node:crypto';
import type { Message } from '@parley/sdk/protocol';
import { StorageError } from '../errors.js';
import type {
  AppendMessageInput,
  AppendResult,
  ChangeResult,
  MessageChange,
  SystemMessageInput,
} from '../storage.js';
import type { MessageReader } from './message-reader.js';
import { encodeMentions, newSystemMessage, newUserMessageRow } from '../shared/message-rows.js';
import { asConflict, mustGet } from './sql-errors.js';
import type { Statements } from './statements.js';

/** Messages indexed per statement when the full-text index catches up. */
const INDEX_CHUNK = 5_000;

/** Stores a system message with the room's next seq and rev. */
export function appendSystemMessage(s: Statements, room: string, system: SystemMessageInput, now: number): Message {
  const next = s.nextSeq.get(1, now, room);
  if (!next) throw new StorageError('not_found', `room ${room} not found`);
  const id = `m_${randomBytes(16).toString('base64url')}`;
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
  });
  return newSystemMessage(id, room, next.last_seq, next.rev, system, now);
}

/** Stores a user message (or finds the original of a retried send); see `Storage.appendMessage`. */
export function appendUserMessage(s: Statements, reader: MessageReader, input: AppendMessageInput): AppendResult {
  const previous = s.getClientOp.get(input.sender, input.clientId);
  if (previous) {
    if (previous.op !== 'send') {
      throw new StorageError('conflict', `client id ${input.clientId} was used for a ${previous.op}`);
    }
    const original = reader.byId(previous.message_id);
    if (!original) {
      throw new StorageError('gone', `message ${previous.message_id} was sent and later removed by retention`);
    }
    return { message: original, duplicate: true, parent: null };
  }
  if (input.parentId !== null) {
    const parent = s.getMessage.get(input.parentId);
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
      kind: 'user',
      text: input.text,
      now: input.now,
      parentId: input.parentId,
      mentions,
      sysEvent: null,
      sysTarget: null,
      sysName: null,
      flagged: input.flagged ? 1 : 0,
      attachmentCount: input.attachmentIds.length,
    });
  } catch (error) {
    throw asConflict(error, `message id ${input.id} already exists`);
  }
  s.insertClientOp.run(input.sender, input.clientId, 'send', input.id);
  input.attachmentIds.forEach((attachmentId, position) => {
    if (s.bindAttachment.run(input.id, position, attachmentId, input.room, input.sender).changes === 1) return;
    if (!s.getAttachment.get(attachmentId)) {
      throw new StorageError('not_found', `attachment ${attachmentId} not found`);
    }
    throw new StorageError('conflict', `attachment ${attachmentId} is already used or not uploaded here`);
  });
  const parentRow = input.parentId === null ? undefined : s.addReply.get(next.rev, input.parentId);
  const row = newUserMessageRow(input, next.last_seq, rev);
  // Only attachments need a read back; the rest of the message is known.
  const message = reader.one(row);
  message.mentions = [...input.mentions];
  return { message, duplicate: false, parent: parentRow ? reader.one(parentRow) : null };
}

/** Edits, deletes or reacts to a message, idempotently by (user, clientId); see `Storage.changeMessage`. */
export function changeMessage(
s: Statements,
reader: MessageReader,
messageId: string,
user: string,
clientId: string,
change: MessageChange,
now: number,
): ChangeResult {
  const previous = s.getClientOp.get(user, clientId);
  if (previous) {
    if (previous.op !== change.kind || previous.message_id !== messageId) {
      throw new StorageError('conflict', `client id ${clientId} was used for another operation`);
    }
    const current = reader.byId(messageId);
    if (!current) throw new StorageError('gone', `message ${messageId} was removed by retention`);
    return { message: current, duplicate: true };
  }
  const row = s.getMessage.get(messageId);
  if (!row) throw new StorageError('not_found', `message ${messageId} not found`);
  if (row.kind === 'system') throw new StorageError('conflict', 'system messages cannot be changed');
  const deleted = row.deleted_at !== null;
  if (deleted && change.kind !== 'delete') {
    throw new StorageError('conflict', `message ${messageId} is deleted`);
  }
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
  return { message: mustGet(reader.byId(messageId)), duplicate: false };
}

/** Adds the messages stored since the last call to the full-text index (inside a write transaction). */
export function indexNewMessages(s: Statements): void {
  const last = s.maxMessagePk.get() ?? 0;
  let from = s.ftsIndexedPk.get() ?? 0;
  if (last <= from) return;
  while (from < last) {
    const to = Math.min(last, from + INDEX_CHUNK);
    s.ftsIndexRange.run(from, to);
    from = to;
  }
  s.ftsSetIndexedPk.run(last);
}
