/** Fan-out of membership and room changes, shared by the room handlers and retention. */
import type { MemberInfo, Message } from '@parley/sdk/protocol';
import type { HandlerServices } from '../handlers/services.js';
import type { StoredMember } from '../storage/storage.js';
import { roomInfoFor, toMemberInfo } from './views.js';

/** What announcing needs: storage to read rooms and members, the publisher to send. */
export type Announcer = Pick<HandlerServices, 'storage' | 'publisher'>;

/** A new room: every member's devices get `room.added` and subscribe to it. */
export async function announceCreated(server: Announcer, roomId: string): Promise<void> {
  const room = await server.storage.getRoom(roomId);
  if (!room) return;
  for (const member of await server.storage.listMembers(roomId)) {
    const info = await roomInfoFor(server.storage, room, member.user, member);
    await server.publisher.toUser(member.user, { type: 'room.added', room: info }, { room: roomId, member: true });
  }
}

/** Publishes a stored system message to its room. */
export async function announceMessage(server: Announcer, message: Message | null): Promise<void> {
  if (!message) return;
  await server.publisher.toRoom(message.room, { type: 'message', message }, message.seq);
}

/**
 * A user joined, was invited or added at creation: their devices get
 * `room.added` (and subscribe), the room gets `member` and the system message.
 */
export async function announceAdded(
  server: Announcer,
  roomId: string,
  member: StoredMember,
  systemMessage: Message | null,
): Promise<void> {
  const room = await server.storage.getRoom(roomId);
  if (!room) return;
  const info = await roomInfoFor(server.storage, room, member.user, member);
  await server.publisher.toUser(member.user, { type: 'room.added', room: info }, { room: roomId, member: true });
  await server.publisher.toRoom(roomId, { type: 'member', room: roomId, member: toMemberInfo(member), change: 'joined' });
  await announceMessage(server, systemMessage);
}

/**
 * A user left, was kicked or banned: the room hears `member` and the system
 * message first, then the user's devices get `room.removed` and unsubscribe.
 */
export async function announceRemoved(
  server: Announcer,
  roomId: string,
  member: MemberInfo,
  reason: 'left' | 'kicked' | 'banned',
  systemMessage: Message | null,
): Promise<void> {
  await server.publisher.toRoom(roomId, { type: 'member', room: roomId, member, change: reason });
  await announceMessage(server, systemMessage);
  await server.publisher.toUser(member.user, { type: 'room.removed', room: roomId, reason }, { room: roomId, member: false });
}

/** A member's role or mute changed. */
export async function announceMemberUpdated(server: Announcer, member: StoredMember): Promise<void> {
  await server.publisher.toRoom(member.room, { type: 'member', room: member.room, member: toMemberInfo(member), change: 'updated' });
}

/**
 * The room itself changed (name, topic, retention, floor). `RoomInfo` carries
 * per-user fields (role, unread), so each member gets their own view on their
 * `user:` topic rather than one shared frame on the room topic.
 */
export async function announceRoomUpdated(server: Announcer, roomId: string): Promise<void> {
  const room = await server.storage.getRoom(roomId);
  if (!room) return;
  const members = await server.storage.listMembers(roomId);
  for (const member of members) {
    const info = await roomInfoFor(server.storage, room, member.user, member);
    await server.publisher.toUser(member.user, { type: 'room.updated', room: info });
  }
}
