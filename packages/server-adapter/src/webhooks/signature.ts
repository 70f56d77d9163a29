/**
 * The `Parley-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp inside the signed text lets a receiver refuse replays of old
 * deliveries; several `v1=` entries are accepted so a secret can be rotated.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header's name. */
export const SIGNATURE_HEADER = 'Parley-Signature';

/** Default tolerance of {@link verifyWebhookSignature}: five minutes either way. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/** The header value signing `rawBody` at `timestampSeconds`. */
export function signWebhookBody(secret: string, rawBody: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, timestampSeconds, rawBody)}`;
}

/**
 * Whether `header` (the `Parley-Signature` value) signs `rawBody` with
 * `secret` and its timestamp lies within `toleranceSeconds` of now. Pass the
 * body exactly as received, before any JSON parsing.
 *
 * ```ts
 * import { verifyWebhookSignature } from '@parley/server-adapter';
 * if (!verifyWebhookSignature(secret, req.headers['parley-signature'], rawBody)) return res.writeHead(401).end();
 * ```
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | string[] | undefined | null,
  rawBody: string | Uint8Array,
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  nowMs: number = Date.now(),
): boolean {
  if (typeof header !== 'string' || secret === '') return false;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === null || signatures.length === 0) return false;
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  return signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
}

// The body's bytes as received are signed: no decoding can change what is compared.
function hmacHex(secret: string, timestampSeconds: number, rawBody: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
}
