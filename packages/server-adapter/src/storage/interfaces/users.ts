/** Users as storage knows them: an id, a display name and the profile a host sets. */
import type { UserInfo } from '@parley/sdk/protocol';

/** What a host's backend records about a user (admin API): display name, avatar and custom JSON. */
export interface UserProfile {
  id: string;
  name: string;
  avatarUrl: string | null;
  /** Custom JSON as the host gave it; null when none. */
  data: unknown;
}

/** Display names of users, recorded as they connect, and the profiles hosts set. */
export interface UserStore {
  /** Records or refreshes a user's display name. */
  upsertUser(user: UserInfo): Promise<void>;
  /** The users of `ids` that are known, each once, in the order of `ids`. */
  getUsers(ids: string[]): Promise<UserInfo[]>;
  /** Creates or replaces a user's profile (name, avatar, data). */
  saveUserProfile(profile: UserProfile): Promise<void>;
  /** A user's profile, or null for a user never seen. */
  getUserProfile(id: string): Promise<UserProfile | null>;
}
