/** Bans from rooms and blocks between users. */

/** Who may not come back to a room, and who does not want to hear from whom. */
export interface ModerationStore {
  setBan(room: string, user: string, banned: boolean, by: string, now: number): Promise<void>;
  isBanned(room: string, user: string): Promise<boolean>;
  setBlock(user: string, target: string, blocked: boolean, now: number): Promise<void>;
  /** True when either user blocked the other. */
  isBlockedEither(a: string, b: string): Promise<boolean>;
}
