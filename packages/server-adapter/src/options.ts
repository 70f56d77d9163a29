/**
 * Options of `createServer` and their resolution into one fully populated
 * object, so the rest of the server never deals with `undefined` defaults.
 */
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { DEFAULT_LIMITS, Timing } from '@parley/sdk/protocol';
import type { AttachmentInfo, Limits, RoomKind, UserInfo } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import type { Bus } from './bus/bus.js';
import type { OriginPolicy } from './auth/origin.js';
import { ProxyTrust } from './auth/proxy-trust.js';
import type { TrustProxySetting } from './auth/proxy-trust.js';
import { weakSecretReason } from './auth/secret.js';
import { DEFAULT_CSP } from './http/static-headers.js';
import { resolveCallOptions } from './calls/call-options.js';
import type { CallOptions } from './calls/call-options.js';
import type { PostgresStorageOptions } from './storage/postgres/postgres-storage.js';
import { EncryptionKey } from './encryption/key.js';
import { resolveQuotaOptions } from './quotas/quota-options.js';
import type { QuotaOptions } from './quotas/quota-options.js';
import { resolveWebhookOptions } from './webhooks/webhook-options.js';
import type { WebhookOptions } from './webhooks/webhook-options.js';
import { DEFAULT_SEARCH_TIMEOUT_MS } from './storage/common/search-plan.js';
import type { Storage } from './storage/storage.js';

/** How tokens are verified (and, in dev mode, minted). */
export interface AuthOptions {
  /** Shared secret for HS256 tokens: at least 32 bytes (shorter ones are refused with a `ConfigError`). */
  secret?: string;
  /** PEM public key (SPKI) for RS256, ES256/384/512 or EdDSA tokens. */
  publicKey?: string;
  /** Required `iss` claim, when set. Set it (and `audience`) so tokens another service signs with the same key are refused. */
  issuer?: string;
  /** Required `aud` claim, when set. */
  audience?: string;
  /** Tokens must carry `exp`; default true. Turn off only for a host that cannot set it (its tokens then live until revoked). */
  requireExp?: boolean;
  /**
   * Longest a token is accepted after its `iat` (seconds), whatever its `exp`
   * says; tokens then need `iat`. An open connection is closed (4004) when its
   * token reaches this age. Default: no limit beyond `exp`.
   */
  maxTokenAgeSeconds?: number;
  /**
   * Dev mode: `POST /v1/dev/token` mints tokens for any user, signed with a
   * dev-only secret kept in the data directory (never `secret`), valid for an
   * hour and accepted only by a server in dev mode. Never enable it on a
   * server reachable by others: `listen()` refuses an address other than
   * loopback unless `devAllowRemote` is set too.
   */
  dev?: boolean;
  /** Lets a dev-mode server listen on a non-loopback address (anyone who reaches it can mint tokens). Default false. */
  devAllowRemote?: boolean;
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
  /**
   * Presence changes for one recipient are gathered this long and sent as one
   * frame (`presence`, or `presence.batch` for several users); 0 sends each at once.
   */
  presenceBatchMs: number;
  /** At most one `typing: true` event per connection and room in this interval. */
  typingThrottleMs: number;
  /** How often the server pings each socket; one without a pong by the next round is cut. */
  pingIntervalMs: number;
  /** How long `close()` waits for sockets to finish before cutting them. */
  closeTimeoutMs: number;
  /** Lifetime of signed attachment URLs. */
  attachmentUrlTtlMs: number;
  /**
   * How often storage is probed for `/healthz` (a networked database only);
   * a probe unanswered for twice this long reports the storage `stalled`.
   */
  healthProbeMs: number;
}

/**
 * Workspace documents held in memory by this node. Sizes of messages and
 * documents are protocol limits (`limits.maxWorkspaceMessageBytes`,
 * `limits.maxAwarenessBytes`, `limits.maxWorkspaceBytes`).
 */
export interface WorkspaceOptions {
  /**
   * Documents loaded at once. Opening another first unloads the least recently
   * used document nobody has open; when every loaded document is in use, the
   * socket is closed with 4013 and a `retryAfterMs`.
   */
  maxOpenDocuments: number;
  /** A document nobody has open is compacted and unloaded after this long (ms). */
  idleUnloadMs: number;
  /** Compact a document's log into a snapshot after this many updates… */
  compactAfterUpdates: number;
  /** …or once the log since the last snapshot holds this many bytes. */
  compactAfterBytes: number;
  /**
   * Worker threads every Yjs merge runs on (rooms are spread over them, each
   * room's document on one); they start with the first workspace opened.
   */
  engineThreads: number;
  /**
   * Milliseconds one client update may take to merge. An update that takes
   * longer is refused (close 4422 `update_too_complex`), neither stored nor
   * relayed, and its thread is replaced.
   */
  updateBudgetMs: number;
  /**
   * Milliseconds work on a whole document may take: loading it, folding its
   * log, answering a sync. A document that takes longer to load is not
   * served (close 4422 `document_too_complex`).
   */
  documentBudgetMs: number;
  /**
   * After one of a user's updates was refused as too complex, how long the
   * user's workspace sockets on this node are closed and refused (4029
   * `rate_limited` with `retryAfterMs`): each refusal costs an engine thread.
   */
  refusalCooldownMs: number;
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
  /**
   * Where attachment files live. Default `<dataDir>/attachments`. With
   * several nodes, a volume every node mounts (they serve each other's uploads).
   */
  attachmentsDir?: string;
  /**
   * Encryption at rest: 32 random bytes, or 64 hex digits or base64 of them
   * (`openssl rand -hex 32`). The SQLite database becomes SQLCipher (needs the
   * optional package `better-sqlite3-multiple-ciphers`) and attachment files
   * AES-256-GCM. Losing the key loses the data. See docs/security.md.
   */
  encryptionKey?: string | Uint8Array;
  /** Storage implementation; default SQLite under `dataDir`. The server opens and closes it. */
  storage?: Storage;
  /** Fan-out bus; default in-process. The server closes it. */
  bus?: Bus;
  /**
   * PostgreSQL connection string (`postgres://…`): when set and `storage` is
   * not, storage is PostgreSQL, so several nodes can share it. See docs/scaling.md.
   */
  databaseUrl?: string;
  /**
   * Settings of the PostgreSQL storage made for `databaseUrl`: schema, pool
   * size and the timeouts that bound every answer while the database is slow
   * or away (see `PostgresStorageOptions`).
   */
  postgres?: Omit<PostgresStorageOptions, 'connectionString'>;
  /**
   * Redis URL (`redis://…`): when set and `bus` is not, room events, presence
   * and typing fan out across every node through Redis pub/sub.
   */
  redisUrl?: string;
  /** Prefix of the Redis channels, so deployments can share one Redis. Default `parley:`. */
  redisPrefix?: string;
  auth: AuthOptions;
  /** Origins allowed to connect; default same-host only; `'*'` allows all. Requests without Origin are allowed. */
  allowedOrigins?: string[];
  /**
   * Reverse proxies whose `X-Forwarded-For`, `X-Forwarded-Host` and
   * `X-Forwarded-Proto` are believed: for the client address (logs, the dev
   * mode's this-machine check) and for the same-host Origin check. `false`
   * (default): none, the headers are ignored. A number: that many proxies in
   * front, whoever they are. A list: their addresses, CIDR ranges or
   * `loopback`, `linklocal`, `uniquelocal`. See docs/deploy.md.
   */
  trustProxy?: TrustProxySetting;
  limits?: Partial<Limits>;
  hooks?: ServerHooks;
  /**
   * Serve the browser bundles of the installed `@parley/elements` and
   * `@parley/sdk` at `/parley.js`, `/parley-sdk.js`, `/parley-sdk.iife.js`
   * and `/chunks/*`, with their SRI hashes at `/parley.integrity.json`, to
   * pages on any origin (public code). Default true; they are looked up before
   * `static`.
   */
  browserBundle?: boolean;
  /** Directories served at `/`, or with `/path=dir` at `/path/` (first match wins). */
  static?: string[];
  /**
   * Content-Security-Policy of the HTML pages served from `static`; `false`
   * sends none. Default: scripts, styles and connections from this server
   * only, no framing by other sites (see `DEFAULT_CSP`).
   */
  contentSecurityPolicy?: string | false;
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
  /**
   * Bearer token that `GET /metrics` requires (`Authorization: Bearer <token>`).
   * Without one, `/metrics` answers 404, except in dev mode (which serves this
   * machine only). Prometheus sends it with `authorization: { credentials: … }`.
   */
  metricsToken?: string;
  /**
   * Bearer keys of the admin REST API (`/v1/admin/`, for the host's backend:
   * `Authorization: Bearer <key>`). Several keys are accepted at once, so a
   * key can be rotated without downtime. Without any, the admin API answers 404.
   */
  adminKeys?: string[];
  /**
   * Consent to membership. `'accept'` (default): adding a user to a room
   * (`room.create` members, `room.invite`) invites them, and they become a
   * member when they accept (`room.accept`). `'direct'`: they are added at
   * once — for hosts that decide membership themselves. Public rooms are
   * joined freely and direct rooms opened by either side in both modes.
   */
  invitations?: 'accept' | 'direct';
  /** Key for signing attachment URLs; share it between nodes. Default: derived from the auth secret, else random. */
  urlSecret?: string;
  /**
   * Presence is pushed only to users who share a room of at most this many
   * members with the user (direct rooms always); in larger rooms clients ask
   * `presence.get` for the people they show. Default 100. See
   * docs/decisions/0009-presence-fan-out.md.
   */
  presencePushMaxMembers?: number;
  /**
   * Cap on the bytes queued for all sockets of this node together. Beyond it
   * the sockets with the most queued are closed with 4008 (slow consumer).
   * Default: a quarter of V8's heap limit.
   */
  maxQueuedBytes?: number;
  /** Workspace documents in memory: how many, idle unload, compaction (see {@link WorkspaceOptions}). */
  workspaces?: Partial<WorkspaceOptions>;
  /** Calls: workers, listen and announced addresses, ports, ICE servers (see {@link CallOptions}). */
  calls?: Partial<CallOptions>;
  /** Per-user quotas: rooms created, members added, calls, transports, pending uploads (see {@link QuotaOptions}). */
  quotas?: Partial<QuotaOptions>;
  /** Signed webhooks to the host's backend: endpoints, secret, delivery bounds (see {@link WebhookOptions}). */
  webhooks?: Partial<WebhookOptions>;
  /**
   * A search still running after this long is abandoned with `unavailable`
   * (PostgreSQL cancels it through `statement_timeout`; SQLite stops between
   * its queries). Default 2000 ms.
   */
  searchTimeoutMs?: number;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  dataDir: string;
  attachmentsDir: string;
  /** The validated key, or null when data is stored unencrypted. */
  encryptionKey: EncryptionKey | null;
  auth: AuthOptions;
  allowedOrigins: string[] | null;
  /** The allow-list as the Origin checks apply it. */
  originPolicy: OriginPolicy;
  /** Which proxies' forwarded headers are believed. */
  proxyTrust: ProxyTrust;
  limits: Limits;
  hooks: ServerHooks;
  browserBundle: boolean;
  static: string[];
  invitations: 'accept' | 'direct';
  contentSecurityPolicy: string | null;
  metricsToken: string | null;
  /** Accepted admin API keys; empty: the admin API is off. */
  adminKeys: string[];
  retentionIntervalMs: number;
  timing: TimingOptions;
  abuse: AbuseOptions;
  maxConnections: number;
  presencePushMaxMembers: number;
  maxQueuedBytes: number;
  workspaces: WorkspaceOptions;
  calls: CallOptions;
  quotas: QuotaOptions;
  webhooks: WebhookOptions;
  searchTimeoutMs: number;
}

/** Default timers: the protocol's, plus server-only ones. */
export const DEFAULT_TIMING: Readonly<TimingOptions> = Object.freeze({
  authTimeoutMs: Timing.authTimeoutMs,
  heartbeatMs: Timing.heartbeatMs,
  presenceTimeoutMs: Timing.presenceTimeoutMs,
  presenceSweepMs: 15_000,
  presenceBatchMs: 250,
  typingThrottleMs: 1_000,
  pingIntervalMs: 30_000,
  closeTimeoutMs: 5_000,
  attachmentUrlTtlMs: 3_600_000,
  healthProbeMs: 2_000,
});

/** Default abuse threshold: 100 rejected frames within 10 s. */
export const DEFAULT_ABUSE: Readonly<AbuseOptions> = Object.freeze({ maxRejectedFrames: 100, windowMs: 10_000 });

/** Default workspace memory and compaction settings. */
export const DEFAULT_WORKSPACES: Readonly<WorkspaceOptions> = Object.freeze({
  maxOpenDocuments: 1_000,
  idleUnloadMs: 30_000,
  compactAfterUpdates: 500,
  compactAfterBytes: 4 * 1024 * 1024,
  engineThreads: 2,
  updateBudgetMs: 250,
  documentBudgetMs: 10_000,
  refusalCooldownMs: 30_000,
});

/** Default of {@link ServerOptions.presencePushMaxMembers}. */
export const DEFAULT_PRESENCE_PUSH_MAX_MEMBERS = 100;

/** Default of {@link ServerOptions.maxQueuedBytes}: a quarter of V8's heap limit. */
export function defaultMaxQueuedBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / 4);
}

/** Default cap on open sockets per node (see {@link ServerOptions.maxConnections}). */
export const DEFAULT_MAX_CONNECTIONS = 50_000;

/** Raised for options that cannot work (no way to verify tokens, nonsensical limits). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Applies defaults and checks what can be checked before starting. Throws
 * `ConfigError`, or `EncryptionError` for a malformed or weak key.
 */
export function resolveOptions(options: ServerOptions): ResolvedOptions {
  const auth = options.auth ?? {};
  if (!auth.secret && !auth.publicKey && !auth.dev) {
    throw new ConfigError('auth needs a secret, a publicKey or dev: true');
  }
  const weak = auth.secret ? weakSecretReason(auth.secret) : null;
  if (weak) throw new ConfigError(weak);
  if (auth.maxTokenAgeSeconds !== undefined && !(auth.maxTokenAgeSeconds > 0)) {
    throw new ConfigError('auth.maxTokenAgeSeconds must be positive');
  }
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (limits.hardMaxFrameBytes < limits.maxFrameBytes) {
    throw new ConfigError('limits.hardMaxFrameBytes must be at least limits.maxFrameBytes');
  }
  const workspaces: WorkspaceOptions = { ...DEFAULT_WORKSPACES, ...options.workspaces };
  if (!(workspaces.maxOpenDocuments >= 1)) throw new ConfigError('workspaces.maxOpenDocuments must be at least 1');
  if (!(Number.isInteger(workspaces.engineThreads) && workspaces.engineThreads >= 1)) {
    throw new ConfigError('workspaces.engineThreads must be a whole number of at least 1');
  }
  if (!(workspaces.updateBudgetMs > 0) || !(workspaces.documentBudgetMs > 0)) {
    throw new ConfigError('workspaces.updateBudgetMs and workspaces.documentBudgetMs must be positive');
  }
  if (!(workspaces.refusalCooldownMs >= 0)) throw new ConfigError('workspaces.refusalCooldownMs must not be negative');
  if (limits.maxWorkspaceBytes < limits.maxWorkspaceMessageBytes) {
    throw new ConfigError('limits.maxWorkspaceBytes must be at least limits.maxWorkspaceMessageBytes');
  }
  const calls = resolveCallOptions(options.calls);
  if (typeof calls === 'string') throw new ConfigError(calls);
  const quotas = resolveQuotaOptions(options.quotas);
  if (typeof quotas === 'string') throw new ConfigError(quotas);
  const webhooks = resolveWebhookOptions(options.webhooks);
  if (typeof webhooks === 'string') throw new ConfigError(webhooks);
  const searchTimeoutMs = options.searchTimeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS;
  if (!(searchTimeoutMs > 0)) throw new ConfigError('searchTimeoutMs must be positive');
  const presencePushMaxMembers = options.presencePushMaxMembers ?? DEFAULT_PRESENCE_PUSH_MAX_MEMBERS;
  if (!(presencePushMaxMembers >= 2)) throw new ConfigError('presencePushMaxMembers must be at least 2');
  const maxQueuedBytes = options.maxQueuedBytes ?? defaultMaxQueuedBytes();
  if (!(maxQueuedBytes > 0)) throw new ConfigError('maxQueuedBytes must be positive');
  const origins = options.allowedOrigins;
  let proxyTrust: ProxyTrust;
  try {
    proxyTrust = new ProxyTrust(options.trustProxy ?? false);
  } catch (error) {
    throw new ConfigError(`trustProxy: ${(error as Error).message}`);
  }
  const dataDir = options.dataDir ?? '.parley-data';
  return {
    dataDir,
    attachmentsDir: options.attachmentsDir ?? join(dataDir, 'attachments'),
    encryptionKey: options.encryptionKey === undefined ? null : EncryptionKey.from(options.encryptionKey),
    auth,
    allowedOrigins: origins && origins.length > 0 ? [...origins] : null,
    originPolicy: { allowed: origins && origins.length > 0 ? [...origins] : null, loopbackHostsOnly: auth.dev === true, proxy: proxyTrust },
    proxyTrust,
    limits,
    hooks: options.hooks ?? {},
    browserBundle: options.browserBundle ?? true,
    static: options.static ?? [],
    invitations: options.invitations ?? 'accept',
    contentSecurityPolicy: options.contentSecurityPolicy === false ? null : (options.contentSecurityPolicy ?? DEFAULT_CSP),
    metricsToken: options.metricsToken || null,
    adminKeys: (options.adminKeys ?? []).filter((key) => key !== ''),
    retentionIntervalMs: options.retentionIntervalMs ?? 60_000,
    timing: { ...DEFAULT_TIMING, ...options.timing },
    abuse: { ...DEFAULT_ABUSE, ...options.abuse },
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    presencePushMaxMembers,
    maxQueuedBytes,
    workspaces,
    calls,
    quotas,
    webhooks,
    searchTimeoutMs,
  };
}
