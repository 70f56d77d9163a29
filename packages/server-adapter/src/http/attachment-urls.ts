/** Signed, expiring download URLs for attachments: HMAC-SHA256 over the id and expiry. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The path prefix of attachment routes. */
export const ATTACHMENTS_PATH = '/v1/attachments';

/** Signs and checks attachment URLs. */
export class AttachmentUrls {
  readonly #key: Buffer;
  readonly #ttlMs: number;

  /** `secret` should be shared by every node serving the same data. */
  constructor(secret: string | Buffer, ttlMs: number) {
    this.#key = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
    this.#ttlMs = ttlMs;
  }

  /** A root-relative URL valid until `expiresAt` (epoch ms). */
  sign(attachmentId: string, now: number): { url: string; expiresAt: number } {
    const expiresAt = now + this.#ttlMs;
    const sig = this.#mac(attachmentId, expiresAt);
    const url = `${ATTACHMENTS_PATH}/${encodeURIComponent(attachmentId)}?exp=${expiresAt}&sig=${sig}`;
    return { url, expiresAt };
  }

  /** `ok`, or why the URL is refused. */
  verify(attachmentId: string, exp: string | null, sig: string | null, now: number): 'ok' | 'bad_signature' | 'expired' {
    if (!exp || !sig || !/^\d{1,16}$/.test(exp)) return 'bad_signature';
    const expected = Buffer.from(this.#mac(attachmentId, Number(exp)));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad_signature';
    return Number(exp) <= now ? 'expired' : 'ok';
  }

  #mac(attachmentId: string, expiresAt: number): string {
    return createHmac('sha256', this.#key).update(`${attachmentId}\n${expiresAt}`).digest('base64url');
  }
}

/** The URL key: configured, else derived from the auth secret (stable across restarts), else random. */
export function urlKey(configured: string | undefined, authSecret: string | undefined): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  if (authSecret) return createHmac('sha256', authSecret).update('parley attachment urls').digest();
  return randomBytes(32);
}
