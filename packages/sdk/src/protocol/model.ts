/** Domain objects as they travel on the wire (JSON). Times are epoch milliseconds. */

/** Kinds of room, which decide who may join and who may post. */
export type RoomKind = 'direct' | 'group' | 'public' | 'broadcast' | 'workspace';
export const ROOM_KINDS: readonly RoomKind[] = ['direct', 'group', 'public', 'broadcast', 'workspace'];

/** Roles in a room, strongest first. */
export type Role = 'owner' | 'admin' | 'moderator' | 'member';
export const ROLES: readonly Role[] = ['owner', 'admin', 'moderator', 'member'];

/** Presence as other users see it. */
export type PresenceStatus = 'online' | 'away' | 'offline';

/** A user as known to the server (from the token's claims). */
export interface UserInfo {
  id: string;
  name: string;
}

/** How long a room keeps its history; `null` means no limit. */
export interface Retention {
  maxAgeMs: number | null;
  maxMessages: number | null;
}

/** A room as seen by the requesting user. */
export interface RoomInfo {
  id: string;
  kind: RoomKind;
  name: string;
  topic: string;
  createdAt: number;
  createdBy: string;
  /** Sequence number of the newest message (0 when empty). */
  lastSeq: number;
  /** Change counter: bumped by every new or changed message. */
  rev: number;
  /** Messages with `seq <= floorSeq` were removed by retention. */
  floorSeq: number;
  retention: Retention;
  memberCount: number;
  /** The requesting user's role, or null when not a member (public rooms). */
  role: Role | null;
  /** For direct rooms: the other user's id. */
  peer: string | null;
  /** The requesting user's read marker. */
  readSeq: number;
  /** Messages after the read marker not sent by the requesting user. */
  unread: number;
  /** Custom JSON the host's backend set on the room (within `CUSTOM_DATA_LIMITS`); absent when none. */
  data?: unknown;
}

/** A member of a room. */
export interface MemberInfo {
  user: string;
  name: string;
  role: Role;
  joinedAt: number;
  readSeq: number;
  deliveredSeq: number;
  /** Muted until this time, or null. */
  mutedUntil: number | null;
}

/**
 * An invitation to a room, waiting for the invited user to accept or decline
 * (servers that ask for consent; see the `invitations` server option). Until
 * accepted, the user is not a member and sees nothing of the room but this.
 */
export interface InvitationInfo {
  room: string;
  kind: RoomKind;
  name: string;
  /** Who invited, and their display name. */
  inviter: string;
  inviterName: string;
  /** The role the user will have. */
  role: Role;
  invitedAt: number;
}

/** An uploaded file attached to a message. */
export interface AttachmentInfo {
  id: string;
  name: string;
  type: string;
  size: number;
}

/** What a system message records. */
/** `notice`: a message the host's backend posted as the system; its `text` is shown as it is. */
export type SystemEvent = 'created' | 'joined' | 'left' | 'invited' | 'kicked' | 'banned' | 'renamed' | 'notice';

export interface SystemInfo {
  event: SystemEvent;
  actor: string;
  target: string | null;
  /** The new name for `renamed`. */
  name: string | null;
}

/** A chat message, including system messages and tombstones. */
export interface Message {
  id: string;
  room: string;
  /** Position in the room: 1, 2, 3… without gaps, the same for every client. */
  seq: number;
  /** The room's change counter when this message last changed. */
  rev: number;
  sender: string;
  /** The sender's idempotency key; null for system messages. */
  clientId: string | null;
  kind: 'user' | 'system';
  /** Plain text (inline markdown is rendered by clients, never as HTML). Empty when deleted. */
  text: string;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  parentId: string | null;
  replyCount: number;
  /** User ids mentioned with `@id`. */
  mentions: string[];
  /** emoji → ids of users who reacted with it. */
  reactions: Record<string, string[]>;
  attachments: AttachmentInfo[];
  system: SystemInfo | null;
  /** Set when the moderation hook flagged the message. */
  flagged: boolean;
  /**
   * Custom JSON the sender or the host's backend attached (within
   * `CUSTOM_DATA_LIMITS`), e.g. a booking card; absent when none. Erased
   * with the message.
   */
  data?: unknown;
}

/** One earlier version of an edited message. */
export interface MessageEdit {
  text: string;
  /** When this version was replaced. */
  replacedAt: number;
}
