/**
 * Turns message rows into protocol messages, loading reactions and
 * attachments with one query each per page (and none for the many messages
 * that have neither, thanks to the counters on the row).
 */
import type Database from 'better-sqlite3';
import type { Message } from '@parley/sdk/protocol';
import { ATTACHMENT_COLUMNS, type AttachmentRow } from '../common/rows.js';
import { groupAttachments, groupReactions, messageColumns, toMessage, type MessageRow, type ReactionRow } from '../common/message-rows.js';
import { preparedStatements } from './prepared.js';

/** Message columns, unqualified. */
export const MSG = messageColumns();
/** Message columns qualified with `m.`. */
export const MSG_M = messageColumns('m');

const statements = preparedStatements(({ q }) => ({
  getMessage: q<[id: string], MessageRow>(`SELECT ${MSG} FROM messages WHERE id = ?`),
  reactionsOf: q<[messageId: string], ReactionRow>(
    'SELECT message_id, user_id, emoji FROM reactions WHERE message_id = ? ORDER BY rowid',
  ),
  reactionsOfMany: q<[idsJson: string], ReactionRow>(
    `SELECT message_id, user_id, emoji FROM reactions
     WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY rowid`,
  ),
  attachmentsOf: q<[messageId: string], AttachmentRow>(
    `SELECT ${ATTACHMENT_COLUMNS} FROM attachments WHERE message_id = ? ORDER BY position`,
  ),
  attachmentsOfMany: q<[idsJson: string], AttachmentRow>(
    `SELECT ${ATTACHMENT_COLUMNS} FROM attachments
     WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, position`,
  ),
}));

/** The row of message `id`, or undefined. */
export function getMessageRow(db: Database.Database, id: string): MessageRow | undefined {
  return statements(db).getMessage.get(id);
}

/** Loads complete messages (reactions and attachments only for rows whose counters say so), keeping their order. */
export function readMessages(db: Database.Database, rows: readonly MessageRow[]): Message[] {
  if (rows.length === 1) return [readRow(db, rows[0])];
  const s = statements(db);
  const withReactions: string[] = [];
  const withAttachments: string[] = [];
  for (const row of rows) {
    if (row.reaction_count > 0) withReactions.push(row.id);
    if (row.attachment_count > 0) withAttachments.push(row.id);
  }
  const reactions = withReactions.length > 0 ? groupReactions(s.reactionsOfMany.all(JSON.stringify(withReactions))) : null;
  const attachments =
    withAttachments.length > 0 ? groupAttachments(s.attachmentsOfMany.all(JSON.stringify(withAttachments))) : null;
  return rows.map((row) => toMessage(row, reactions?.get(row.id), attachments?.get(row.id)));
}

/** Loads one message by id, or null. */
export function readMessage(db: Database.Database, id: string): Message | null {
  const row = getMessageRow(db, id);
  return row ? readRow(db, row) : null;
}

/** Completes one row. */
function readRow(db: Database.Database, row: MessageRow): Message {
  const s = statements(db);
  const reactions = row.reaction_count > 0 ? groupReactions(s.reactionsOf.all(row.id)).get(row.id) : undefined;
  const attachments = row.attachment_count > 0 ? groupAttachments(s.attachmentsOf.all(row.id)).get(row.id) : undefined;
  return toMessage(row, reactions, attachments);
}
