import type { CallEventFrame, CallRequests } from './calls.js';
import type { ErrorCode } from './codes.js';
import type { Limits } from './limits.js';
import type {
  InvitationInfo,
  MemberInfo,
  Message,
  MessageEdit,
  PresenceStatus,
  Retention,
  Role,
  RoomInfo,
  RoomKind,
  UserInfo,
} from './model.js';

/** The protocol version this module describes. */
export const PROTOCOL_VERSION = 1;

/** A room's position as the client knows it, sent in `sync`. */
export interface RoomCursor {
  room: string;
  /** Highest message sequence the client has. */
  seq: number;
  /** Highest room `rev` the client has applied. */
  rev: number;
}

/** What `sync` returns for one room. */
export interface RoomSync {
  room: string;
  /** Messages changed or created since the cursor's `rev`, in `rev` order. */
  messages: Message[];
  /** Set when messages the client never saw were removed by retention. */
  gap: { from: number; to: number } | null;
  /** More changes wait: call `sync` again from the last message's `rev`. */
  more: boolean;
  lastSeq: number;
  rev: number;
  /** The room no longer exists for this user (left, kicked, banned). */
  removed: boolean;
}

/**
 * Every request the client can make: its arguments and the `result` of its ack.
 * The frame is `{ type, id, ...args }`; the ack is `{ type: 'ack', id, result }`.
 * Call requests are declared in `calls.ts`.
 */
export interface Requests extends CallRequests {
  ping: { args: Record<string, never>; result: { t: number } };
  sync: { args: { rooms: RoomCursor[] }; result: { rooms: RoomSync[] } };
  'rooms.list': { args: Record<string, never>; result: { rooms: RoomInfo[]; unreadTotal: number } };
  'rooms.discover': { args: { query?: string; limit?: number }; result: { rooms: RoomInfo[] } };
  'room.create': {
    /**
     * `room` (optional) names the room with a readable id instead of a generated
     * one (`[a-z0-9][a-z0-9_-]{0,63}`); a taken id answers `conflict`. (Not `id`:
     * that field is the request id.)
     */
    args: { room?: string; kind: Exclude<RoomKind, 'direct'>; name: string; topic?: string; members?: string[] };
    result: { room: RoomInfo };
  };
  'room.direct': { args: { user: string }; result: { room: RoomInfo } };
  'room.get': { args: { room: string }; result: { room: RoomInfo } };
  'room.members': { args: { room: string }; result: { members: MemberInfo[] } };
  'room.join': { args: { room: string }; result: { room: RoomInfo } };
  'room.leave': { args: { room: string }; result: Record<string, never> };
  /**
   * Adds `user` at once (`member`), or, on a server that asks for consent,
   * invites them (`invitation`): they become a member when they accept.
   */
  'room.invite': { args: { room: string; user: string }; result: { member?: MemberInfo; invitation?: InvitationInfo } };
  /** The user's pending invitations, newest first. */
  'invitations.list': { args: Record<string, never>; result: { invitations: InvitationInfo[] } };
  /** Accepts an invitation: the user becomes a member (`room.added` follows). */
  'room.accept': { args: { room: string }; result: { room: RoomInfo } };
  /** Declines an invitation (nobody else is told). */
  'room.decline': { args: { room: string }; result: Record<string, never> };
  'room.kick': { args: { room: string; user: string }; result: Record<string, never> };
  'room.ban': { args: { room: string; user: string }; result: Record<string, never> };
  'room.unban': { args: { room: string; user: string }; result: Record<string, never> };
  'room.mute': { args: { room: string; user: string; durationMs?: number }; result: { member: MemberInfo } };
  'room.unmute': { args: { room: string; user: string }; result: { member: MemberInfo } };
  'room.setRole': { args: { room: string; user: string; role: Exclude<Role, 'owner'> }; result: { member: MemberInfo } };
  'room.update': {
    args: { room: string; name?: string; topic?: string; retention?: Retention };
    result: { room: RoomInfo };
  };
  'user.block': { args: { user: string }; result: Record<string, never> };
  'user.unblock': { args: { user: string }; result: Record<string, never> };
  'message.send': {
    args: { room: string; clientId: string; text: string; parentId?: string; attachments?: string[]; data?: unknown };
    result: { message: Message };
  };
  'message.edit': { args: { messageId: string; clientId: string; text: string }; result: { message: Message } };
  'message.delete': { args: { messageId: string; clientId: string }; result: { message: Message } };
  'message.react': {
    args: { messageId: string; clientId: string; emoji: string; on: boolean };
    result: { message: Message };
  };
  'message.history': {
    args: { room: string; before?: number; limit?: number };
    result: { messages: Message[]; hasMore: boolean };
  };
  'message.thread': {
    args: { messageId: string; after?: number; limit?: number };
    result: { parent: Message; replies: Message[]; hasMore: boolean };
  };
  'message.edits': { args: { messageId: string }; result: { edits: MessageEdit[] } };
  search: { args: { query: string; room?: string; limit?: number }; result: { messages: Message[] } };
  receipt: {
    args: { room: string; delivered?: number; read?: number };
    result: { readSeq: number; deliveredSeq: number; unread: number; unreadTotal: number };
  };
  typing: { args: { room: string; typing: boolean }; result: Record<string, never> };
  'presence.set': { args: { status: Exclude<PresenceStatus, 'offline'> }; result: Record<string, never> };
  'presence.get': { args: { users: string[] }; result: { presence: PresenceInfo[] } };
  'attachment.url': { args: { attachmentId: string }; result: { url: string; expiresAt: number } };
}

export type RequestType = keyof Requests;
export type RequestArgs<T extends RequestType> = Requests[T]['args'];
export type RequestResult<T extends RequestType> = Requests[T]['result'];

/** A client → server request frame of one type. */
export type RequestFrameOf<T extends RequestType> = { type: T; id: number } & RequestArgs<T>;

/** Any client → server request frame (a union discriminated by `type`). */
export type RequestFrame = { [K in RequestType]: RequestFrameOf<K> }[RequestType];

/** The first frame on every connection. */
export interface AuthFrame {
  type: 'auth';
  id: number;
  v: number;
  token: string;
}

/** Every frame a client may send. */
export type ClientFrame = AuthFrame | RequestFrame;

export interface PresenceInfo {
  user: string;
  status: PresenceStatus;
  lastSeen: number | null;
}

/** The server's answer to a valid `auth` frame. */
export interface WelcomeFrame {
  type: 'welcome';
  id: number;
  v: number;
  user: UserInfo;
  /** Identifies this connection in logs. */
  session: string;
  serverTime: number;
  heartbeatMs: number;
  limits: Limits;
}

export interface AckFrame {
  type: 'ack';
  id: number;
  result: RequestResult<RequestType>;
}

export interface ErrorFrame {
  type: 'error';
  /** The request that failed; absent for errors about unparseable frames. */
  id?: number;
  code: ErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
}

/** Server-pushed events, each with a `type` discriminant. */
export type EventFrame =
  | { type: 'message'; message: Message }
  | { type: 'message.updated'; message: Message }
  | { type: 'room.added'; room: RoomInfo }
  | { type: 'room.updated'; room: RoomInfo }
  | { type: 'room.removed'; room: string; reason: 'left' | 'kicked' | 'banned' }
  /** To the invited user's devices: someone invited them to a room. */
  | { type: 'invitation'; invitation: InvitationInfo }
  /** To the invited user's devices: an invitation is gone (accepted or declined on another device, or the room is gone). */
  | { type: 'invitation.removed'; room: string; reason: 'accepted' | 'declined' | 'gone' }
  | { type: 'member'; room: string; member: MemberInfo; change: 'joined' | 'left' | 'updated' | 'kicked' | 'banned' }
  | { type: 'receipt'; room: string; user: string; readSeq: number; deliveredSeq: number }
  | { type: 'unread'; room: string; readSeq: number; unread: number; unreadTotal: number }
  | { type: 'typing'; room: string; user: string; typing: boolean }
  | { type: 'presence'; user: string; status: PresenceStatus; lastSeen: number | null }
  /** Several users' presence changes for one recipient, gathered over a short window (same fields as `presence`). */
  | { type: 'presence.batch'; presence: PresenceInfo[] }
  | CallEventFrame;

export type EventType = EventFrame['type'];

/** Every frame a server may send. */
export type ServerFrame = WelcomeFrame | AckFrame | ErrorFrame | EventFrame;
