/**
 * Turns message rows into protocol messages, loading reactions and
 * attachments with one query per page (and none for the many messages that
 * have neither, thanks to the counters on the row).
 */
import type { AttachmentInfo, Message } from '@parley/sdk/protocol';
import { toMessage, type AttachmentRow, type MessageRow, type ReactionRow } from './rows.js';
import type { Statements } from './statements.js';

/** Reads complete messages through prepared statements. */
export class MessageReader {
  readonly #s: Statements;

  /** Uses the statements of an open database. */
  constructor(statements: Statements) {
    this.#s = statements;
  }

  /** Loads one message by id, or null. */
  byId(id: string): Message | null {
    const row = this.#s.getMessage.get(id);
    return row ? this.one(row) : null;
  }

  /** Completes one row. */
  one(row: MessageRow): Message {
    const reactions = row.reaction_count > 0 ? groupReactions(this.#s.reactionsOf.all(row.id)).get(row.id) : undefined;
    const attachments =
      row.attachment_count > 0 ? groupAttachments(this.#s.attachmentsOf.all(row.id)).get(row.id) : undefined;
    return toMessage(row, reactions, attachments);
  }

  /** Completes a page of rows, keeping their order. */
  many(rows: readonly MessageRow[]): Message[] {
    if (rows.length === 1) return [this.one(rows[0])];
    const withReactions: string[] = [];
    const withAttachments: string[] = [];
    for (const row of rows) {
      if (row.reaction_count > 0) withReactions.push(row.id);
      if (row.attachment_count > 0) withAttachments.push(row.id);
    }
    const reactions =
      withReactions.length > 0 ? groupReactions(this.#s.reactionsOfMany.all(JSON.stringify(withReactions))) : null;
    const attachments =
      withAttachments.length > 0
        ? groupAttachments(this.#s.attachmentsOfMany.all(JSON.stringify(withAttachments)))
        : null;
    return rows.map((row) => toMessage(row, reactions?.get(row.id), attachments?.get(row.id)));
  }
}

/** emoji → user ids per message, both in the order the reactions were added. */
function groupReactions(rows: readonly ReactionRow[]): Map<string, Record<string, string[]>> {
  const byMessage = new Map<string, Record<string, string[]>>();
  for (const { message_id, user_id, emoji } of rows) {
    let reactions = byMessage.get(message_id);
    if (!reactions) {
      reactions = {};
      byMessage.set(message_id, reactions);
    }
    // Own-property check: an emoji string could be "__proto__" or "constructor".
    if (Object.hasOwn(reactions, emoji)) reactions[emoji].push(user_id);
    else Object.defineProperty(reactions, emoji, { value: [user_id], enumerable: true, writable: true, configurable: true });
  }
  return byMessage;
}

/** Attachments per message, rows already in position order. */
function groupAttachments(rows: readonly AttachmentRow[]): Map<string, AttachmentInfo[]> {
  const byMessage = new Map<string, AttachmentInfo[]>();
  for (const row of rows) {
    if (row.message_id === null) continue;
    const info: AttachmentInfo = { id: row.id, name: row.name, type: row.type, size: row.size };
    const list = byMessage.get(row.message_id);
    if (list) list.push(info);
    else byMessage.set(row.message_id, [info]);
  }
  return byMessage;
}
