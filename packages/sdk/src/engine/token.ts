/** Access tokens: where they come from and what the SDK reads from them without verifying. */

/** A token, or a function that fetches a fresh one (called again after the server reports it expired). */
export type TokenSource = string | (() => string | Promise<string>);

/** Claims the SDK reads, unverified, from a JWT. */
export interface TokenClaims {
  /** The user id. */
  sub?: string;
  /** The display name. */
  name?: string;
  /** Expiry, in seconds since the epoch. */
  exp?: number;
}

/**
 * Decodes a JWT's payload WITHOUT verifying it. Only used to know the user
 * before the server answers (the offline cache is per user); the server
 * verifies the token on every connection.
 */
export function decodeTokenClaims(token: string): TokenClaims {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const binary = atob(base64);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof value !== 'object' || value === null) return {};
    const rec = value as Record<string, unknown>;
    const claims: TokenClaims = {};
    if (typeof rec.sub === 'string') claims.sub = rec.sub;
    if (typeof rec.name === 'string') claims.name = rec.name;
    if (typeof rec.exp === 'number') claims.exp = rec.exp;
    return claims;
  } catch {
    return {};
  }
}
