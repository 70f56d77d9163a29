/**
 * Options of `createServer({ webhooks })`: where events are sent, the secret
 * that signs them, and every bound of their delivery.
 */

/** See the module comment; every field but `urls` and `secret` has a default in {@link DEFAULT_WEBHOOKS}. */
export interface WebhookOptions {
  /** Endpoints (http or https) every event is POSTed to; none turns webhooks off. */
  urls: string[];
  /** HMAC-SHA256 key of the `Parley-Signature` header; at least 16 characters, required with `urls`. */
  secret: string | null;
  /** A member who has not read a direct message or a mention this long after it was sent gets `message.unread` (ms). */
  unreadDelayMs: number;
  /** How often each node looks for due deliveries (ms). */
  pollMs: number;
  /** One attempt is abandoned (and retried) after this long without a complete answer (ms). */
  timeoutMs: number;
  /** Retries wait a random time up to `retryBaseMs · 2^attempts` (full jitter)… */
  retryBaseMs: number;
  /** …but never more than this (ms). */
  retryMaxMs: number;
  /** After this many failed attempts a delivery is dead (kept for inspection, logged). */
  maxAttempts: number;
  /** A delivery still failing this long after its event is dead too (ms). */
  maxAgeMs: number;
  /** A node's claim on a delivery; another node may take it over once it passes (ms). Longer than `timeoutMs`. */
  leaseMs: number;
  /** Deliveries one node sends at once. */
  batchSize: number;
  /** Dead deliveries are deleted after this long (ms). */
  deadRetentionMs: number;
}

/** The defaults. */
export const DEFAULT_WEBHOOKS: Readonly<WebhookOptions> = Object.freeze({
  urls: [],
  secret: null,
  unreadDelayMs: 5 * 60_000,
  pollMs: 1_000,
  timeoutMs: 10_000,
  retryBaseMs: 1_000,
  retryMaxMs: 10 * 60_000,
  maxAttempts: 15,
  maxAgeMs: 24 * 60 * 60_000,
  leaseMs: 60_000,
  batchSize: 32,
  deadRetentionMs: 7 * 24 * 60 * 60_000,
});

/** The delivery bounds alone, the shape of the `webhooks` settings object of the command line. */
export const DEFAULT_WEBHOOK_DELIVERY: Readonly<Omit<WebhookOptions, 'urls' | 'secret'>> = (() => {
  const { urls: _urls, secret: _secret, ...bounds } = DEFAULT_WEBHOOKS;
  return Object.freeze(bounds);
})();

/** Shortest accepted secret. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

/** The options with defaults filled in, or the reason they are wrong. */
export function resolveWebhookOptions(input: Partial<WebhookOptions> | undefined): WebhookOptions | string {
  const options: WebhookOptions = { ...DEFAULT_WEBHOOKS, ...input, urls: [...(input?.urls ?? [])] };
  for (const url of options.urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return `webhooks.urls: ${url} is not a URL`;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `webhooks.urls: ${url} is not http or https`;
  }
  if (options.urls.length > 0 && (options.secret === null || options.secret.length < MIN_WEBHOOK_SECRET_LENGTH)) {
    return `webhooks.secret must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters when webhooks.urls is set`;
  }
  for (const key of ['unreadDelayMs', 'pollMs', 'timeoutMs', 'retryBaseMs', 'retryMaxMs', 'maxAttempts', 'maxAgeMs', 'leaseMs', 'batchSize', 'deadRetentionMs'] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value < (key === 'unreadDelayMs' ? 0 : 1)) return `webhooks.${key} must be a positive integer`;
  }
  if (options.leaseMs <= options.timeoutMs) return 'webhooks.leaseMs must be longer than webhooks.timeoutMs';
  return options;
}
