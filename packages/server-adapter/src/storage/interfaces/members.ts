/** Memberships: who is in a room with which role, and who shares a room with whom. */
import type { Role } from '@parley/sdk/protocol';
import type { SystemMessageInput, WithSystemMessage } from './messages.js';

/** A membership row. */
export interface StoredMember {
  room: string;
  user: string;
  name: string;
  role: Role;
  joinedAt: number;
  readSeq: number;
  deliveredSeq: number;
  mutedUntil: number | null;
}

/** The members of rooms. */
export interface MemberStore {
  getMember(room: string, user: string): Promise<StoredMember | null>;
  listMembers(room: string): Promise<StoredMember[]>;
  /**
   * Ids of every user who shares at least one room with `user` (for presence);
   * with `maxRoomMembers`, only through rooms of at most that many members.
   */
  listContacts(user: string, maxRoomMembers?: number): Promise<string[]>;
  /** Those of `candidates` who share at least one room with `user` and neither blocked the other (for presence lookups). */
  visiblePeers(user: string, candidates: readonly string[]): Promise<string[]>;
  /** Adds a member (joined or invited), with a system message when given. */
  addMember(
    room: string,
    user: string,
    role: Role,
    now: number,
    system: SystemMessageInput | null,
  ): Promise<StoredMember & WithSystemMessage>;
  /** Removes a member (left, kicked, banned), with a system message when given. */
  removeMember(room: string, user: string, now: number, system: SystemMessageInput | null): Promise<WithSystemMessage>;
  updateMember(
    room: string,
    user: string,
    patch: { role?: Role; mutedUntil?: number | null },
  ): Promise<StoredMember>;
}
