/**
 * Row shapes as SQLite returns them, and their conversion to the storage and
 * protocol types.
 */
import type { AttachmentInfo, Message, Role, RoomKind, SystemEvent } from '@parley/sdk/protocol';
import type { AppendMessageInput, StoredAttachment, StoredInvitation, StoredMember, StoredRoom, SystemMessageInput } from '../storage.js';

export const ROOM_COLUMNS = `id, kind, name, topic, created_at, created_by, last_seq, rev, floor_seq,
  retention_max_age_ms, retention_max_messages, member_count, direct_key`;

export interface RoomRow {
  id: string;
  kind: RoomKind;
  name: string;
  topic: string;
  created_at: number;
  created_by: string;
  last_seq: number;
  rev: number;
  floor_seq: number;
  retention_max_age_ms: number | null;
  retention_max_messages: number | null;
  member_count: number;
  direct_key: string | null;
}

/** A room joined with the requesting user's membership (member columns prefixed). */
export interface UserRoomRow extends RoomRow {
  member_name: string;
  member_role: Role;
  member_joined_at: number;
  member_read_seq: number;
  member_delivered_seq: number;
  member_muted_until: number | null;
}

/** Member columns, for a query that joins `members m` with `users u`. */
export const MEMBER_COLUMNS = `m.room_id, m.user_id, COALESCE(u.name, m.user_id) AS name, m.role, m.joined_at,
  m.read_seq, m.delivered_seq, m.muted_until`;

export interface MemberRow {
  room_id: string;
  user_id: string;
  name: string;
  role: Role;
  joined_at: number;
  read_seq: number;
  delivered_seq: number;
  muted_until: number | null;
}

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
] as const;

/** The message column list, optionally qualified with a table alias. */
export function messageColumns(alias?: string): string {
  return alias ? MESSAGE_COLUMN_NAMES.map((c) => `${alias}.${c}`).join(', ') : MESSAGE_COLUMN_NAMES.join(', ');
}

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
}

export interface ReactionRow {
  message_id: string;
  user_id: string;
  emoji: string;
}

export const ATTACHMENT_COLUMNS = `id, room_id, uploader, name, type, size, created_at, message_id, blob_key`;

export interface AttachmentRow {
  id: string;
  room_id: string;
  uploader: string;
  name: string;
  type: string;
  size: number;
  created_at: number;
  message_id: string | null;
  blob_key: string;
}

/** Converts a room row. */
export function toStoredRoom(row: RoomRow): StoredRoom {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    topic: row.topic,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastSeq: row.last_seq,
    rev: row.rev,
    floorSeq: row.floor_seq,
    retention: { maxAgeMs: row.retention_max_age_ms, maxMessages: row.retention_max_messages },
    memberCount: row.member_count,
    directKey: row.direct_key,
  };
}

/** Converts a membership row (joined with the user's name). */
export function toStoredMember(row: MemberRow): StoredMember {
  return {
    room: row.room_id,
    user: row.user_id,
    name: row.name,
    role: row.role,
    joinedAt: row.joined_at,
    readSeq: row.read_seq,
    deliveredSeq: row.delivered_seq,
    mutedUntil: row.muted_until,
  };
}

/** An invitation row (both stores). */
export interface InvitationRow {
  room_id: string;
  user_id: string;
  inviter: string;
  role: Role;
  invited_at: number | string;
}

/** An invitation as the room logic sees it. */
export function toStoredInvitation(row: InvitationRow): StoredInvitation {
  return { room: row.room_id, user: row.user_id, inviter: row.inviter, role: row.role, invitedAt: Number(row.invited_at) };
}

/** Splits a room-with-membership row. */
export function toUserRoom(row: UserRoomRow, user: string): { room: StoredRoom; member: StoredMember } {
  return {
    room: toStoredRoom(row),
    member: {
      room: row.id,
      user,
      name: row.member_name,
      role: row.member_role,
      joinedAt: row.member_joined_at,
      readSeq: row.member_read_seq,
      deliveredSeq: row.member_delivered_seq,
      mutedUntil: row.member_muted_until,
    },
  };
}

/** Converts an attachment row. */
export function toStoredAttachment(row: AttachmentRow): StoredAttachment {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    size: row.size,
    room: row.room_id,
    uploader: row.uploader,
    createdAt: row.created_at,
    messageId: row.message_id,
    blobKey: row.blob_key,
  };
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
  };
}

/** The row of a user message just appended at `seq` / `rev` (both storages build it the same way). */
export function newUserMessageRow(input: AppendMessageInput, seq: number, rev: number): MessageRow {
  return {
    id: input.id,
    room_id: input.room,
    seq,
    rev,
    sender: input.sender,
    client_id: input.clientId,
    kind: 'user',
    text: input.text,
    created_at: input.now,
    edited_at: null,
    deleted_at: null,
    parent_id: input.parentId,
    reply_count: 0,
    mentions: null,
    sys_event: null,
    sys_target: null,
    sys_name: null,
    flagged: input.flagged ? 1 : 0,
    reaction_count: 0,
    attachment_count: input.attachmentIds.length,
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

/** The message a system event just appended at `seq` / `rev` (both storages return it the same way). */
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
