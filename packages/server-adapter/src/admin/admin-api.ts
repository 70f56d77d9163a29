/**
 * The public types of the admin API (`server.admin` and the `/v1/admin/`
 * routes). Kept apart from the implementation so the published declarations
 * of `ParleyServer` name only these and the protocol, never the server's
 * internals (whose types reach optional peers such as mediasoup).
 */
import type * as v from 'valibot';
import type { MemberInfo, Message, Role, RoomInfo } from '@parley/sdk/protocol';
import type { UserProfile } from '../storage/storage.js';
import type { CreateRoomSchema, PostMessageSchema, UpdateRoomSchema } from './admin-schemas.js';

/** Input of `createRoom`: members with their roles (default `member`); `actor` is named by the `created` message (default: the first owner, else the first member). */
export type AdminRoomInput = v.InferInput<typeof CreateRoomSchema>;
/** Input of `updateRoom`; `actor` is named by a `renamed` message (default: the room's creator); `data: null` clears the data. */
export type AdminRoomPatch = v.InferInput<typeof UpdateRoomSchema>;

/** A room as the admin API answers it: the room without a member's view, and its members. */
export interface AdminRoom {
  room: Omit<RoomInfo, 'role' | 'peer' | 'readSeq' | 'unread'>;
  members: MemberInfo[];
}

/** Input of `postMessage`. */
export type AdminMessageInput = v.InferInput<typeof PostMessageSchema>;

/** What `upsertUser` sets; absent fields are cleared (`name` falls back to the id). */
export interface UserFields {
  name?: string;
  avatarUrl?: string | null;
  data?: unknown;
}

/** A minted client token and when it stops being accepted. */
export interface MintedToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The admin operations, as `server.admin` offers them. */
export interface AdminApi {
  /** Creates or replaces a user's profile: display name, avatar URL, custom data. */
  upsertUser(id: string, fields?: UserFields): Promise<UserProfile>;
  /** Mints a client token for `id` (needs the HS256 secret), valid `ttlSeconds` (default 1 h, at most 30 days). */
  mintToken(id: string, options?: { ttlSeconds?: number }): Promise<MintedToken>;
  /** Ends every session of `id`, on every node (see `ParleyServer.revokeSessions`). */
  revokeSessions(id: string): Promise<void>;
  /** Creates a room with its members (who join at once and get `room.added` live). */
  createRoom(input: AdminRoomInput): Promise<AdminRoom>;
  /** Changes a room's name, topic or retention; members get `room.updated` live. */
  updateRoom(id: string, patch: AdminRoomPatch): Promise<AdminRoom>;
  /** Adds a member with a role, or changes the role of one; `added` says which. */
  putMember(room: string, user: string, input?: { role?: Role }): Promise<{ member: MemberInfo; added: boolean }>;
  /** Removes a member (the room sees them leave). */
  removeMember(room: string, user: string): Promise<void>;
  /** Posts a message as a member (`from: { user }`) or a system notice (`system: true`), idempotent by `clientId`, delivered live. */
  postMessage(room: string, input: AdminMessageInput): Promise<{ message: Message; duplicate: boolean }>;
  /** A page of a room's history, oldest first (`before`: a seq; `limit` up to the page size). */
  history(room: string, options?: { before?: number; limit?: number }): Promise<{ messages: Message[]; hasMore: boolean }>;
}

