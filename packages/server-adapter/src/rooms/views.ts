/** Turns stored rows into the wire shapes a given user sees. */
import type { MemberInfo, RoomInfo } from '@parley/sdk/protocol';
import type { Storage, StoredMember, StoredRoom } from '../storage/storage.js';

/** A membership row as it travels. */
export function toMemberInfo(member: StoredMember): MemberInfo {
  return {
    user: member.user,
    name: member.name,
    role: member.role,
    joinedAt: member.joinedAt,
    readSeq: member.readSeq,
    deliveredSeq: member.deliveredSeq,
    mutedUntil: member.mutedUntil,
  };
}

/** The other user of a direct room (the user themself for a note-to-self room). */
export function directPeer(room: StoredRoom, user: string): string | null {
  if (room.kind !== 'direct' || room.directKey === null) return null;
  const [a, b] = room.directKey.split('\n');
  return a === user ? (b ?? a) : a;
}

/** The key that makes a direct room unique per pair. */
export function directKey(a: string, b: string): string {
  return [a, b].sort().join('\n');
}

/**
 * A room as `user` sees it: their role, read marker and unread count.
 * Pass `member` when already loaded (null for a non-member).
 */
export async function roomInfoFor(
  storage: Storage,
  room: StoredRoom,
  user: string,
  member?: StoredMember | null,
): Promise<RoomInfo> {
  const m = member === undefined ? await storage.getMember(room.id, user) : member;
  const unread = m ? await storage.unreadCount(room.id, user) : 0;
  return {
    id: room.id,
    kind: room.kind,
    name: room.name,
    topic: room.topic,
    createdAt: room.createdAt,
    createdBy: room.createdBy,
    lastSeq: room.lastSeq,
    rev: room.rev,
    floorSeq: room.floorSeq,
    retention: room.retention,
    memberCount: room.memberCount,
    role: m ? m.role : null,
    peer: directPeer(room, user),
    readSeq: m ? m.readSeq : 0,
    unread,
    ...(room.data === undefined || room.data === null ? {} : { data: room.data }),
  };
}
