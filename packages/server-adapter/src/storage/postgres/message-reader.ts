/**
 * Turns message rows into protocol messages, loading reactions and
 * attachments with one query each per page (and none for the many messages
 * that have neither, thanks to the counters on the row).
 */
import type { Message } from '@parley/sdk/protocol';
import { ATTACHMENT_COLUMNS, type AttachmentRow } from '../common/rows.js';
import { groupAttachments, groupReactions, messageColumns, toMessage, type MessageRow, type ReactionRow } from '../common/message-rows.js';
import type { Queryable } from './database.js';

/** Message columns, unqualified. */
export const MSG = messageColumns();
/** Message columns qualified with `m.`. */
export const MSG_M = messageColumns('m');

/** Loads complete messages (reactions and attachments only for rows whose counters say so), keeping their order. */
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
