#!/usr/bin/env node
/**
 * `parley-server`: runs the reference server with SQLite storage.
 *
 *   parley-server [--port 8787] [--host 127.0.0.1] [--data-dir .parley-data] [--dev] [--static DIR]...
 *
 * Environment: PORT, HOST, PARLEY_DATA_DIR, PARLEY_DEV=1, PARLEY_DEV_ALLOW_REMOTE=1, PARLEY_JWT_SECRET,
 * PARLEY_JWT_PUBLIC_KEY (PEM), PARLEY_JWT_ISSUER, PARLEY_JWT_AUDIENCE, PARLEY_JWT_REQUIRE_EXP=0,
 * PARLEY_MAX_TOKEN_AGE (seconds), PARLEY_METRICS_TOKEN, PARLEY_INVITATIONS, PARLEY_ALLOWED_ORIGINS (comma-separated),
 * DATABASE_URL (PostgreSQL instead of SQLite), PARLEY_PG_CONNECT_TIMEOUT_MS,
 * PARLEY_PG_QUERY_TIMEOUT_MS, PARLEY_PG_STATEMENT_TIMEOUT_MS (its timeouts),
 * REDIS_URL (Redis bus for several nodes),
 * PARLEY_CALLS=0, PARLEY_CALL_WORKERS, PARLEY_RTC_LISTEN_IP, PARLEY_RTC_ANNOUNCED_ADDRESS,
 * PARLEY_RTC_MIN_PORT, PARLEY_RTC_MAX_PORT (calls), PARLEY_ENCRYPTION_KEY (encryption at rest),
 * PARLEY_NEW_ENCRYPTION_KEY (with --rekey), PARLEY_ROOM_CREATES_PER_HOUR,
 * PARLEY_INVITES_PER_HOUR, PARLEY_MAX_CALLS_PER_USER, PARLEY_UPLOAD_TTL_MS,
 * PARLEY_MAX_PENDING_UPLOADS, PARLEY_MAX_PENDING_UPLOAD_BYTES (quotas).
 */
import { parseArgs } from 'node:util';
import { callOptionsFromEnv } from './calls/call-options.js';
import { runRekey } from './encryption/rekey-command.js';
import { quotaOptionsFromEnv } from './quotas/quota-options.js';
import { createServer } from './server.js';

const USAGE = `Usage: parley-server [options]
  --port <n>          port (env PORT, default 8787)
  --host <addr>       interface (env HOST, default 127.0.0.1)
  --data-dir <dir>    SQLite and attachments (env PARLEY_DATA_DIR, default .parley-data)
  --dev               dev mode: POST /v1/dev/token mints tokens for this machine (env PARLEY_DEV=1);
                      listens on loopback only
  --dev-allow-remote  let a dev-mode server listen beyond loopback: anyone who reaches it
                      can mint tokens (env PARLEY_DEV_ALLOW_REMOTE=1)
  --jwt-issuer <s>    required iss claim (env PARLEY_JWT_ISSUER)
  --jwt-audience <s>  required aud claim (env PARLEY_JWT_AUDIENCE)
  --max-token-age <s> refuse tokens older than this many seconds after iat (env PARLEY_MAX_TOKEN_AGE)
  --invitations <m>   accept (default): people added to a room are invited and join when they accept;
                      direct: they are added at once (env PARLEY_INVITATIONS)
  --static <dir>      serve a directory at /, or /path=<dir> at /path/ (repeatable; alias --serve)
  --no-browser-bundle do not serve /parley.js, /parley-sdk.js, /chunks/* and /parley.integrity.json
                      from the installed packages (env PARLEY_BROWSER_BUNDLE=0)
  --database-url <u>  PostgreSQL storage instead of SQLite (env DATABASE_URL)
  --redis-url <u>     Redis bus, so several nodes serve the same rooms (env REDIS_URL)
  --rekey             rotate the encryption key of the stopped server's data, from
                      PARLEY_ENCRYPTION_KEY (unset: not encrypted yet) to PARLEY_NEW_ENCRYPTION_KEY, and exit
  -h, --help          this text
Environment: PARLEY_JWT_SECRET (at least 32 bytes), PARLEY_JWT_PUBLIC_KEY, PARLEY_JWT_REQUIRE_EXP=0
  (accept tokens without exp), PARLEY_METRICS_TOKEN (bearer token for /metrics; without it /metrics
  is off outside dev mode), PARLEY_ALLOWED_ORIGINS, PARLEY_REDIS_PREFIX
PostgreSQL timeouts (ms): PARLEY_PG_CONNECT_TIMEOUT_MS (default 5000), PARLEY_PG_STATEMENT_TIMEOUT_MS
  (default 10000), PARLEY_PG_QUERY_TIMEOUT_MS (no answer at all; default statement timeout + 2000)
Encryption at rest: PARLEY_ENCRYPTION_KEY (32 bytes as hex or base64; openssl rand -hex 32)
Calls: PARLEY_CALLS=0 (off), PARLEY_CALL_WORKERS, PARLEY_RTC_LISTEN_IP (default 127.0.0.1),
  PARLEY_RTC_ANNOUNCED_ADDRESS, PARLEY_RTC_MIN_PORT, PARLEY_RTC_MAX_PORT
Quotas per user: PARLEY_ROOM_CREATES_PER_HOUR (60), PARLEY_INVITES_PER_HOUR (2000),
  PARLEY_MAX_CALLS_PER_USER (2), PARLEY_UPLOAD_TTL_MS (86400000: unused uploads are deleted then),
  PARLEY_MAX_PENDING_UPLOADS (20), PARLEY_MAX_PENDING_UPLOAD_BYTES (104857600)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      dev: { type: 'boolean' },
      'dev-allow-remote': { type: 'boolean' },
      'jwt-issuer': { type: 'string' },
      'jwt-audience': { type: 'string' },
      'max-token-age': { type: 'string' },
      invitations: { type: 'string' },
      static: { type: 'string', multiple: true },
      serve: { type: 'string', multiple: true },
      'no-browser-bundle': { type: 'boolean' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      rekey: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const env = process.env;
  if (values.rekey) {
    const postgres = Boolean(values['database-url'] ?? env.DATABASE_URL);
    return runRekey(env, values['data-dir'] ?? env.PARLEY_DATA_DIR ?? '.parley-data', postgres);
  }
  const port = Number(values.port ?? env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${String(values.port ?? env.PORT)}`);
  const host = values.host ?? env.HOST ?? '127.0.0.1';
  const dev = values.dev === true || env.PARLEY_DEV === '1';
  const devAllowRemote = values['dev-allow-remote'] === true || env.PARLEY_DEV_ALLOW_REMOTE === '1';
  const invitations = values.invitations ?? (env.PARLEY_INVITATIONS || 'accept');
  if (invitations !== 'accept' && invitations !== 'direct') throw new Error(`invalid --invitations ${invitations}: accept or direct`);
  const maxAgeText = values['max-token-age'] ?? (env.PARLEY_MAX_TOKEN_AGE || undefined);
  const maxTokenAgeSeconds = maxAgeText === undefined ? undefined : Number(maxAgeText);
  if (maxTokenAgeSeconds !== undefined && !(Number.isInteger(maxTokenAgeSeconds) && maxTokenAgeSeconds > 0)) {
    throw new Error(`invalid --max-token-age ${String(maxAgeText)}: a whole number of seconds`);
  }
  const origins = env.PARLEY_ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean);

  const server = createServer({
    dataDir: values['data-dir'] ?? env.PARLEY_DATA_DIR ?? '.parley-data',
    encryptionKey: env.PARLEY_ENCRYPTION_KEY || undefined,
    auth: {
      secret: env.PARLEY_JWT_SECRET || undefined,
      publicKey: env.PARLEY_JWT_PUBLIC_KEY || undefined,
      issuer: values['jwt-issuer'] ?? (env.PARLEY_JWT_ISSUER || undefined),
      audience: values['jwt-audience'] ?? (env.PARLEY_JWT_AUDIENCE || undefined),
      requireExp: env.PARLEY_JWT_REQUIRE_EXP !== '0',
      maxTokenAgeSeconds,
      dev,
      devAllowRemote,
    },
    metricsToken: env.PARLEY_METRICS_TOKEN || undefined,
    invitations,
    allowedOrigins: origins,
    browserBundle: values['no-browser-bundle'] !== true && env.PARLEY_BROWSER_BUNDLE !== '0',
    static: [...(values.static ?? []), ...(values.serve ?? [])],
    databaseUrl: values['database-url'] ?? (env.DATABASE_URL || undefined),
    redisUrl: values['redis-url'] ?? (env.REDIS_URL || undefined),
    postgres: {
      connectTimeoutMs: envMs('PARLEY_PG_CONNECT_TIMEOUT_MS'),
      queryTimeoutMs: envMs('PARLEY_PG_QUERY_TIMEOUT_MS'),
      statementTimeoutMs: envMs('PARLEY_PG_STATEMENT_TIMEOUT_MS'),
    },
    redisPrefix: env.PARLEY_REDIS_PREFIX || undefined,
    calls: callOptionsFromEnv(env),
    quotas: quotaOptionsFromEnv(env),
  });
  const { url } = await server.listen(port, host);
  console.log(`Parley server listening on ${url}`);
  if (dev) console.log(`Dev mode: mint tokens with POST ${url}/v1/dev/token {"user":"ada"} (never expose this server)`);
  if (dev && devAllowRemote) {
    console.warn('WARNING: dev mode beyond loopback (--dev-allow-remote): anyone who can reach this server can mint tokens for any user.');
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** A positive duration in ms from the environment variable `name`, or undefined when it is not set. */
function envMs(name: string): number | undefined {
  const text = process.env[name];
  if (!text) return undefined;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`${name} must be a positive whole number of milliseconds, not ${JSON.stringify(text)}`);
  return ms;
}

main().catch((error: unknown) => {
  console.error(`parley-server: ${error instanceof Error ? error.message : String(error)}`);
  console.error('Run parley-server --help for usage.');
  process.exit(1);
});
