/**
 * Options of `createServer` and their resolution into one fully populated
 * object, so the rest of the server never deals with `undefined` defaults.
 */
import { DEFAULT_LIMITS, Timing } from '@parley/sdk/protocol';
import type { AttachmentInfo, Limits, RoomKind, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import type { Bus } from './bus/bus.js';
import type { Storage } from './storage/storage.js';

/** How tokens are verified (and, in dev mode, minted). */
export interface AuthOptions {
  /** Shared secret for HS256 tokens. */
  secret?: string;
  /** PEM public key (SPKI) for RS256, ES256/384/512 or EdDSA tokens. */
  publicKey?: string;
  /** Required `iss` claim, when set. */
  issuer?: string;
  /** Required `aud` claim, when set. */
  audience?: string;
  /**
   * Dev mode: `POST /v1/dev/token` mints tokens for any user. Never enable it
   * on a server reachable by others. Without `secret`, a random one is made
   * and kept in the data directory so tokens survive restarts.
   */
  dev?: boolean;
}

/** What the moderation hook sees about a message before it is stored. */
export interface ModerationContext {
  user: UserInfo;
  room: { id: string; kind: RoomKind; name: string };
  /** The new text (for edits, the replacement text). */
  text: string;
  parentId: string | null;
  attachments: AttachmentInfo[];
  /** True for `message.edit`, false for `message.send`. */
  edit: boolean;
}

/** The moderation hook's verdict. A `flag` on an edit is ignored (edits are only rejected or allowed). */
export type ModerationVerdict = 'allow' | { action: 'reject'; reason: string } | { action: 'flag' };

/** Host functions called by the server. */
export interface ServerHooks {
  /** Called before a message is stored; may reject it or store it flagged. A throwing hook fails the send with `internal`. */
  moderateMessage?(ctx: ModerationContext): ModerationVerdict | Promise<ModerationVerdict>;
}

/** Timers the server uses (milliseconds); tests shorten them. */
export interface TimingOptions {
  /** A socket that has not authenticated by then is closed with 4002. */
  authTimeoutMs: number;
  /** Announced to clients in `welcome`: how often they send `ping`. */
  heartbeatMs: number;
  /** A user without heartbeat for this long is shown offline. */
  presenceTimeoutMs: number;
  /** How often the presence sweeper looks for stale heartbeats. */
  presenceSweepMs: number;
  /** At most one `typing: true` event per connection and room in this interval. */
  typingThrottleMs: number;
  /** How often the server pings each socket; one without a pong by the next round is cut. */
  pingIntervalMs: number;
  /** How long `close()` waits for sockets to finish before cutting them. */
  closeTimeoutMs: number;
  /** Lifetime of signed attachment URLs. */
  attachmentUrlTtlMs: number;
}

/** When a client keeps sending after being rate-limited, it is disconnected (4029). */
export interface AbuseOptions {
  /** Rejected frames tolerated within `windowMs`. */
  maxRejectedFrames: number;
  windowMs: number;
}

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Where SQLite and attachments live. Default `.parley-data` (relative to the working directory). */
  dataDir?: string;
  /** Storage implementation; default SQLite under `dataDir`. The server opens and closes it. */
  storage?: Storage;
  /** Fan-out bus; default in-process. The server closes it. */
  bus?: Bus;
  auth: AuthOptions;
  /** Origins allowed to connect; default same-host only; `'*'` allows all. Requests without Origin are allowed. */
  allowedOrigins?: string[];
  limits?: Partial<Limits>;
  hooks?: ServerHooks;
  /** Directories served at `/` (first match wins). */
  static?: string[];
  /** A pino logger, or `false` for silence. Default: pino to stdout at `info`. */
  logger?: Logger | false;
  /** How often retention runs. Default 60 s. */
  retentionIntervalMs?: number;
  timing?: Partial<TimingOptions>;
  abuse?: Partial<AbuseOptions>;
  /**
   * Open sockets this node accepts; beyond it new sockets are shed with close
   * 4013 and a jittered `retryAfterMs`, so clients come back spread out. Default 50 000.
   */
  maxConnections?: number;
  /** Key for signing attachment URLs; share it between nodes. Default: derived from the auth secret, else random. */
  urlSecret?: string;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  dataDir: string;
  auth: AuthOptions;
  allowedOrigins: string[] | null;
  limits: Limits;
  hooks: ServerHooks;
  static: string[];
  retentionIntervalMs: number;
  timing: TimingOptions;
  abuse: AbuseOptions;
  maxConnections: number;
}

/** Default timers: the protocol's, plus server-only ones. */
export const DEFAULT_TIMING: Readonly<TimingOptions> = Object.freeze({
  authTimeoutMs: Timing.authTimeoutMs,
  heartbeatMs: Timing.heartbeatMs,
  presenceTimeoutMs: Timing.presenceTimeoutMs,
  presenceSweepMs: 15_000,
  typingThrottleMs: 1_000,
  pingIntervalMs: 30_000,
  closeTimeoutMs: 5_000,
  attachmentUrlTtlMs: 3_600_000,
});

/** Default abuse threshold: 100 rejected frames within 10 s. */
export const DEFAULT_ABUSE: Readonly<AbuseOptions> = Object.freeze({ maxRejectedFrames: 100, windowMs: 10_000 });

/** Default cap on open sockets per node (see {@link ServerOptions.maxConnections}). */
export const DEFAULT_MAX_CONNECTIONS = 50_000;

/** Raised for options that cannot work (no way to verify tokens, nonsensical limits). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Applies defaults and checks what can be checked before starting. */
export function resolveOptions(options: ServerOptions): ResolvedOptions {
  const auth = options.auth ?? {};
  if (!auth.secret && !auth.publicKey && !auth.dev) {
    throw new ConfigError('auth needs a secret, a publicKey or dev: true');
  }
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (limits.hardMaxFrameBytes < limits.maxFrameBytes) {
    throw new ConfigError('limits.hardMaxFrameBytes must be at least limits.maxFrameBytes');
  }
  const origins = options.allowedOrigins;
  return {
    dataDir: options.dataDir ?? '.parley-data',
    auth,
    allowedOrigins: origins && origins.length > 0 ? [...origins] : null,
    limits,
    hooks: options.hooks ?? {},
    static: options.static ?? [],
    retentionIntervalMs: options.retentionIntervalMs ?? 60_000,
    timing: { ...DEFAULT_TIMING, ...options.timing },
    abuse: { ...DEFAULT_ABUSE, ...options.abuse },
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
  };
}
