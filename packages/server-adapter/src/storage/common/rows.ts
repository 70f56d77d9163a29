/**
 * Row shapes of rooms, members, invitations and attachments as both stores
 * read them (the PostgreSQL schema follows the SQLite one column for column),
 * and their conversion to the storage types.
 */
import type { Role, RoomKind, UserInfo } from '@parley/sdk/protocol';
import type { StoredAttachment, StoredInvitation, StoredMember, StoredRoom, UserProfile } from '../storage.js';

/** Room columns, unqualified. */
export const ROOM_COLUMNS = `id, kind, name, topic, created_at, created_by, last_seq, rev, floor_seq,
  retention_max_age_ms, retention_max_messages, member_count, direct_key, data`;

/** Room columns qualified with `r.`, for queries that join `rooms r`. */
export const ROOM_COLUMNS_R = ROOM_COLUMNS.split(',')
  .map((c) => `r.${c.trim()}`)
  .join(', ');

/** A room row. */
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
  /** Custom JSON as text, or NULL. */
  data: string | null;
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

/** The membership columns of a {@link UserRoomRow}, for a query joining `rooms r`, `members m` and `users u`. */
export const USER_ROOM_MEMBER_COLUMNS = `COALESCE(u.name, m.user_id) AS member_name, m.role AS member_role,
         m.joined_at AS member_joined_at, m.read_seq AS member_read_seq,
         m.delivered_seq AS member_delivered_seq, m.muted_until AS member_muted_until`;

/** Member columns, for a query that joins `members m` with `users u`. */
export const MEMBER_COLUMNS = `m.room_id, m.user_id, COALESCE(u.name, m.user_id) AS name, m.role, m.joined_at,
  m.read_seq, m.delivered_seq, m.muted_until`;

/** A membership row joined with the user's name. */
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

/** Invitation columns, unqualified. */
export const INVITATION_COLUMNS = 'room_id, user_id, inviter, role, invited_at';

/** An invitation row. */
export interface InvitationRow {
  room_id: string;
  user_id: string;
  inviter: string;
  role: Role;
  invited_at: number | string;
}

/** Attachment columns, unqualified. */
export const ATTACHMENT_COLUMNS = `id, room_id, uploader, name, type, size, created_at, message_id, blob_key`;

/** An attachment row. */
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
    data: row.data === null ? null : (JSON.parse(row.data) as unknown),
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

/** The users found among `ids`, each once, in the order of `ids`. */
export function usersInOrder(ids: readonly string[], rows: Iterable<UserInfo>): UserInfo[] {
  const names = new Map<string, string>();
  for (const row of rows) names.set(row.id, row.name);
  const users: UserInfo[] = [];
  for (const id of new Set(ids)) {
    const name = names.get(id);
    if (name !== undefined) users.push({ id, name });
  }
  return users;
}

/** A `users` row as a profile; `data` is stored as JSON text. */
export function profileOf(row: { id: string; name: string; avatar_url: string | null; data: string | null }): UserProfile {
  return { id: row.id, name: row.name, avatarUrl: row.avatar_url, data: row.data === null ? null : (JSON.parse(row.data) as unknown) };
}

/** A row the same transaction just wrote or read; its absence is a bug, not a user error. */
export function mustGet<T>(value: T | undefined | null): T {
  if (value === undefined || value === null) throw new Error('row vanished inside its own transaction');
  return value;
}
