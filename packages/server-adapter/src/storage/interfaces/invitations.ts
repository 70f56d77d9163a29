/** Invitations waiting for the invited user's consent. */
import type { Role } from '@parley/sdk/protocol';
import type { StoredMember } from './members.js';
import type { WithSystemMessage } from './messages.js';

/** An invitation waiting for the invited user to accept or decline. */
export interface StoredInvitation {
  room: string;
  user: string;
  inviter: string;
  role: Role;
  invitedAt: number;
}

/** Pending invitations and their turning into memberships. */
export interface InvitationStore {
  /** Records an invitation; `conflict` when the user is already invited to or a member of the room, `not_found` without the room. */
  addInvitation(invitation: StoredInvitation): Promise<void>;
  getInvitation(room: string, user: string): Promise<StoredInvitation | null>;
  /** The user's pending invitations, newest first, at most `limit`. */
  listInvitations(user: string, limit: number): Promise<StoredInvitation[]>;
  /**
   * Turns the invitation into a membership with its role, a `joined` system
   * message and the invitation removed, in one transaction; `not_found`
   * when there is no such invitation.
   */
  acceptInvitation(room: string, user: string, now: number): Promise<StoredMember & WithSystemMessage>;
  /** Removes an invitation; false when there was none. */
  removeInvitation(room: string, user: string): Promise<boolean>;
}
