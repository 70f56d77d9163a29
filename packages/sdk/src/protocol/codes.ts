/**
 * Wire error codes and WebSocket close codes, shared by the SDK and the server.
 *
 * An error code travels in an `error` frame (a request failed, the connection
 * stays open). A close code ends the connection; the reason carries a short
 * JSON object so clients know whether and when to retry.
 */

/** Codes carried by `error` frames. */
export const ErrorCode = {
  /** The frame is not valid JSON or does not match the schema of its type. */
  BadRequest: 'bad_request',
  /** The client speaks a protocol version the server does not. */
  UnsupportedVersion: 'unsupported_version',
  /** A frame other than `auth` arrived before authentication. */
  Unauthenticated: 'unauthenticated',
  /** The token could not be verified. */
  AuthFailed: 'auth_failed',
  /** The token has expired; get a fresh one and reconnect. */
  TokenExpired: 'token_expired',
  /** The host ended the user's sessions after this token was issued (close 4001); sign the user in again. */
  SessionRevoked: 'session_revoked',
  /** The page's origin is not on the server's allow-list (close 4003). */
  OriginForbidden: 'origin_forbidden',
  /** The user may not do this (role, room kind, broadcast room…). */
  Forbidden: 'forbidden',
  /** No such room, message, user or attachment (or not visible to the user). */
  NotFound: 'not_found',
  /** The user is not a member of the room. */
  NotMember: 'not_member',
  /** The user is banned from the room. */
  Banned: 'banned',
  /** The user is muted in the room. */
  Muted: 'muted',
  /** One of the two users blocked the other. */
  Blocked: 'blocked',
  /** Too many frames, searches, bytes sent to rooms, rooms created or members added; `retryAfterMs` says when to try again. */
  RateLimited: 'rate_limited',
  /** Message text is longer than the server's limit. */
  TextTooLong: 'text_too_long',
  /** The frame is larger than the server's soft frame limit. */
  FrameTooLarge: 'frame_too_large',
  /** An uploaded body is larger than the attachment limit. */
  PayloadTooLarge: 'payload_too_large',
  /** The attachment's content type is not allowed. */
  UnsupportedType: 'unsupported_type',
  /** The request conflicts with the current state (e.g. already a member). */
  Conflict: 'conflict',
  /** The server's moderation hook rejected the message. */
  Rejected: 'rejected',
  /** The server is shutting down or overloaded, or a search ran past its time bound; retry later. */
  Unavailable: 'unavailable',
  /** Unexpected server failure; nothing was committed. */
  Internal: 'internal',
  /** A workspace document would grow beyond the server's document size limit. */
  DocumentTooLarge: 'document_too_large',
  /**
   * A workspace update would take the server longer to merge than its budget
   * allows (close 4422); it was neither stored nor relayed, and sending it
   * again fails again.
   */
  UpdateTooComplex: 'update_too_complex',
  /** A workspace document takes the server longer to load than its budget allows (close 4422); it is not served. */
  DocumentTooComplex: 'document_too_complex',
  /** Calls are off on this server (no media worker could be started); the message says why. Chat still works. */
  CallUnavailable: 'call_unavailable',
  /** The call already has `maxCallParticipants` participants. */
  CallFull: 'call_full',
  /** The participant already has `maxCallProducersPerParticipant` producers. */
  TooManyProducers: 'too_many_producers',
  /** The client's media capabilities cannot receive this producer (no common codec). */
  Unsupported: 'unsupported',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Error codes after which the same request may succeed if sent again later. */
export const RETRYABLE_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.RateLimited,
  ErrorCode.Unavailable,
  ErrorCode.Internal,
]);

/** Whether a request that failed with `code` may succeed when retried. */
export function isRetryableError(code: ErrorCode): boolean {
  return RETRYABLE_ERRORS.has(code);
}

/** WebSocket close codes used by Parley (4000–4999 are application codes). */
export const CloseCode = {
  Normal: 1000,
  /** Server shutting down or restarting: reconnect with backoff. */
  GoingAway: 1001,
  /** The frame exceeded the hard frame limit (set by the WebSocket layer). */
  MessageTooBig: 1009,
  /** Unexpected server error. */
  InternalError: 1011,
  /** Repeated protocol violations. */
  ProtocolError: 4000,
  /** The token is invalid: do not retry with the same token. */
  AuthFailed: 4001,
  /** No `auth` frame arrived in time. */
  AuthTimeout: 4002,
  /** The page's origin is not on the server's allow-list. */
  OriginForbidden: 4003,
  /** The token expired: fetch a fresh one, then reconnect. */
  TokenExpired: 4004,
  /** Protocol version not supported by this server. */
  UnsupportedVersion: 4005,
  /** The socket's outbound buffer overflowed; reconnect and resume. */
  SlowConsumer: 4008,
  /** The user has too many open connections. */
  TooManyConnections: 4009,
  /** The server sheds load; reconnect after `retryAfterMs`. */
  TryAgainLater: 4013,
  /** The client kept exceeding its rate limit. */
  RateLimited: 4029,
  /**
   * Workspace socket: the user's permissions in the room changed (for example
   * a read-only member became an editor); reconnect at once to get the new ones.
   */
  WorkspaceAccessChanged: 4010,
  /**
   * Workspace socket: not a member of the room (or no such room, or removed
   * from it meanwhile). In y-websocket's 4400–4499 "do not reconnect" range.
   */
  WorkspaceForbidden: 4403,
  /**
   * Workspace socket: a message exceeded `maxWorkspaceMessageBytes`, or the
   * document would exceed `maxWorkspaceBytes` (reason code
   * `frame_too_large` or `document_too_large`). Resending the same change
   * would fail again, so this is final too.
   */
  WorkspaceTooLarge: 4413,
  /**
   * Workspace socket: an update would take longer to merge than the server's
   * budget (reason code `update_too_complex`; it was neither stored nor
   * relayed), or the document takes longer than its budget to load
   * (`document_too_complex`). Resending the same change would fail again,
   * so this is final too.
   */
  WorkspaceTooComplex: 4422,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which reconnecting (with backoff) is pointless. */
const FATAL_CLOSES: ReadonlySet<number> = new Set<number>([
  CloseCode.AuthFailed,
  CloseCode.OriginForbidden,
  CloseCode.UnsupportedVersion,
  CloseCode.WorkspaceForbidden,
  CloseCode.WorkspaceTooLarge,
  CloseCode.WorkspaceTooComplex,
]);

/** Whether a client should reconnect after a close with `code`. */
export function isRetryableClose(code: number): boolean {
  return !FATAL_CLOSES.has(code);
}

/** The JSON object carried in a close frame's reason (at most 123 bytes). */
export interface CloseReason {
  /** The error code behind the close, when there is one. */
  code?: ErrorCode;
  /** Earliest time to reconnect, in milliseconds from now. */
  retryAfterMs?: number;
}

/** Encodes a close reason compactly; the WebSocket limit is 123 bytes. */
export function encodeCloseReason(reason: CloseReason): string {
  return JSON.stringify(reason);
}

/** Parses a close reason; returns `{}` for anything that is not ours. */
export function parseCloseReason(text: string | undefined): CloseReason {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return {};
    const out: CloseReason = {};
    const rec = value as Record<string, unknown>;
    if (typeof rec.code === 'string') out.code = rec.code as ErrorCode;
    if (typeof rec.retryAfterMs === 'number' && rec.retryAfterMs >= 0) out.retryAfterMs = rec.retryAfterMs;
    return out;
  } catch {
    return {};
  }
}
