/**
 * The chat socket's handshake decisions: whether an `auth` frame is
 * accepted, how a refusal is answered and closed, and the `welcome` frame.
 * The socket (`connection.ts`) runs the steps and checks between them that
 * it is still authenticating.
 */
import { CloseCode, ErrorCode, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import type { AuthFrame, CloseReason, Limits, UserInfo, WelcomeFrame } from '@parley/sdk/protocol';
import { TokenError } from '../auth/tokens.js';
import type { TokenService, VerifiedToken } from '../auth/tokens.js';
import { jitter } from '../sockets/jitter.js';
import { isStorageError } from '../storage/errors.js';

/** A refused handshake: the error frame answering the `auth` frame (none when the close says it all), then the close. */
export interface Refusal {
  readonly error?: { readonly code: ErrorCode; readonly message: string; readonly retryAfterMs?: number };
  readonly close: { readonly code: number; readonly reason: CloseReason };
}

/** The verified token of an accepted `auth` frame, or its refusal. */
export type AuthCheck = { readonly ok: true; readonly token: VerifiedToken } | { readonly ok: false; readonly refusal: Refusal };

/** Checks the protocol version and the token of an `auth` frame. */
export async function checkAuth(tokens: Pick<TokenService, 'verify'>, frame: AuthFrame): Promise<AuthCheck> {
  if (frame.v !== PROTOCOL_VERSION) {
    return refuse(
      { code: ErrorCode.UnsupportedVersion, message: `protocol version ${PROTOCOL_VERSION} only` },
      CloseCode.UnsupportedVersion,
      { code: ErrorCode.UnsupportedVersion },
    );
  }
  try {
    return { ok: true, token: await tokens.verify(frame.token) };
  } catch (error) {
    const code = error instanceof TokenError ? error.code : ErrorCode.AuthFailed;
    const expired = code === ErrorCode.TokenExpired;
    return refuse(
      { code, message: expired ? 'the token has expired' : 'the token could not be verified' },
      expired ? CloseCode.TokenExpired : CloseCode.AuthFailed,
      { code },
    );
  }
}

/** The user already has `maxConnectionsPerUser` sockets open: closed without an answer, told when to come back. */
export function tooManyConnections(): Refusal {
  return { close: { code: CloseCode.TooManyConnections, reason: { retryAfterMs: jitter(5_000, 15_000) } } };
}

/**
 * Loading the user's rooms failed. A database that is away tells the client
 * to come back, spread out (`unavailable: true`, worth a warning), rather than
 * that something broke.
 */
export function loadFailed(error: unknown): { refusal: Refusal; unavailable: boolean } {
  const retryAfterMs = jitter(1_000, 5_000);
  if (isStorageError(error, 'unavailable')) {
    return {
      unavailable: true,
      refusal: {
        error: { code: ErrorCode.Unavailable, message: 'storage is unavailable; try again', retryAfterMs },
        close: { code: CloseCode.TryAgainLater, reason: { code: ErrorCode.Unavailable, retryAfterMs } },
      },
    };
  }
  return {
    unavailable: false,
    refusal: {
      error: { code: ErrorCode.Internal, message: 'internal server error' },
      close: { code: CloseCode.InternalError, reason: { code: ErrorCode.Internal, retryAfterMs } },
    },
  };
}

/** What the `welcome` frame tells the client. */
export interface WelcomeParts {
  readonly id: number;
  readonly user: UserInfo;
  readonly session: string;
  readonly now: number;
  readonly heartbeatMs: number;
  readonly limits: Limits;
}

/** The `welcome` frame answering an accepted `auth` frame. */
export function welcomeFrame(parts: WelcomeParts): WelcomeFrame {
  return {
    type: 'welcome',
    id: parts.id,
    v: PROTOCOL_VERSION,
    user: parts.user,
    session: parts.session,
    serverTime: parts.now,
    heartbeatMs: parts.heartbeatMs,
    limits: parts.limits,
  };
}

function refuse(error: NonNullable<Refusal['error']>, code: number, reason: CloseReason): AuthCheck {
  return { ok: false, refusal: { error, close: { code, reason } } };
}
