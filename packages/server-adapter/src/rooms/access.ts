/** Loads a room, member or message for a user, answering the errors non-members get. */
import { ErrorCode } from '@parley/sdk/protocol';
import type { Message } from '@parley/sdk/protocol';
import { RequestError } from '../errors.js';
import type { Storage, StoredMember, StoredRoom } from '../storage/storage.js';

/** A room with the requesting user's membership (null for a non-member of a public room). */
export interface RoomAccess {
  room: StoredRoom;
  member: StoredMember | null;
}

/** A room the requesting user belongs to. */
export interface MemberAccess {
  room: StoredRoom;
  member: StoredMember;
}

function notFound(what = 'room'): RequestError {
  return new RequestError(ErrorCode.NotFound, `no such ${what}`);
}

/** The room if `user` may see it: any public room, or a room they belong to; else `not_found`. */
export async function visibleRoom(storage: Storage, roomId: string, user: string): Promise<RoomAccess> {
  const room = await storage.getRoom(roomId);
  if (!room) throw notFound();
  const member = await storage.getMember(roomId, user);
  if (!member && room.kind !== 'public') throw notFound();
  return { room, member };
}

/** The room and membership; `not_member` for public rooms, `not_found` for rooms the user cannot see. */
export async function memberOf(storage: Storage, roomId: string, user: string): Promise<MemberAccess> {
  const { room, member } = await visibleRoom(storage, roomId, user);
  if (!member) throw new RequestError(ErrorCode.NotMember, 'you are not a member of this room');
  return { room, member };
}

/** A message in a room the user belongs to, with that room and membership. */
export async function messageFor(
  storage: Storage,
  messageId: string,
  user: string,
): Promise<MemberAccess & { message: Message }> {
  const message = await storage.getMessage(messageId);
  if (!message) throw notFound('message');
  try {
    return { message, ...(await memberOf(storage, message.room, user)) };
  } catch (error) {
    // Hide whether a message exists in a room the user cannot see.
    if (error instanceof RequestError && error.code === ErrorCode.NotFound) throw notFound('message');
    throw error;
  }
}

/** Whether the member is muted at `now`. */
export function isMuted(member: StoredMember, now: number): boolean {
  return member.mutedUntil !== null && member.mutedUntil > now;
}

/** Clamps a requested page size to `[1, max]`, `fallback` when absent. */
export function pageSize(requested: number | undefined, max: number, fallback = 50): number {
  return Math.max(1, Math.min(max, requested ?? Math.min(fallback, max)));
}
