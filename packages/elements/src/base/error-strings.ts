/**
 * The sentences every connected element shows when it cannot work, one per
 * cause. Each element's `strings` property takes them like its other
 * strings; their English defaults are `errorStrings` (`failure-report.ts`,
 * loaded with the first failure so pages that never fail do not download
 * them). `<call-panel>` has its own `errorNotMember`, `errorForbidden` and `errorOffline`.
 */
export interface ErrorStrings {
  /** The device has no network (`<chat-room>` says it with its `offline(pending, formatted)`). */
  errorOffline: string;
  /** Several attempts in a row did not reach the server (wrong address, server down); still trying. */
  errorUnreachable: string;
  /** The server could not verify the token (signature, issuer, audience). */
  errorAuthFailed: string;
  /** The token has expired and no fresh one came. */
  errorTokenExpired: string;
  /** The page's token function failed or returned nothing; still trying. */
  errorTokenUnavailable: string;
  /** The server does not accept this page's origin. */
  errorOriginForbidden: string;
  /** The host ended the user's sessions. */
  errorSessionRevoked: string;
  /** The server is busy and asked to come back later; still trying. */
  errorBusy: string;
  /** Too many requests; the client slows down by itself. */
  errorRateLimited: string;
  /** The user is not a member of the room (or was banned from it). */
  errorNotMember: string;
  /** There is no such room (or the user may not see it). */
  errorNotFound: string;
  /** The user's role or the room does not allow this. */
  errorForbidden: string;
  /** Any other reason the connection failed for good. */
  connectionFailed: string;
}
