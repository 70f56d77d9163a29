/**
 * Every option of `parley-server`, once: its config-file key, flag,
 * environment variable, type, default and meaning. The command line, the
 * environment and the config file are all read from this table
 * (`config-sources.ts`), and so are `--help` and the options table of the
 * package README (`option-docs.ts`), so none of them can forget an option.
 */
import { DEFAULT_LIMITS } from '@parley/sdk/protocol';
import type { CallIceServer } from '@parley/sdk/protocol';
import type { CallOptions } from '../calls/call-options.js';
import type { AuthOptions, ServerOptions } from '../options.js';
import { DEFAULT_ABUSE, DEFAULT_TIMING, DEFAULT_WORKSPACES } from '../options.js';
import { DEFAULT_QUOTAS } from '../quotas/quota-options.js';
import { DEFAULT_WEBHOOK_DELIVERY } from '../webhooks/webhook-options.js';
import type { PostgresStorageOptions } from '../storage/postgres/postgres-storage.js';
import { boolean, decimal, integer, json, list, oneOf, overridesOf, text, trustProxy } from './option-types.js';
import type { OptionType } from './option-types.js';

/** The pino levels `--log-level` takes (`silent` writes nothing). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A level of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Headings the options are grouped under in `--help` and the README. */
export type OptionSection = 'Listening and logs' | 'Storage' | 'Tokens' | 'Browsers and proxies' | 'Capacity' | 'Calls' | 'Quotas' | 'Webhooks' | 'Settings objects' | 'Key rotation';

/** One option of the table. */
export interface CliOption {
  /** Key in the config file; null for what only the command line does (`--rekey`). */
  readonly key: string | null;
  /** Flag without its dashes; null for secrets, which never appear in a process list. */
  readonly flag: string | null;
  /** Another flag for the same option (`serve` for `static`). */
  readonly alias?: string;
  /** Environment variable; null when there is none. */
  readonly env: string | null;
  /** `<env>_FILE` names a file holding the value (container secrets): for secrets, keys and URLs with passwords. */
  readonly fromFile: boolean;
  readonly type: OptionType<unknown>;
  /**
   * Where the value goes: a dotted path into `ServerOptions` (`auth.issuer`),
   * or `cli.<name>` for what the command itself uses (port, host, log level).
   */
  readonly target: string;
  /** Turns the read value into what `target` holds (an hourly count into a quota). */
  readonly transform?: (value: unknown) => unknown;
  /** The flag may be given several times; the values add up. */
  readonly repeatable?: boolean;
  /** The default, as shown in the docs. */
  readonly defaultText: string;
  /** What it does, in one or two sentences of Markdown. */
  readonly doc: string;
  readonly section: OptionSection;
}

const HOUR_MS = 60 * 60_000;

function option<T>(spec: Omit<CliOption, 'type' | 'transform' | 'fromFile'> & { type: OptionType<T>; transform?: (value: T) => unknown; fromFile?: boolean }): CliOption {
  return { ...spec, fromFile: spec.fromFile ?? false } as CliOption;
}

/** A secret: from the environment (or its `_FILE`) or the config file, never a flag. */
function secret(spec: Omit<CliOption, 'type' | 'flag' | 'fromFile'>): CliOption {
  return { ...spec, type: text, flag: null, fromFile: true };
}

/** A list of secrets (comma-separated), never a flag. */
function secretList(spec: Omit<CliOption, 'type' | 'flag' | 'fromFile'>): CliOption {
  return { ...spec, type: list, flag: null, fromFile: true };
}

const isIceServers = (value: unknown): value is CallIceServer[] =>
  Array.isArray(value) &&
  value.every((server: unknown) => {
    if (typeof server !== 'object' || server === null) return false;
    const { urls, username, credential, ...rest } = server as Record<string, unknown>;
    const urlsOk = typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((url) => typeof url === 'string'));
    return urlsOk && (username === undefined || typeof username === 'string') && (credential === undefined || typeof credential === 'string') && Object.keys(rest).length === 0;
  });

/** The `--config` option, read before everything else (it says where the rest may be). */
export const CONFIG_OPTION = {
  flag: 'config',
  env: 'PARLEY_CONFIG',
  doc: 'a JSON file of options, keyed as in the **key** column; flags and environment variables override it',
} as const;

/** Every option, in the order of the docs. */
export const OPTIONS: readonly CliOption[] = [
  // ── listening and logs
  option({ section: 'Listening and logs', key: 'port', flag: 'port', env: 'PORT', type: integer(0, 65535), target: 'cli.port', defaultText: '8787', doc: 'TCP port (0: any free port)' }),
  option({ section: 'Listening and logs', key: 'host', flag: 'host', env: 'HOST', type: text, target: 'cli.host', defaultText: '`127.0.0.1`', doc: 'interface to listen on; behind a proxy on the same machine keep loopback, else `0.0.0.0`' }),
  option({ section: 'Listening and logs', key: 'logLevel', flag: 'log-level', env: 'PARLEY_LOG_LEVEL', type: oneOf(LOG_LEVELS), target: 'cli.logLevel', defaultText: '`info`', doc: 'JSON log lines (pino) on stdout from this level up; `silent` writes none' }),

  // ── storage
  option({ section: 'Storage', key: 'dataDir', flag: 'data-dir', env: 'PARLEY_DATA_DIR', type: text, target: 'dataDir', defaultText: '`.parley-data`', doc: 'the SQLite database (and attachments, unless `attachmentsDir` is set); created owner-only (0700)' }),
  option({ section: 'Storage', key: 'attachmentsDir', flag: 'attachments-dir', env: 'PARLEY_ATTACHMENTS_DIR', type: text, target: 'attachmentsDir', defaultText: '`<dataDir>/attachments`', doc: 'attachment files; with several nodes, one volume every node mounts' }),
  secret({ section: 'Storage', key: 'encryptionKey', env: 'PARLEY_ENCRYPTION_KEY', target: 'encryptionKey', defaultText: 'none: unencrypted', doc: 'encryption at rest: 32 bytes as 64 hex digits or base64 (`openssl rand -hex 32`)' }),
  option({ section: 'Storage', key: 'databaseUrl', flag: 'database-url', env: 'DATABASE_URL', fromFile: true, type: text, target: 'databaseUrl', defaultText: 'none: SQLite', doc: 'PostgreSQL storage (`postgres://user:password@host/db`), shared by several nodes' }),
  option({ section: 'Storage', key: 'postgresSchema', flag: 'postgres-schema', env: 'PARLEY_PG_SCHEMA', type: text, target: 'postgres.schema', defaultText: '`public`', doc: "schema of Parley's tables, created when missing" }),
  option({ section: 'Storage', key: 'postgresPoolSize', flag: 'postgres-pool-size', env: 'PARLEY_PG_POOL_SIZE', type: integer(2, 1000), target: 'postgres.poolSize', defaultText: '10', doc: 'PostgreSQL connections per node (one of them writes)' }),
  option({ section: 'Storage', key: 'postgresConnectTimeoutMs', flag: 'postgres-connect-timeout-ms', env: 'PARLEY_PG_CONNECT_TIMEOUT_MS', type: integer(1), target: 'postgres.connectTimeoutMs', defaultText: '5000', doc: 'opening (or waiting for) a PostgreSQL connection fails `unavailable` after this (ms)' }),
  option({ section: 'Storage', key: 'postgresStatementTimeoutMs', flag: 'postgres-statement-timeout-ms', env: 'PARLEY_PG_STATEMENT_TIMEOUT_MS', type: integer(1), target: 'postgres.statementTimeoutMs', defaultText: '10000', doc: 'PostgreSQL cancels a longer statement (ms)' }),
  option({ section: 'Storage', key: 'postgresQueryTimeoutMs', flag: 'postgres-query-timeout-ms', env: 'PARLEY_PG_QUERY_TIMEOUT_MS', type: integer(1), target: 'postgres.queryTimeoutMs', defaultText: 'statement timeout + 2000', doc: 'no answer at all from PostgreSQL for this long drops the connection (ms)' }),
  option({ section: 'Storage', key: 'redisUrl', flag: 'redis-url', env: 'REDIS_URL', fromFile: true, type: text, target: 'redisUrl', defaultText: 'none: one node', doc: 'Redis bus (`redis://…`), so several nodes serve the same rooms' }),
  option({ section: 'Storage', key: 'redisPrefix', flag: 'redis-prefix', env: 'PARLEY_REDIS_PREFIX', type: text, target: 'redisPrefix', defaultText: '`parley:`', doc: 'prefix of the Redis channels and keys, so deployments can share one Redis' }),

  // ── tokens
  secret({ section: 'Tokens', key: 'jwtSecret', env: 'PARLEY_JWT_SECRET', target: 'auth.secret', defaultText: 'none', doc: 'HS256 secret shared with your backend, at least 32 bytes (`openssl rand -hex 32`)' }),
  option({ section: 'Tokens', key: 'jwtPublicKey', flag: null, env: 'PARLEY_JWT_PUBLIC_KEY', fromFile: true, type: text, target: 'auth.publicKey', defaultText: 'none', doc: 'PEM public key (SPKI) for RS256, ES256/384/512 or EdDSA tokens' }),
  option({ section: 'Tokens', key: 'jwtIssuer', flag: 'jwt-issuer', env: 'PARLEY_JWT_ISSUER', type: text, target: 'auth.issuer', defaultText: 'none', doc: 'required `iss` claim' }),
  option({ section: 'Tokens', key: 'jwtAudience', flag: 'jwt-audience', env: 'PARLEY_JWT_AUDIENCE', type: text, target: 'auth.audience', defaultText: 'none', doc: 'required `aud` claim' }),
  option({ section: 'Tokens', key: 'jwtRequireExp', flag: 'jwt-require-exp', env: 'PARLEY_JWT_REQUIRE_EXP', type: boolean, target: 'auth.requireExp', defaultText: 'true', doc: 'tokens must carry `exp`; off (`--no-jwt-require-exp`, `0`) accepts tokens without it' }),
  option({ section: 'Tokens', key: 'maxTokenAge', flag: 'max-token-age', env: 'PARLEY_MAX_TOKEN_AGE', type: integer(1), target: 'auth.maxTokenAgeSeconds', defaultText: 'none', doc: 'tokens older than this many seconds after `iat` are refused, and open sockets close when theirs reaches it' }),
  option({ section: 'Tokens', key: 'dev', flag: 'dev', env: 'PARLEY_DEV', type: boolean, target: 'auth.dev', defaultText: 'false', doc: 'dev mode: `POST /v1/dev/token` mints one-hour tokens for any user, for clients on this machine only; the server listens on loopback only' }),
  option({ section: 'Tokens', key: 'devAllowRemote', flag: 'dev-allow-remote', env: 'PARLEY_DEV_ALLOW_REMOTE', type: boolean, target: 'auth.devAllowRemote', defaultText: 'false', doc: 'lets a dev server listen beyond loopback and mint for remote clients (anyone who reaches it gets tokens for any user)' }),
  option({ section: 'Tokens', key: 'invitations', flag: 'invitations', env: 'PARLEY_INVITATIONS', type: oneOf(['accept', 'direct'] as const), target: 'invitations', defaultText: '`accept`', doc: '`accept`: people added to a room are invited and join when they accept; `direct`: added at once' }),
  secret({ section: 'Tokens', key: 'urlSecret', env: 'PARLEY_URL_SECRET', target: 'urlSecret', defaultText: 'derived from the JWT secret, else random', doc: 'key of signed attachment URLs; give every node the same one (needed with a public key, which derives none)' }),

  // ── browsers and proxies
  option({ section: 'Browsers and proxies', key: 'allowedOrigins', flag: 'allowed-origins', env: 'PARLEY_ALLOWED_ORIGINS', type: list, target: 'allowedOrigins', defaultText: 'same host only', doc: 'browser origins allowed to connect (`https://app.example.com,…`); `*` allows all' }),
  option({ section: 'Browsers and proxies', key: 'trustProxy', flag: 'trust-proxy', env: 'PARLEY_TRUST_PROXY', type: trustProxy, target: 'trustProxy', defaultText: 'false', doc: "reverse proxies whose `X-Forwarded-For`, `-Host` and `-Proto` are believed: their addresses, CIDR ranges or `loopback`, `linklocal`, `uniquelocal`, or a number of proxies; see [docs/deploy.md](../../docs/deploy.md)" }),
  option({ section: 'Browsers and proxies', key: 'static', flag: 'static', alias: 'serve', repeatable: true, env: 'PARLEY_STATIC', type: list, target: 'static', defaultText: 'none', doc: 'directories served at `/`, or `/path=dir` at `/path/` (flag repeatable; first match wins)' }),
  option({ section: 'Browsers and proxies', key: 'browserBundle', flag: 'browser-bundle', env: 'PARLEY_BROWSER_BUNDLE', type: boolean, target: 'browserBundle', defaultText: 'true', doc: 'serves `/parley.js`, `/parley-sdk.js`, `/chunks/*` and `/parley.integrity.json` from the installed packages to any origin (see [Browser bundle](#browser-bundle)); off: `--no-browser-bundle`, `0`' }),
  option({
    section: 'Browsers and proxies',
    key: 'contentSecurityPolicy',
    flag: 'content-security-policy',
    env: 'PARLEY_CONTENT_SECURITY_POLICY',
    type: text,
    target: 'contentSecurityPolicy',
    transform: (value) => (value === 'off' ? false : value),
    defaultText: "this server's scripts, styles and sockets only",
    doc: 'the `Content-Security-Policy` of HTML pages served from `static`; `off` sends none',
  }),
  secretList({ section: 'Browsers and proxies', key: 'adminKeys', env: 'PARLEY_ADMIN_KEY', target: 'adminKeys', defaultText: 'none: the admin API answers 404', doc: 'keys of the admin REST API `/v1/admin/` (`Authorization: Bearer <key>`), comma-separated so one can be rotated; see [docs/server-api.md](../../docs/server-api.md)' }),
  secret({ section: 'Browsers and proxies', key: 'metricsToken', env: 'PARLEY_METRICS_TOKEN', target: 'metricsToken', defaultText: 'none: `/metrics` answers 404 (except in dev mode)', doc: '`GET /metrics` then needs `Authorization: Bearer <token>`' }),

  // ── capacity
  option({ section: 'Capacity', key: 'maxConnections', flag: 'max-connections', env: 'PARLEY_MAX_CONNECTIONS', type: integer(1), target: 'maxConnections', defaultText: '50000', doc: 'open sockets per node; beyond it new ones are shed with 4013 and a spread-out time to come back' }),
  option({ section: 'Capacity', key: 'maxQueuedBytes', flag: 'max-queued-bytes', env: 'PARLEY_MAX_QUEUED_BYTES', type: integer(1), target: 'maxQueuedBytes', defaultText: "a quarter of V8's heap limit", doc: 'bytes queued for all sockets of the node; beyond it the slowest are closed (4008)' }),
  option({ section: 'Capacity', key: 'presencePushMaxMembers', flag: 'presence-push-max-members', env: 'PARLEY_PRESENCE_PUSH_MAX_MEMBERS', type: integer(2), target: 'presencePushMaxMembers', defaultText: '100', doc: 'presence is pushed only within rooms of at most this many members' }),
  option({ section: 'Capacity', key: 'searchTimeoutMs', flag: 'search-timeout-ms', env: 'PARLEY_SEARCH_TIMEOUT_MS', type: integer(1), target: 'searchTimeoutMs', defaultText: '2000', doc: 'a search still running after this long answers `unavailable` (ms)' }),
  option({ section: 'Capacity', key: 'retentionIntervalMs', flag: 'retention-interval-ms', env: 'PARLEY_RETENTION_INTERVAL_MS', type: integer(1), target: 'retentionIntervalMs', defaultText: '60000', doc: 'how often per-room retention runs (ms)' }),

  // ── calls
  option({ section: 'Calls', key: 'calls', flag: 'calls', env: 'PARLEY_CALLS', type: boolean, target: 'calls.enabled', defaultText: 'true', doc: 'calls on; off (`--no-calls`, `0`): `call.join` answers `call_unavailable`' }),
  option({ section: 'Calls', key: 'callWorkers', flag: 'call-workers', env: 'PARLEY_CALL_WORKERS', type: integer(1), target: 'calls.workers', defaultText: 'one per core', doc: 'mediasoup worker processes, started on the first join' }),
  option({ section: 'Calls', key: 'rtcListenIp', flag: 'rtc-listen-ip', env: 'PARLEY_RTC_LISTEN_IP', type: text, target: 'calls.listenIp', defaultText: '`127.0.0.1`', doc: 'where media transports listen; `0.0.0.0` (with an announced address) for clients on other machines' }),
  option({ section: 'Calls', key: 'rtcAnnouncedAddress', flag: 'rtc-announced-address', env: 'PARLEY_RTC_ANNOUNCED_ADDRESS', type: text, target: 'calls.announcedAddress', defaultText: 'none', doc: 'public IP or host name put in ICE candidates' }),
  option({ section: 'Calls', key: 'rtcMinPort', flag: 'rtc-min-port', env: 'PARLEY_RTC_MIN_PORT', type: integer(1024, 65535), target: 'calls.rtcMinPort', defaultText: '10000', doc: 'lowest media port (UDP and TCP; open the range in the firewall)' }),
  option({ section: 'Calls', key: 'rtcMaxPort', flag: 'rtc-max-port', env: 'PARLEY_RTC_MAX_PORT', type: integer(1024, 65535), target: 'calls.rtcMaxPort', defaultText: '59999', doc: 'highest media port' }),
  option({ section: 'Calls', key: 'rtcTcp', flag: 'rtc-tcp', env: 'PARLEY_RTC_TCP', type: boolean, target: 'calls.enableTcp', defaultText: 'true', doc: 'also offer ICE over TCP, for clients whose UDP is blocked' }),
  option({
    section: 'Calls',
    key: 'iceServers',
    flag: null,
    env: 'PARLEY_ICE_SERVERS',
    fromFile: true,
    type: json('a JSON array of { "urls", "username"?, "credential"? }', isIceServers),
    target: 'calls.iceServers',
    defaultText: 'none',
    doc: 'STUN/TURN servers handed to clients (JSON; TURN credentials make it a secret, so no flag)',
  }),
  option({ section: 'Calls', key: 'callInitialBitrate', flag: 'call-initial-bitrate', env: 'PARLEY_CALL_INITIAL_BITRATE', type: integer(100_000), target: 'calls.initialOutgoingBitrate', defaultText: '1000000', doc: 'bits/s a new transport starts sending at' }),
  option({ section: 'Calls', key: 'speakingThresholdDb', flag: 'speaking-threshold-db', env: 'PARLEY_SPEAKING_THRESHOLD_DB', type: decimal(-127, 0), target: 'calls.speakingThresholdDb', defaultText: '-60', doc: 'active speaker: the level above which someone speaks (dBov)' }),
  option({ section: 'Calls', key: 'speakerIntervalMs', flag: 'speaker-interval-ms', env: 'PARLEY_SPEAKER_INTERVAL_MS', type: integer(100), target: 'calls.speakerIntervalMs', defaultText: '800', doc: 'active speaker: how often levels are evaluated (ms)' }),
  option({ section: 'Calls', key: 'callOwnerTtlMs', flag: 'call-owner-ttl-ms', env: 'PARLEY_CALL_OWNER_TTL_MS', type: integer(300), target: 'calls.ownerTtlMs', defaultText: '6000', doc: "several nodes: lifetime of a node's claim on a call (ms)" }),
  option({ section: 'Calls', key: 'callForwardTimeoutMs', flag: 'call-forward-timeout-ms', env: 'PARLEY_CALL_FORWARD_TIMEOUT_MS', type: integer(100), target: 'calls.forwardTimeoutMs', defaultText: '10000', doc: 'several nodes: a call request forwarded to the hosting node fails after this (ms)' }),

  // ── quotas
  option({ section: 'Quotas', key: 'roomCreatesPerHour', flag: 'room-creates-per-hour', env: 'PARLEY_ROOM_CREATES_PER_HOUR', type: integer(1), target: 'quotas.roomCreates', transform: (max) => ({ max, windowMs: HOUR_MS }), defaultText: '60', doc: 'rooms one user may create per hour' }),
  option({ section: 'Quotas', key: 'invitesPerHour', flag: 'invites-per-hour', env: 'PARLEY_INVITES_PER_HOUR', type: integer(1), target: 'quotas.invites', transform: (max) => ({ max, windowMs: HOUR_MS }), defaultText: '2000', doc: 'members one user may add to rooms per hour' }),
  option({ section: 'Quotas', key: 'maxCallsPerUser', flag: 'max-calls-per-user', env: 'PARLEY_MAX_CALLS_PER_USER', type: integer(1), target: 'quotas.maxCallsPerUser', defaultText: '2', doc: 'calls one user takes part in at once' }),
  option({ section: 'Quotas', key: 'uploadTtlMs', flag: 'upload-ttl-ms', env: 'PARLEY_UPLOAD_TTL_MS', type: integer(1), target: 'quotas.uploadTtlMs', defaultText: '86400000 (24 h)', doc: 'uploads no message uses are deleted after this (ms)' }),
  option({ section: 'Quotas', key: 'maxPendingUploads', flag: 'max-pending-uploads', env: 'PARLEY_MAX_PENDING_UPLOADS', type: integer(1), target: 'quotas.maxPendingUploads', defaultText: '20', doc: 'uploads per user that no message uses yet' }),
  option({ section: 'Quotas', key: 'maxPendingUploadBytes', flag: 'max-pending-upload-bytes', env: 'PARLEY_MAX_PENDING_UPLOAD_BYTES', type: integer(1), target: 'quotas.maxPendingUploadBytes', defaultText: '104857600 (100 MiB)', doc: 'their bytes together, per user' }),

  // ── webhooks
  option({ section: 'Webhooks', key: 'webhookUrls', flag: 'webhook-url', env: 'PARLEY_WEBHOOK_URL', type: list, target: 'webhooks.urls', defaultText: 'none: off', doc: 'endpoints every event is POSTed to, signed (`https://api.example.com/parley-hooks,…`); see [docs/server-api.md](../../docs/server-api.md#webhooks)' }),
  secret({ section: 'Webhooks', key: 'webhookSecret', env: 'PARLEY_WEBHOOK_SECRET', target: 'webhooks.secret', defaultText: 'none', doc: 'key of the `Parley-Signature` HMAC, at least 16 characters (`openssl rand -hex 32`); required with `webhookUrls`' }),
  option({ section: 'Webhooks', key: 'webhookUnreadDelayMs', flag: 'webhook-unread-delay-ms', env: 'PARLEY_WEBHOOK_UNREAD_DELAY_MS', type: integer(0), target: 'webhooks.unreadDelayMs', defaultText: '300000', doc: '`message.unread` goes out for a direct message or mention still unread this long after it was sent (ms)' }),

  // ── settings objects: every field of `limits`, `timing`, `workspaces`, `abuse`, `webhooks` and `quotas`
  option({ section: 'Settings objects', key: 'limits', flag: null, env: 'PARLEY_LIMITS', type: overridesOf('limits', DEFAULT_LIMITS), target: 'limits', defaultText: '`DEFAULT_LIMITS`', doc: 'protocol limits (sizes, rates; see the Limits section), announced to clients' }),
  option({ section: 'Settings objects', key: 'timing', flag: null, env: 'PARLEY_TIMING', type: overridesOf('timing', DEFAULT_TIMING), target: 'timing', defaultText: 'protocol timings', doc: 'timers in ms: `authTimeoutMs`, `pingIntervalMs`, `closeTimeoutMs`, `attachmentUrlTtlMs`, `healthProbeMs`…' }),
  option({ section: 'Settings objects', key: 'workspaces', flag: null, env: 'PARLEY_WORKSPACES', type: overridesOf('workspaces', DEFAULT_WORKSPACES), target: 'workspaces', defaultText: 'see Workspaces', doc: 'documents in memory, idle unload, compaction' }),
  option({ section: 'Settings objects', key: 'abuse', flag: null, env: 'PARLEY_ABUSE', type: overridesOf('abuse', DEFAULT_ABUSE), target: 'abuse', defaultText: '100 rejected frames / 10 s', doc: 'rate-limited clients that keep sending are closed (4029)' }),
  option({ section: 'Settings objects', key: 'webhooks', flag: null, env: 'PARLEY_WEBHOOKS', type: overridesOf('webhooks', DEFAULT_WEBHOOK_DELIVERY), target: 'webhooks', defaultText: 'see Webhooks', doc: 'webhook delivery bounds in ms and counts: `pollMs`, `timeoutMs`, `retryBaseMs`, `retryMaxMs`, `maxAttempts`, `maxAgeMs`, `leaseMs`, `batchSize`, `deadRetentionMs`' }),
  option({ section: 'Settings objects', key: 'quotas', flag: null, env: 'PARLEY_QUOTAS', type: overridesOf('quotas', DEFAULT_QUOTAS), target: 'quotas', defaultText: 'see Quotas', doc: 'every per-user quota (the options above set single ones over it)' }),

  // ── key rotation
  option({ section: 'Key rotation', key: null, flag: 'rekey', env: null, type: boolean, target: 'cli.rekey', defaultText: '', doc: "rotate the stopped server's data from `PARLEY_ENCRYPTION_KEY` (unset: unencrypted) to `PARLEY_NEW_ENCRYPTION_KEY`, then exit" }),
  secret({ section: 'Key rotation', key: null, env: 'PARLEY_NEW_ENCRYPTION_KEY', target: 'cli.newEncryptionKey', defaultText: '', doc: 'the key `--rekey` rotates to' }),
];

/**
 * Which `ServerOptions` fields a deployment reaches through the table, and
 * which only code can give (objects and functions). `satisfies` makes a new
 * field fail the type check until it is placed here; the tests check that
 * every `'table'` field is the target of an option.
 */
export const SERVER_OPTION_REACH = {
  dataDir: 'table',
  attachmentsDir: 'table',
  encryptionKey: 'table',
  storage: 'code',
  bus: 'code',
  databaseUrl: 'table',
  postgres: 'table',
  redisUrl: 'table',
  redisPrefix: 'table',
  auth: 'table',
  allowedOrigins: 'table',
  trustProxy: 'table',
  limits: 'table',
  hooks: 'code',
  static: 'table',
  browserBundle: 'table',
  contentSecurityPolicy: 'table',
  logger: 'table',
  retentionIntervalMs: 'table',
  timing: 'table',
  abuse: 'table',
  maxConnections: 'table',
  metricsToken: 'table',
  adminKeys: 'table',
  invitations: 'table',
  urlSecret: 'table',
  presencePushMaxMembers: 'table',
  maxQueuedBytes: 'table',
  workspaces: 'table',
  calls: 'table',
  quotas: 'table',
  webhooks: 'table',
  searchTimeoutMs: 'table',
} as const satisfies Record<keyof ServerOptions, 'table' | 'code'>;

/** The fields of the nested option groups, each reached by an option of its own (`auth.issuer`…). */
export const NESTED_OPTION_REACH = {
  auth: ['secret', 'publicKey', 'issuer', 'audience', 'requireExp', 'maxTokenAgeSeconds', 'dev', 'devAllowRemote'] satisfies Array<keyof AuthOptions>,
  calls: [
    'enabled',
    'workers',
    'listenIp',
    'announcedAddress',
    'rtcMinPort',
    'rtcMaxPort',
    'enableTcp',
    'iceServers',
    'initialOutgoingBitrate',
    'speakingThresholdDb',
    'speakerIntervalMs',
    'forwardTimeoutMs',
    'ownerTtlMs',
  ] satisfies Array<keyof CallOptions>,
  postgres: ['schema', 'poolSize', 'statementTimeoutMs', 'queryTimeoutMs', 'connectTimeoutMs'] satisfies Array<keyof Omit<PostgresStorageOptions, 'connectionString'>>,
} as const;

type Unlisted<All, Listed> = Exclude<keyof All, Listed>;
type MustBeNever<T extends never> = T;
/** Fails the type check while a list above misses a field of its group. */
export type EveryNestedFieldListed = [
  MustBeNever<Unlisted<AuthOptions, (typeof NESTED_OPTION_REACH.auth)[number]>>,
  MustBeNever<Unlisted<CallOptions, (typeof NESTED_OPTION_REACH.calls)[number]>>,
  MustBeNever<Unlisted<Omit<PostgresStorageOptions, 'connectionString'>, (typeof NESTED_OPTION_REACH.postgres)[number]>>,
];
