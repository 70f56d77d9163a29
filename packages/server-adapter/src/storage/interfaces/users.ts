/** Users as storage knows them: an id and a display name. */
import type { UserInfo } from '@parley/sdk/protocol';

/** Display names of users, recorded as they connect. */
export interface UserStore {
  /** Records or refreshes a user's display name. */
  upsertUser(user: UserInfo): Promise<void>;
  /** The users of `ids` that are known, each once, in the order of `ids`. */
  getUsers(ids: string[]): Promise<UserInfo[]>;
}
