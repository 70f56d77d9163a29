/**
 * The message row as both stores read it, and its conversion to protocol
 * messages: reactions and attachments are loaded separately (only for rows
 * whose counters say there are some) and grouped here.
 */
import { randomBytes } from 'node:crypto';
import type { AttachmentInfo, Message, SystemEvent } from '@parley/sdk/protocol';
import type { AppendMessageInput, SystemMessageInput } from '../storage.js';
import type { AttachmentRow } from './rows.js';

/** Message columns, unqualified (prefix with an alias where tables are joined). */
export const MESSAGE_COLUMN_NAMES = [
  'id',
  'room_id',
  'seq',
  'rev',
  'sender',
  'client_id',
  'kind',
  'text',
  'created_at',
  'edited_at',
  'deleted_at',
  'parent_id',
  'reply_count',
  'mentions',
  'sys_event',
  'sys_target',
  'sys_name',
  'flagged',
  'reaction_count',
  'attachment_count',
  'data',
] as const;

/** The message column list, optionally qualified with a table alias. */
export function messageColumns(alias?: string): string {
  return alias ? MESSAGE_COLUMN_NAMES.map((c) => `${alias}.${c}`).join(', ') : MESSAGE_COLUMN_NAMES.join(', ');
}

/** A message row. */
export interface MessageRow {
  id: string;
  room_id: string;
  seq: number;
  rev: number;
  sender: string;
  client_id: string | null;
  kind: 'user' | 'system';
  text: string;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  parent_id: string | null;
  reply_count: number;
  mentions: string | null;
  sys_event: SystemEvent | null;
  sys_target: string | null;
  sys_name: string | null;
  flagged: number;
  reaction_count: number;
  attachment_count: number;
  /** Custom JSON as text, or NULL. */
  data: string | null;
}

/** A reaction row, read in the order the reactions were added. */
export interface ReactionRow {
  message_id: string;
  user_id: string;
  emoji: string;
}

/** What an idempotency key (user, client id) was committed for. */
export interface ClientOpRow {
  op: string;
  message_id: string;
}

/** Parses the stored mentions column (a JSON array of strings, or NULL). */
export function parseMentions(value: string | null): string[] {
  if (value === null) return [];
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
}

/** Encodes mentions for storage; NULL for none so the common case costs no parsing. */
export function encodeMentions(mentions: readonly string[]): string | null {
  return mentions.length === 0 ? null : JSON.stringify(mentions);
}

/** Builds a protocol message from its row and its (already loaded) reactions and attachments. */
export function toMessage(
  row: MessageRow,
  reactions: Record<string, string[]> | undefined,
  attachments: AttachmentInfo[] | undefined,
): Message {
  return {
    id: row.id,
    room: row.room_id,
    seq: row.seq,
    rev: row.rev,
    sender: row.sender,
    clientId: row.client_id,
    kind: row.kind,
    text: row.text,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    parentId: row.parent_id,
    replyCount: row.reply_count,
    mentions: parseMentions(row.mentions),
    reactions: reactions ?? {},
    attachments: attachments ?? [],
    system:
      row.sys_event === null
        ? null
        : { event: row.sys_event, actor: row.sender, target: row.sys_target, name: row.sys_name },
    flagged: row.flagged !== 0,
    ...(row.data === null ? {} : { data: JSON.parse(row.data) as unknown }),
  };
}

/** Encodes custom data for storage; NULL for none. */
export function encodeData(data: unknown): string | null {
  return data === undefined || data === null ? null : JSON.stringify(data);
}

/** The row of a user message just appended at `seq` / `rev`. */
export function newUserMessageRow(input: AppendMessageInput, seq: number, rev: number): MessageRow {
  return {
    id: input.id,
    room_id: input.room,
    seq,
    rev,
    sender: input.sender,
    client_id: input.clientId,
    kind: input.notice ? 'system' : 'user',
    text: input.text,
    created_at: input.now,
    edited_at: null,
    deleted_at: null,
    parent_id: input.parentId,
    reply_count: 0,
    mentions: null,
    sys_event: input.notice ? 'notice' : null,
    sys_target: null,
    sys_name: null,
    flagged: input.flagged ? 1 : 0,
    reaction_count: 0,
    attachment_count: input.attachmentIds.length,
    data: encodeData(input.data),
  };
}

/** emoji → user ids per message, both in the order the reactions were added. */
export function groupReactions(rows: readonly ReactionRow[]): Map<string, Record<string, string[]>> {
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
export function groupAttachments(rows: readonly AttachmentRow[]): Map<string, AttachmentInfo[]> {
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

/** A fresh id for a system message (user messages bring theirs). */
export function systemMessageId(): string {
  return `m_${randomBytes(16).toString('base64url')}`;
}

/** The message a system event just appended at `seq` / `rev`. */
export function newSystemMessage(id: string, room: string, seq: number, rev: number, system: SystemMessageInput, now: number): Message {
  return {
    id,
    room,
    seq,
    rev,
    sender: system.actor,
    clientId: null,
    kind: 'system',
    text: '',
    createdAt: now,
    editedAt: null,
    deletedAt: null,
    parentId: null,
    replyCount: 0,
    mentions: [],
    reactions: {},
    attachments: [],
    system: { event: system.event, actor: system.actor, target: system.target ?? null, name: system.name ?? null },
    flagged: false,
  };
}
