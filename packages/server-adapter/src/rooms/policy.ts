/**
 * Who may do what in a room: the whole permission policy in one table.
 * The room handlers ask {@link can} and never compare roles themselves.
 *
 * | action     | who (at least)                       | room kinds      | target                                   |
 * | ---------- | ------------------------------------ | --------------- | ---------------------------------------- |
 * | post       | member; moderator in broadcast rooms | all             | —                                        |
 * | react      | member                               | all             | —                                        |
 * | invite     | moderator                            | all but direct  | not banned, not yet a member             |
 * | kick       | moderator                            | all but direct  | a strictly lower role                    |
 * | ban        | moderator                            | all but direct  | a strictly lower role (or a non-member)  |
 * | unban      | moderator                            | all but direct  | —                                        |
 * | mute       | moderator                            | all but direct  | a strictly lower role                    |
 * | unmute     | moderator                            | all but direct  | a strictly lower role                    |
 * | setRole    | admin (owner: any role; admin: below admin) | all but direct | a strictly lower role, new role below the actor's |
 * | update     | admin (name, topic, retention)       | all but direct  | —                                        |
 * | deleteAny  | moderator (others' messages)         | all but direct  | —                                        |
 * | leave      | member                               | all but direct  | —                                        |
 * | workspace.edit | member; moderator in broadcast rooms | all           | —                                        |
 * | call.join  | member                               | all             | —                                        |
 * | call.produce | member; moderator in broadcast rooms | all           | —                                        |
 *
 * Further rules enforced by the handlers: muted members cannot post, edit or
 * react; only the sender edits a message (never a deleted or system one); the
 * sender may always delete their own message; banned users cannot join or be
 * invited; non-members see `not_member` in public rooms and `not_found` in
 * rooms they cannot see. When the owner leaves, ownership passes to the
 * longest-standing admin, else moderator, else member.
 *
 * Workspaces: every room can hold a shared document. Members read it;
 * `workspace.edit` decides who changes it (in broadcast rooms, as for posting,
 * only moderators and up), and muted members are read-only while muted.
 *
 * Calls: members join a room's call; `call.produce` decides who sends media
 * (in broadcast rooms moderators and up, the others listen), and muted
 * members listen only while muted.
 */
import type { Role, RoomKind } from '@parley/sdk/protocol';

/** Role strength: a higher number outranks a lower one. */
export const ROLE_RANK: Readonly<Record<Role, number>> = Object.freeze({ owner: 3, admin: 2, moderator: 1, member: 0 });

/** Actions governed by the policy table. */
export type RoomAction =
  | 'post'
  | 'react'
  | 'invite'
  | 'kick'
  | 'ban'
  | 'unban'
  | 'mute'
  | 'unmute'
  | 'setRole'
  | 'update'
  | 'deleteAny'
  | 'leave'
  | 'workspace.edit'
  | 'call.join'
  | 'call.produce';

interface Rule {
  /** The weakest role allowed, per room kind (`default` for kinds not listed); null forbids. */
  minRole: Partial<Record<RoomKind, Role | null>> & { default: Role | null };
  /** The target's current role must rank strictly below the actor's. */
  lowerTarget: boolean;
}

const NOT_IN_DIRECT = { direct: null } as const;

/** The policy table (see the module comment for the readable version). */
export const POLICY: Readonly<Record<RoomAction, Rule>> = Object.freeze({
  post: { minRole: { default: 'member', broadcast: 'moderator' }, lowerTarget: false },
  react: { minRole: { default: 'member' }, lowerTarget: false },
  invite: { minRole: { default: 'moderator', ...NOT_IN_DIRECT }, lowerTarget: false },
  kick: { minRole: { default: 'moderator', ...NOT_IN_DIRECT }, lowerTarget: true },
  ban: { minRole: { default: 'moderator', ...NOT_IN_DIRECT }, lowerTarget: true },
  unban: { minRole: { default: 'moderator', ...NOT_IN_DIRECT }, lowerTarget: false },
  mute: { minRole: { default: 'moderator', ...NOT_IN_DIRECT }, lowerTarget: true },
  unmute: { minRole: { default: 'moderator', ...NOT_IN_DIRECT }, lowerTarget: true },
  setRole: { minRole: { default: 'admin', ...NOT_IN_DIRECT }, lowerTarget: true },
  update: { minRole: { default: 'admin', ...NOT_IN_DIRECT }, lowerTarget: false },
  // Both sides of a direct room are owners: neither may erase what the other said.
  deleteAny: { minRole: { default: 'moderator', ...NOT_IN_DIRECT }, lowerTarget: false },
  leave: { minRole: { default: 'member', ...NOT_IN_DIRECT }, lowerTarget: false },
  'workspace.edit': { minRole: { default: 'member', broadcast: 'moderator' }, lowerTarget: false },
  'call.join': { minRole: { default: 'member' }, lowerTarget: false },
  'call.produce': { minRole: { default: 'member', broadcast: 'moderator' }, lowerTarget: false },
});

/** What a permission check needs to know. */
export interface PolicyQuery {
  kind: RoomKind;
  actor: Role;
  /** The target member's current role, for actions on a member. */
  target?: Role | null;
  /** For `setRole`: the role to give. */
  newRole?: Role;
}

/** Whether the actor may perform `action`; pure, so it is tested row by row. */
export function can(action: RoomAction, query: PolicyQuery): boolean {
  const rule = POLICY[action];
  const min = query.kind in rule.minRole ? rule.minRole[query.kind] : rule.minRole.default;
  if (min === null || min === undefined) return false;
  const actorRank = ROLE_RANK[query.actor];
  if (actorRank < ROLE_RANK[min]) return false;
  if (rule.lowerTarget && query.target != null && ROLE_RANK[query.target] >= actorRank) return false;
  if (action === 'setRole' && query.newRole !== undefined && ROLE_RANK[query.newRole] >= actorRank) return false;
  return true;
}

/** Picks the next owner when the owner leaves: the longest-standing admin, else moderator, else member. */
export function nextOwner<M extends { role: Role; joinedAt: number }>(members: readonly M[]): M | null {
  let best: M | null = null;
  for (const m of members) {
    if (m.role === 'owner') continue;
    if (
      best === null ||
      ROLE_RANK[m.role] > ROLE_RANK[best.role] ||
      (ROLE_RANK[m.role] === ROLE_RANK[best.role] && m.joinedAt < best.joinedAt)
    ) {
      best = m;
    }
  }
  return best;
}
