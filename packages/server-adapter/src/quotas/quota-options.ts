/**
 * Per-user quotas of `createServer({ quotas })`: what one user may hold or
 * start, beyond the frame and byte rates of `limits`. Each bounds a cost the
 * user would otherwise impose on everyone (work per room and member, media
 * ports, disk). Counts are per node.
 */

/** A count allowed per time window: a bucket of `max` tokens, refilled at `max` per `windowMs`. */
export interface WindowQuota {
  max: number;
  windowMs: number;
}

/** See the module comment; every field has a default in {@link DEFAULT_QUOTAS}. */
export interface QuotaOptions {
  /** Rooms one user may create: `room.create`, and `room.direct` when it makes the room. Over it: `rate_limited` + `retryAfterMs`. */
  roomCreates: WindowQuota;
  /** Members one user may add to rooms: those named in `room.create` and each `room.invite`. Over it: `rate_limited` + `retryAfterMs`. */
  invites: WindowQuota;
  /** Members named in one `room.create` (at most `invites.max`, which a lower quota makes the default). Over it: `bad_request`. */
  maxMembersPerCreate: number;
  /** Calls one connection takes part in at once. Over it: `conflict` (leave the other call first). */
  maxCallsPerConnection: number;
  /** Calls one user takes part in at once, over all their connections. Over it: `conflict`. */
  maxCallsPerUser: number;
  /** WebRTC transports one user holds at once (each listens on its own ports). Over it: `conflict`. */
  maxCallTransportsPerUser: number;
  /** An upload not attached to a message within this long is deleted, bytes and row (ms). */
  uploadTtlMs: number;
  /** How often expired uploads are looked for (ms). */
  uploadSweepMs: number;
  /** Uploads one user holds that no message uses yet. Over it: HTTP 429 `rate_limited` with `Retry-After`. */
  maxPendingUploads: number;
  /** Their bytes together. An upload that would pass it: HTTP 413 `payload_too_large`. */
  maxPendingUploadBytes: number;
}

/** The defaults: generous for people and bots, far below what hurts a server. */
export const DEFAULT_QUOTAS: Readonly<QuotaOptions> = Object.freeze({
  roomCreates: Object.freeze({ max: 60, windowMs: 60 * 60_000 }),
  invites: Object.freeze({ max: 2_000, windowMs: 60 * 60_000 }),
  maxMembersPerCreate: 1_000,
  maxCallsPerConnection: 1,
  maxCallsPerUser: 2,
  maxCallTransportsPerUser: 4,
  uploadTtlMs: 24 * 60 * 60_000,
  uploadSweepMs: 60_000,
  maxPendingUploads: 20,
  maxPendingUploadBytes: 100 * 1024 * 1024,
});

/** Applies defaults; returns an error message for quotas that cannot work. */
export function resolveQuotaOptions(options: Partial<QuotaOptions> = {}): QuotaOptions | string {
  const q: QuotaOptions = { ...DEFAULT_QUOTAS, ...options };
  // A create may never name more members than the invites quota holds: by default it follows a lower quota.
  if (options.maxMembersPerCreate === undefined) q.maxMembersPerCreate = Math.min(DEFAULT_QUOTAS.maxMembersPerCreate, q.invites.max);
  for (const name of ['roomCreates', 'invites'] as const) {
    const { max, windowMs } = q[name];
    if (!(Number.isInteger(max) && max >= 1 && Number.isFinite(windowMs) && windowMs > 0)) {
      return `quotas.${name} needs a whole max of at least 1 and a positive windowMs`;
    }
  }
  const counts = ['maxMembersPerCreate', 'maxCallsPerConnection', 'maxCallsPerUser', 'maxCallTransportsPerUser', 'maxPendingUploads'] as const;
  for (const name of counts) {
    if (!(Number.isInteger(q[name]) && q[name] >= 1)) return `quotas.${name} must be a whole number of at least 1`;
  }
  if (q.maxMembersPerCreate > q.invites.max) return 'quotas.maxMembersPerCreate cannot exceed quotas.invites.max';
  for (const name of ['uploadTtlMs', 'uploadSweepMs', 'maxPendingUploadBytes'] as const) {
    if (!(Number.isFinite(q[name]) && q[name] > 0)) return `quotas.${name} must be positive`;
  }
  return q;
}

/** Tokens per second of a window quota, for a token bucket. */
export function perSecond(quota: WindowQuota): { perSecond: number; burst: number } {
  return { perSecond: (quota.max * 1000) / quota.windowMs, burst: quota.max };
}
