/** Revocation of a user's sessions. */

/** The point before which a user's tokens are refused. */
export interface SessionStore {
  /** Ends every session of `user` whose token was issued before `before` (epoch ms); a later call moves the point forward only. */
  revokeSessions(user: string, before: number): Promise<void>;
  /** The point set by {@link SessionStore.revokeSessions}, or null when the user's sessions were never revoked. */
  sessionsRevokedBefore(user: string): Promise<number | null>;
}
