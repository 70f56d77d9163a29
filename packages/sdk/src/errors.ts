/**
 * Typed errors. Every failure the SDK reports is a {@link ParleyError} with a
 * `code` (a wire {@link ErrorCode} or one of the client-side codes below) and a
 * `retryable` flag, so callers can branch without parsing messages.
 */
import { CloseCode, ErrorCode, isRetryableError } from './protocol/codes.js';
import type { CloseReason, ErrorFrame } from './protocol/index.js';

/** Failures detected on the client, not answered by the server. */
export type ClientErrorCode =
  /** The connection dropped before the answer arrived. */
  | 'disconnected'
  /** There is no connection to send the request on; as a connection error: the device has no network (`navigator.onLine` is false). */
  | 'offline'
  /** Several connection attempts in a row failed before the socket opened: a wrong server URL, or the server is down. The client keeps retrying. */
  | 'unreachable'
  /** The token function threw, or returned no token. The client retries with backoff. */
  | 'token_unavailable'
  /** No answer within the request timeout. */
  | 'timeout'
  /** An HTTP request failed at the network level. */
  | 'network'
  /** The operation was abandoned (entry discarded, client logged out). */
  | 'aborted'
  /** Calls: the user or the browser refused access to the microphone, camera or screen. */
  | 'permission_denied'
  /** Calls: no such microphone or camera, or it cannot be started (in use by another program). */
  | 'no_device'
  /** Calls: this browser (or runtime) has no WebRTC support mediasoup-client can use. */
  | 'unsupported_browser';

/** Every code a {@link ParleyError} can carry. */
export type ParleyErrorCode = ErrorCode | ClientErrorCode;

/** Extra details for constructing a {@link ParleyError}. */
export interface ParleyErrorInit {
  retryable?: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

/** Base class of every error the SDK throws, rejects with or emits. */
export class ParleyError extends Error {
  /** Machine-readable reason. */
  readonly code: ParleyErrorCode;
  /** Whether the same operation may succeed later (the outbox keeps retrying these). */
  readonly retryable: boolean;
  /** Earliest sensible retry, in milliseconds from when the error occurred. */
  readonly retryAfterMs?: number;

  constructor(code: ParleyErrorCode, message: string, init: ParleyErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = init.retryable ?? false;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

/** The connection is missing or broke; requests may succeed after reconnecting. */
export class ConnectionError extends ParleyError {
  /** The WebSocket close code, when a close caused this error. */
  readonly closeCode?: number;

  constructor(code: ParleyErrorCode, message: string, init: ParleyErrorInit & { closeCode?: number } = {}) {
    super(code, message, { retryable: true, ...init });
    if (init.closeCode !== undefined) this.closeCode = init.closeCode;
  }
}

/** The server refused a request; `code` is the wire error code. */
export class RequestError extends ParleyError {
  declare readonly code: ErrorCode;
}

/** Authentication failed or the token expired. */
export class AuthError extends RequestError {}

/** A size, length, type or rate limit was exceeded. */
export class LimitError extends RequestError {}

const AUTH_CODES: ReadonlySet<string> = new Set([
  ErrorCode.AuthFailed,
  ErrorCode.SessionRevoked,
  ErrorCode.TokenExpired,
  ErrorCode.Unauthenticated,
  ErrorCode.UnsupportedVersion,
]);
const LIMIT_CODES: ReadonlySet<string> = new Set([
  ErrorCode.TextTooLong,
  ErrorCode.FrameTooLarge,
  ErrorCode.PayloadTooLarge,
  ErrorCode.UnsupportedType,
  ErrorCode.RateLimited,
  ErrorCode.DocumentTooLarge,
  ErrorCode.UpdateTooComplex,
  ErrorCode.DocumentTooComplex,
]);

/** Builds the right {@link RequestError} subclass for a wire error code. */
export function requestError(code: ErrorCode, message: string, init: ParleyErrorInit = {}): RequestError {
  const full = { retryable: isRetryableError(code), ...init };
  if (AUTH_CODES.has(code)) return new AuthError(code, message, full);
  if (LIMIT_CODES.has(code)) return new LimitError(code, message, full);
  return new RequestError(code, message, full);
}

/** Converts an `error` frame into a typed error. */
export function errorFromFrame(frame: ErrorFrame): RequestError {
  const init: ParleyErrorInit = { retryable: frame.retryable };
  if (frame.retryAfterMs !== undefined) init.retryAfterMs = frame.retryAfterMs;
  return requestError(frame.code, frame.message, init);
}

/** Builds a {@link ConnectionError} (always retryable). */
export function connectionError(code: ClientErrorCode, message: string, init: ParleyErrorInit & { closeCode?: number } = {}): ConnectionError {
  return new ConnectionError(code, message, init);
}

/** Describes why the server closed the socket; fatal closes become non-retryable errors. */
export function errorFromClose(closeCode: number, reason: CloseReason): ParleyError {
  const init: ParleyErrorInit = {};
  if (reason.retryAfterMs !== undefined) init.retryAfterMs = reason.retryAfterMs;
  switch (closeCode) {
    case CloseCode.AuthFailed:
      if (reason.code === ErrorCode.SessionRevoked) return new AuthError(ErrorCode.SessionRevoked, "the user's sessions were ended by the host", init);
      return new AuthError(ErrorCode.AuthFailed, 'the server rejected the token', init);
    case CloseCode.TokenExpired:
      return new AuthError(ErrorCode.TokenExpired, 'the token expired', { ...init, retryable: true });
    case CloseCode.UnsupportedVersion:
      return new AuthError(ErrorCode.UnsupportedVersion, 'the server does not speak this protocol version', init);
    case CloseCode.OriginForbidden:
      return new RequestError(ErrorCode.OriginForbidden, 'this origin is not allowed by the server', init);
    case CloseCode.TryAgainLater:
      return new RequestError(ErrorCode.Unavailable, 'the server is busy', { ...init, retryable: true });
    case CloseCode.RateLimited:
      return new LimitError(ErrorCode.RateLimited, 'too many frames', { ...init, retryable: true });
    default:
      return connectionError('disconnected', `connection closed (${closeCode}${reason.code ? ` ${reason.code}` : ''})`, {
        ...init,
        closeCode,
      });
  }
}

/** Wraps anything thrown into a {@link ParleyError}, keeping the original as `cause`. */
export function toParleyError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ParleyError(ErrorCode.Internal, message, { cause: err });
}
