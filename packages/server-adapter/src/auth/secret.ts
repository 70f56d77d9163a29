/** The strength rule for HS256 secrets, checked before anything starts. */

/** Shortest HS256 secret accepted, in bytes (RFC 7518 §3.2: at least the hash's size). */
export const MIN_SECRET_BYTES = 32;

/** Why `secret` is too weak to sign tokens with, or null when it is long enough. */
export function weakSecretReason(secret: string): string | null {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes >= MIN_SECRET_BYTES) return null;
  return `the HS256 secret has ${bytes} bytes; use at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -base64 48)`;
}
