/**
 * Turns message rows into protocol messages, loading reactions and
 * attachments with one query per page (and none for the many messages that
 * have neither, thanks to the counters on the row).
 */
import type { Message } from '@parley/sdk/protocol';
import { groupAttachments, groupReactions, toMessage, type MessageRow } from '../shared/message-rows.js';
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

