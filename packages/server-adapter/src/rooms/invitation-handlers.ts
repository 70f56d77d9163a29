/**
 * Consent to membership. On a server with `invitations: 'accept'` (the
 * default), adding someone to a room — at creation or by `room.invite` —
 * records an invitation; the invited user sees it (`invitation` event,
 * `invitations.list`) and becomes a member only when they accept it. With
 * `invitations: 'direct'` the host has decided membership is its own
 * business and users are added at once. Either way nobody is added to or
 * invited into a room by someone they blocked or who blocked them.
 */
import { ErrorCode } from '@parley/sdk/protocol';
import type { InvitationInfo, Role } from '@parley/sdk/protocol';
import type { HandlerMap, RequestContext } from '../handlers/services.js';
import { RequestError } from '../errors.js';
import { isStorageError } from '../storage/errors.js';
import type { Storage, StoredInvitation, StoredRoom } from '../storage/storage.js';
import { announceAdded } from './announce.js';
import { roomInfoFor } from './views.js';

/** Pending invitations a user sees at most (newest first). */
const MAX_LISTED_INVITATIONS = 200;

/** Refuses when `actor` and any of `users` blocked one another: blocking holds in every room kind. */
export async function requireNoBlocks(ctx: RequestContext, users: readonly string[]): Promise<void> {
  for (const user of users) {
    if (await ctx.services.storage.isBlockedEither(ctx.user.id, user)) {
      throw new RequestError(ErrorCode.Blocked, `you cannot add ${user}: one of you blocked the other`);
    }
  }
}

/** What the invited user sees of an invitation. */
export async function invitationInfo(storage: Storage, invitation: StoredInvitation, room?: StoredRoom): Promise<InvitationInfo | null> {
  const target = room ?? (await storage.getRoom(invitation.room));
  if (!target) return null;
  const [inviter] = await storage.getUsers([invitation.inviter]);
  return {
    room: target.id,
    kind: target.kind,
    name: target.name,
    inviter: invitation.inviter,
    inviterName: inviter?.name ?? invitation.inviter,
    role: invitation.role,
    invitedAt: invitation.invitedAt,
  };
}

/** Invites `user` to `room` as `role` and tells their devices; `conflict` when already invited or a member. */
export async function invite(ctx: RequestContext, room: StoredRoom, user: string, role: Role): Promise<InvitationInfo> {
  const invitation: StoredInvitation = { room: room.id, user, inviter: ctx.user.id, role, invitedAt: ctx.now };
  try {
    await ctx.services.storage.addInvitation(invitation);
  } catch (error) {
    if (isStorageError(error, 'conflict')) throw new RequestError(ErrorCode.Conflict, `${user} is already invited or a member`);
    throw error;
  }
  const info = (await invitationInfo(ctx.services.storage, invitation, room))!;
  ctx.defer(() => ctx.services.publisher.toUser(user, { type: 'invitation', invitation: info }));
  return info;
}

/** Invitation requests of the invited user. */
export const invitationHandlers: HandlerMap<'invitations.list' | 'room.accept' | 'room.decline'> = {
  async 'invitations.list'(ctx) {
    const { storage } = ctx.services;
    const invitations: InvitationInfo[] = [];
    for (const invitation of await storage.listInvitations(ctx.user.id, MAX_LISTED_INVITATIONS)) {
      const info = await invitationInfo(storage, invitation);
      if (info) invitations.push(info);
    }
    return { invitations };
  },

  async 'room.accept'(ctx, args) {
    const { storage, options } = ctx.services;
    const me = ctx.user.id;
    const invitation = await storage.getInvitation(args.room, me);
    const room = invitation ? await storage.getRoom(args.room) : null;
    if (!invitation || !room) throw new RequestError(ErrorCode.NotFound, 'no such invitation');
    if (await storage.isBanned(room.id, me)) throw new RequestError(ErrorCode.Banned, 'you are banned from this room');
    if (room.memberCount + 1 > options.limits.maxRoomMembers) throw new RequestError(ErrorCode.Forbidden, 'the room is full');
    let accepted;
    try {
      accepted = await storage.acceptInvitation(room.id, me, ctx.now);
    } catch (error) {
      // Accepted on another device meanwhile, or declined.
      if (isStorageError(error, 'not_found') || isStorageError(error, 'conflict')) throw new RequestError(ErrorCode.NotFound, 'no such invitation');
      throw error;
    }
    const { systemMessage, ...member } = accepted;
    ctx.defer(async () => {
      await ctx.services.publisher.toUser(me, { type: 'invitation.removed', room: room.id, reason: 'accepted' });
      await announceAdded(ctx.services, room.id, member, systemMessage);
    });
    return { room: await roomInfoFor(storage, (await storage.getRoom(room.id)) ?? room, me, member) };
  },

  async 'room.decline'(ctx, args) {
    const me = ctx.user.id;
    if (!(await ctx.services.storage.removeInvitation(args.room, me))) throw new RequestError(ErrorCode.NotFound, 'no such invitation');
    ctx.defer(() => ctx.services.publisher.toUser(me, { type: 'invitation.removed', room: args.room, reason: 'declined' }));
    return {};
  },
};
