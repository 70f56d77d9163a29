/** Rooms: their rows, creation, settings, and the rooms a user is in or may discover. */
import type { Retention, Role, RoomKind } from '@parley/sdk/protocol';
import type { StoredMember } from './members.js';
import type { WithSystemMessage } from './messages.js';

/** A room row, independent of who asks. */
export interface StoredRoom {
  id: string;
  kind: RoomKind;
  name: string;
  topic: string;
  createdAt: number;
  createdBy: string;
  lastSeq: number;
  rev: number;
  floorSeq: number;
  retention: Retention;
  memberCount: number;
  /** For direct rooms: the two user ids sorted and joined with a newline; unique. */
  directKey: string | null;
  /** Custom JSON the host set; absent or null when none. */
  data?: unknown;
}

/** What {@link RoomStore.updateRoom} changes; absent fields stay (`data: null` clears the data). */
export interface RoomPatch {
  name?: string;
  topic?: string;
  retention?: Retention;
  data?: unknown;
}

/** A room to create; see {@link RoomStore.createRoom}. */
export interface CreateRoomInput {
  id: string;
  kind: RoomKind;
  name: string;
  topic: string;
  createdBy: string;
  now: number;
  directKey: string | null;
  /** Initial members; the creator is among them with role `owner` (both users for direct rooms). */
  members: Array<{ user: string; role: Role }>;
  /** Custom JSON (already checked against `CUSTOM_DATA_LIMITS`); absent or null for none. */
  data?: unknown;
}

/** The rooms themselves. */
export interface RoomStore {
  /** Creates a room with its members and a `created` system message. */
  createRoom(input: CreateRoomInput): Promise<StoredRoom>;
  getRoom(id: string): Promise<StoredRoom | null>;
  findDirectRoom(directKey: string): Promise<StoredRoom | null>;
  /** Renames (with a `renamed` system message), re-topics, sets retention or custom data. */
  updateRoom(
    id: string,
    patch: RoomPatch,
    actor: string,
    now: number,
  ): Promise<StoredRoom & WithSystemMessage>;
  /** Rooms the user is a member of, with their membership. */
  listUserRooms(user: string): Promise<Array<{ room: StoredRoom; member: StoredMember }>>;
  /** Public rooms whose name contains `query` (case-insensitive), newest activity first. */
  discoverRooms(query: string, limit: number): Promise<StoredRoom[]>;
}
