/** Requests that create, list and manage rooms and their members (permissions: `policy.ts`). */
import { ErrorCode } from '@parley/sdk/protocol';
import type { RoomInfo } from '@parley/sdk/protocol';
import type { HandlerMap, RequestContext } from '../handlers/services.js';
import { RequestError } from '../errors.js';
import { isStorageError } from '../storage/errors.js';
import type { StoredMember, StoredRoom } from '../storage/storage.js';
import { memberOf, pageSize, visibleRoom } from './access.js';
import { announceAdded, announceCreated, announceMemberUpdated, announceMessage, announceRemoved, announceRoomUpdated } from './announce.js';
import { invite, requireNoBlocks } from './invitation-handlers.js';
import { newRoomId } from './ids.js';
import { can, nextOwner } from './policy.js';
import type { RoomAction } from './policy.js';
import { directKey, roomInfoFor, toMemberInfo } from './views.js';

/** `mutedUntil` for a mute without a duration: effectively until unmuted. */
export const MUTED_FOREVER = Number.MAX_SAFE_INTEGER;

function forbidden(message = 'you may not do this in this room'): RequestError {
  return new RequestError(ErrorCode.Forbidden, message);
}

function requireAllowed(action: RoomAction, room: StoredRoom, actor: StoredMember): void {
  if (!can(action, { kind: room.kind, actor: actor.role })) throw forbidden();
}

/** The target member, checked against the policy's "strictly lower role" rule. */
async function targetMember(
  ctx: RequestContext,
  action: RoomAction,
  room: StoredRoom,
  actor: StoredMember,
  user: string,
): Promise<StoredMember> {
  const target = await ctx.services.storage.getMember(room.id, user);
  if (!target) throw new RequestError(ErrorCode.NotFound, 'no such member');
  if (!can(action, { kind: room.kind, actor: actor.role, target: target.role })) throw forbidden();
  return target;
}

function requireRoom(room: StoredRoom | null): StoredRoom {
  if (!room) throw new RequestError(ErrorCode.NotFound, 'no such room');
  return room;
}

function checkCapacity(ctx: RequestContext, room: StoredRoom, adding = 1): void {
  if (room.memberCount + adding > ctx.services.options.limits.maxRoomMembers) throw forbidden('the room is full');
}

async function infoFor(ctx: RequestContext, roomId: string, member?: StoredMember | null): Promise<RoomInfo> {
  const room = requireRoom(await ctx.services.storage.getRoom(roomId));
  return roomInfoFor(ctx.services.storage, room, ctx.user.id, member);
}

/** Room and membership requests. */
export const roomHandlers: HandlerMap<
  | 'rooms.list'
  | 'rooms.discover'
  | 'room.create'
  | 'room.direct'
  | 'room.get'
  | 'room.members'
  | 'room.join'
  | 'room.leave'
  | 'room.invite'
  | 'room.kick'
  | 'room.ban'
  | 'room.unban'
  | 'room.mute'
  | 'room.unmute'
  | 'room.setRole'
  | 'room.update'
  | 'user.block'
  | 'user.unblock'
> = {
  async 'rooms.list'(ctx) {
    const { storage } = ctx.services;
    const rows = await storage.listUserRooms(ctx.user.id);
    const rooms: RoomInfo[] = [];
    for (const { room, member } of rows) rooms.push(await roomInfoFor(storage, room, ctx.user.id, member));
    return { rooms, unreadTotal: rooms.reduce((sum, r) => sum + r.unread, 0) };
  },

  async 'rooms.discover'(ctx, args) {
    const { storage, options } = ctx.services;
    const found = await storage.discoverRooms(args.query?.trim() ?? '', pageSize(args.limit, options.limits.maxPageSize));
    const rooms: RoomInfo[] = [];
    for (const room of found) rooms.push(await roomInfoFor(storage, room, ctx.user.id));
    return { rooms };
  },

  async 'room.create'(ctx, args) {
    const { storage, options } = ctx.services;
    const me = ctx.user.id;
    const invited = [...new Set(args.members ?? [])].filter((user) => user !== me);
    if (invited.length + 1 > options.limits.maxRoomMembers) throw forbidden('too many members');
    const { maxMembersPerCreate } = options.quotas;
    if (invited.length > maxMembersPerCreate) {
      throw new RequestError(ErrorCode.BadRequest, `at most ${maxMembersPerCreate} members per room.create; invite the others afterwards`);
    }
    await requireNoBlocks(ctx, invited);
    // With consent, the others are invited once the room exists; without, they are members from the start.
    const consent = options.invitations === 'accept';
    const members: Array<{ user: string; role: StoredMember['role'] }> = [
      { user: me, role: 'owner' },
      ...(consent ? [] : invited.map((user) => ({ user, role: 'member' as const }))),
    ];
    if (args.room !== undefined && (await storage.getRoom(args.room))) {
      throw new RequestError(ErrorCode.Conflict, `a room with id ${args.room} exists`);
    }
    // Its cost grows with the members: counted against the user's rooms and invites per window.
    ctx.services.quotas.requests.createRoom(me, invited.length, ctx.now);
    const room = await storage.createRoom({
      id: args.room ?? newRoomId(),
      kind: args.kind,
      name: args.name,
      topic: args.topic ?? '',
      createdBy: me,
      now: ctx.now,
      directKey: null,
      members,
    });
    ctx.defer(() => announceCreated(ctx.services, room.id));
    if (consent) for (const user of invited) await invite(ctx, room, user, 'member');
    return { room: await roomInfoFor(storage, room, me) };
  },

  async 'room.direct'(ctx, args) {
    const { storage } = ctx.services;
    const me = ctx.user.id;
    if (args.user === me) throw new RequestError(ErrorCode.BadRequest, 'a direct room needs another user');
    if (await storage.isBlockedEither(me, args.user)) throw new RequestError(ErrorCode.Blocked, 'one of you blocked the other');
    const key = directKey(me, args.user);
    const existing = await storage.findDirectRoom(key);
    if (existing) return { room: await roomInfoFor(storage, existing, me) };
    ctx.services.quotas.requests.createRoom(me, 0, ctx.now);
    let room: StoredRoom;
    try {
      room = await storage.createRoom({
        id: newRoomId(),
        kind: 'direct',
        name: '',
        topic: '',
        createdBy: me,
        now: ctx.now,
        directKey: key,
        members: [
          { user: me, role: 'owner' },
          { user: args.user, role: 'owner' },
        ],
      });
    } catch (error) {
      // Both users opened the room at the same moment: the other request won.
      if (!isStorageError(error, 'conflict')) throw error;
      const winner = await storage.findDirectRoom(key);
      if (!winner) throw error;
      return { room: await roomInfoFor(storage, winner, me) };
    }
    ctx.defer(() => announceCreated(ctx.services, room.id));
    return { room: await roomInfoFor(storage, room, me) };
  },

  async 'room.get'(ctx, args) {
    const { room, member } = await visibleRoom(ctx.services.storage, args.room, ctx.user.id);
    return { room: await roomInfoFor(ctx.services.storage, room, ctx.user.id, member) };
  },

  async 'room.members'(ctx, args) {
    await memberOf(ctx.services.storage, args.room, ctx.user.id);
    const members = await ctx.services.storage.listMembers(args.room);
    return { members: members.map(toMemberInfo) };
  },

  async 'room.join'(ctx, args) {
    const { storage } = ctx.services;
    const me = ctx.user.id;
    const room = requireRoom(await storage.getRoom(args.room));
    const existing = await storage.getMember(room.id, me);
    if (existing) return { room: await roomInfoFor(storage, room, me, existing) };
    if (room.kind !== 'public') throw new RequestError(ErrorCode.NotFound, 'no such room');
    if (await storage.isBanned(room.id, me)) throw new RequestError(ErrorCode.Banned, 'you are banned from this room');
    checkCapacity(ctx, room);
    let added;
    try {
      added = await storage.addMember(room.id, me, 'member', ctx.now, { event: 'joined', actor: me });
    } catch (error) {
      if (!isStorageError(error, 'conflict')) throw error;
      return { room: await infoFor(ctx, room.id) };
    }
    const { systemMessage, ...member } = added;
    ctx.defer(() => announceAdded(ctx.services, room.id, member, systemMessage));
    return { room: await infoFor(ctx, room.id, member) };
  },

  async 'room.leave'(ctx, args) {
    const { storage } = ctx.services;
    const me = ctx.user.id;
    const { room, member } = await memberOf(storage, args.room, me);
    requireAllowed('leave', room, member);
    const { systemMessage } = await storage.removeMember(room.id, me, ctx.now, { event: 'left', actor: me });
    let heir: StoredMember | null = null;
    if (member.role === 'owner') {
      const next = nextOwner(await storage.listMembers(room.id));
      if (next) heir = await storage.updateMember(room.id, next.user, { role: 'owner' });
    }
    ctx.defer(async () => {
      await announceRemoved(ctx.services, room.id, toMemberInfo(member), 'left', systemMessage);
      if (heir) await announceMemberUpdated(ctx.services, heir);
    });
    return {};
  },

  async 'room.invite'(ctx, args) {
    const { storage } = ctx.services;
    const me = ctx.user.id;
    const { room, member } = await memberOf(storage, args.room, me);
    requireAllowed('invite', room, member);
    if (await storage.getMember(room.id, args.user)) throw new RequestError(ErrorCode.Conflict, 'already a member');
    if (await storage.isBanned(room.id, args.user)) throw new RequestError(ErrorCode.Banned, 'the user is banned from this room');
    await requireNoBlocks(ctx, [args.user]);
    checkCapacity(ctx, room);
    ctx.services.quotas.requests.invite(me, 1, ctx.now);
    if (ctx.services.options.invitations === 'accept') return { invitation: await invite(ctx, room, args.user, 'member') };
    const { systemMessage, ...added } = await storage.addMember(room.id, args.user, 'member', ctx.now, {
      event: 'invited',
      actor: me,
      target: args.user,
    });
    ctx.defer(() => announceAdded(ctx.services, room.id, added, systemMessage));
    return { member: toMemberInfo(added) };
  },

  async 'room.kick'(ctx, args) {
    const { storage } = ctx.services;
    const me = ctx.user.id;
    const { room, member } = await memberOf(storage, args.room, me);
    requireAllowed('kick', room, member);
    const target = await targetMember(ctx, 'kick', room, member, args.user);
    const { systemMessage } = await storage.removeMember(room.id, target.user, ctx.now, {
      event: 'kicked',
      actor: me,
      target: target.user,
    });
    ctx.defer(() => announceRemoved(ctx.services, room.id, toMemberInfo(target), 'kicked', systemMessage));
    return {};
  },

  async 'room.ban'(ctx, args) {
    const { storage } = ctx.services;
    const me = ctx.user.id;
    const { room, member } = await memberOf(storage, args.room, me);
    requireAllowed('ban', room, member);
    if (args.user === me) throw forbidden('you cannot ban yourself');
    const target = await storage.getMember(room.id, args.user);
    if (target && !can('ban', { kind: room.kind, actor: member.role, target: target.role })) throw forbidden();
    await storage.setBan(room.id, args.user, true, me, ctx.now);
    if (target) {
      const { systemMessage } = await storage.removeMember(room.id, target.user, ctx.now, {
        event: 'banned',
        actor: me,
        target: target.user,
      });
      ctx.defer(() => announceRemoved(ctx.services, room.id, toMemberInfo(target), 'banned', systemMessage));
    }
    return {};
  },

  async 'room.unban'(ctx, args) {
    const { storage } = ctx.services;
    const { room, member } = await memberOf(storage, args.room, ctx.user.id);
    requireAllowed('unban', room, member);
    await storage.setBan(room.id, args.user, false, ctx.user.id, ctx.now);
    return {};
  },

  async 'room.mute'(ctx, args) {
    const { storage } = ctx.services;
    const { room, member } = await memberOf(storage, args.room, ctx.user.id);
    requireAllowed('mute', room, member);
    const target = await targetMember(ctx, 'mute', room, member, args.user);
    const mutedUntil = args.durationMs === undefined ? MUTED_FOREVER : ctx.now + args.durationMs;
    const updated = await storage.updateMember(room.id, target.user, { mutedUntil });
    ctx.defer(() => announceMemberUpdated(ctx.services, updated));
    return { member: toMemberInfo(updated) };
  },

  async 'room.unmute'(ctx, args) {
    const { storage } = ctx.services;
    const { room, member } = await memberOf(storage, args.room, ctx.user.id);
    requireAllowed('unmute', room, member);
    const target = await targetMember(ctx, 'unmute', room, member, args.user);
    const updated = await storage.updateMember(room.id, target.user, { mutedUntil: null });
    ctx.defer(() => announceMemberUpdated(ctx.services, updated));
    return { member: toMemberInfo(updated) };
  },

  async 'room.setRole'(ctx, args) {
    const { storage } = ctx.services;
    const { room, member } = await memberOf(storage, args.room, ctx.user.id);
    requireAllowed('setRole', room, member);
    const target = await targetMember(ctx, 'setRole', room, member, args.user);
    if (!can('setRole', { kind: room.kind, actor: member.role, target: target.role, newRole: args.role })) {
      throw forbidden('you may not give this role');
    }
    const updated = await storage.updateMember(room.id, target.user, { role: args.role });
    ctx.defer(() => announceMemberUpdated(ctx.services, updated));
    return { member: toMemberInfo(updated) };
  },

  async 'room.update'(ctx, args) {
    const { storage } = ctx.services;
    const { room, member } = await memberOf(storage, args.room, ctx.user.id);
    requireAllowed('update', room, member);
    const patch: { name?: string; topic?: string; retention?: StoredRoom['retention'] } = {};
    if (args.name !== undefined && args.name !== room.name) patch.name = args.name;
    if (args.topic !== undefined) patch.topic = args.topic;
    if (args.retention !== undefined) patch.retention = args.retention;
    const { systemMessage, ...updated } = await storage.updateRoom(room.id, patch, ctx.user.id, ctx.now);
    ctx.defer(async () => {
      await announceMessage(ctx.services, systemMessage);
      await announceRoomUpdated(ctx.services, room.id);
    });
    return { room: await roomInfoFor(storage, updated, ctx.user.id, member) };
  },

  async 'user.block'(ctx, args) {
    if (args.user === ctx.user.id) throw new RequestError(ErrorCode.BadRequest, 'you cannot block yourself');
    await ctx.services.storage.setBlock(ctx.user.id, args.user, true, ctx.now);
    return {};
  },

  async 'user.unblock'(ctx, args) {
    await ctx.services.storage.setBlock(ctx.user.id, args.user, false, ctx.now);
    return {};
  },
};
