/**
 * Rooms and members as the host's backend manages them. Each change goes
 * through the same storage calls and announcements as when a user makes it,
 * so live members see `room.added`, `member`, `room.updated` and the system
 * messages exactly as usual. The admin is the host: people it adds join at
 * once (no invitation to accept), whatever `invitations` says.
 */
import { ErrorCode } from '@parley/sdk/protocol';
import type { Limits, MemberInfo, Role } from '@parley/sdk/protocol';
import { RequestError } from '../errors.js';
import type { Logger } from '../logger.js';
import { announceAdded, announceCreated, announceMemberUpdated, announceMessage, announceRemoved, announceRoomUpdated } from '../rooms/announce.js';
import type { Announcer } from '../rooms/announce.js';
import { newRoomId } from '../rooms/ids.js';
import { nextOwner } from '../rooms/policy.js';
import { roomInfoFor, toMemberInfo } from '../rooms/views.js';
import { customDataProblem } from '../rooms/custom-data.js';
import type { RoomPatch, StoredMember, StoredRoom } from '../storage/storage.js';
import { CreateRoomSchema, PutMemberSchema, UpdateRoomSchema, parseInput } from './admin-schemas.js';
import type { AdminRoom, AdminRoomInput, AdminRoomPatch } from './admin-api.js';

export type { AdminRoom, AdminRoomInput, AdminRoomPatch } from './admin-api.js';

/** What the room operations use. */
export interface AdminRoomDeps extends Announcer {
  limits: Pick<Limits, 'maxRoomMembers'>;
  logger: Logger;
}

/** The room operations of the admin API. */
export class AdminRooms {
  readonly #deps: AdminRoomDeps;

  /** Works through `deps`. */
  constructor(deps: AdminRoomDeps) {
    this.#deps = deps;
  }

  /** Creates a room with its members, who get `room.added` live. */
  async createRoom(input: AdminRoomInput): Promise<AdminRoom> {
    const { id, kind, name, topic, members, actor, data = null } = parseInput(CreateRoomSchema, input);
    checkData(data);
    const { storage } = this.#deps;
    const roles = new Map<string, Role>();
    for (const member of members) roles.set(member.user, member.role ?? 'member');
    if (roles.size > this.#deps.limits.maxRoomMembers) throw new RequestError(ErrorCode.Forbidden, 'too many members for one room');
    const listed = [...roles].map(([user, role]) => ({ user, role }));
    const createdBy = actor ?? (listed.find((m) => m.role === 'owner') ?? listed[0]).user;
    if (id !== undefined && (await storage.getRoom(id))) throw new RequestError(ErrorCode.Conflict, `a room with id ${id} exists`);
    const room = await storage.createRoom({ id: id ?? newRoomId(), kind, name, topic: topic ?? '', createdBy, now: Date.now(), directKey: null, members: listed, data });
    await this.#announce(() => announceCreated(this.#deps, room.id));
    return this.#view(room);
  }

  /** Renames, re-topics or sets retention; members get `room.updated` (and a `renamed` message). */
  async updateRoom(roomId: string, patch: AdminRoomPatch): Promise<AdminRoom> {
    const { name, topic, retention, actor, data } = parseInput(UpdateRoomSchema, patch);
    if (data !== undefined) checkData(data);
    const room = await this.#room(roomId);
    const changes: RoomPatch = {};
    if (name !== undefined && name !== room.name) changes.name = name;
    if (topic !== undefined) changes.topic = topic;
    if (retention !== undefined) changes.retention = retention;
    if (data !== undefined) changes.data = data;
    const { systemMessage, ...updated } = await this.#deps.storage.updateRoom(room.id, changes, actor ?? room.createdBy, Date.now());
    await this.#announce(async () => {
      await announceMessage(this.#deps, systemMessage);
      await announceRoomUpdated(this.#deps, room.id);
    });
    return this.#view(updated);
  }

  /** Adds `user` with `role` (default `member`), or changes an existing member's role. */
  async putMember(roomId: string, user: string, input: { role?: Role } = {}): Promise<{ member: MemberInfo; added: boolean }> {
    const { role = 'member' } = parseInput(PutMemberSchema, input);
    const room = await this.#room(roomId);
    const { storage } = this.#deps;
    const existing = await storage.getMember(room.id, user);
    if (existing) {
      if (existing.role === role) return { member: toMemberInfo(existing), added: false };
      const updated = await storage.updateMember(room.id, user, { role });
      await this.#announce(() => announceMemberUpdated(this.#deps, updated));
      return { member: toMemberInfo(updated), added: false };
    }
    if (await storage.isBanned(room.id, user)) throw new RequestError(ErrorCode.Banned, 'the user is banned from this room');
    if (room.memberCount + 1 > this.#deps.limits.maxRoomMembers) throw new RequestError(ErrorCode.Forbidden, 'the room is full');
    const { systemMessage, ...added } = await storage.addMember(room.id, user, role, Date.now(), { event: 'joined', actor: user });
    await this.#announce(() => announceAdded(this.#deps, room.id, added, systemMessage));
    return { member: toMemberInfo(added), added: true };
  }

  /** Removes `user` (seen as leaving); the longest-serving highest-ranked member inherits a last owner's role. */
  async removeMember(roomId: string, user: string): Promise<void> {
    const room = await this.#room(roomId);
    const { storage } = this.#deps;
    const member = await storage.getMember(room.id, user);
    if (!member) throw new RequestError(ErrorCode.NotFound, 'no such member');
    const { systemMessage } = await storage.removeMember(room.id, user, Date.now(), { event: 'left', actor: user });
    let heir: StoredMember | null = null;
    const members = await storage.listMembers(room.id);
    if (member.role === 'owner' && !members.some((m) => m.role === 'owner')) {
      const next = nextOwner(members);
      if (next) heir = await storage.updateMember(room.id, next.user, { role: 'owner' });
    }
    await this.#announce(async () => {
      await announceRemoved(this.#deps, room.id, toMemberInfo(member), 'left', systemMessage);
      if (heir) await announceMemberUpdated(this.#deps, heir);
    });
  }

  async #room(roomId: string): Promise<StoredRoom> {
    const room = await this.#deps.storage.getRoom(roomId);
    if (!room) throw new RequestError(ErrorCode.NotFound, 'no such room');
    return room;
  }

  async #view(room: StoredRoom): Promise<AdminRoom> {
    const { role: _role, peer: _peer, readSeq: _readSeq, unread: _unread, ...info } = await roomInfoFor(this.#deps.storage, room, '', null);
    const fresh = await this.#deps.storage.getRoom(room.id);
    const members = await this.#deps.storage.listMembers(room.id);
    return { room: { ...info, memberCount: fresh?.memberCount ?? info.memberCount }, members: members.map(toMemberInfo) };
  }

  /** Fan-out after the commit: a failure there is logged, the change stands (clients catch up on sync). */
  async #announce(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'admin change committed but not announced');
    }
  }
}

/** Refuses custom data over `CUSTOM_DATA_LIMITS` with `payload_too_large`. */
function checkData(data: unknown): void {
  const problem = data === null ? null : customDataProblem(data);
  if (problem) throw new RequestError(ErrorCode.PayloadTooLarge, problem);
}
