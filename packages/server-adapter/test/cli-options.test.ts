/**
 * `parley-server`'s options: one table read from flags, the environment (and
 * `<VAR>_FILE`) and a JSON config file, in that order of precedence; bad
 * input refused with the source and the expected type; every option a
 * deployment needs reachable; the README's table the same as the code's.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OptionError, readCliConfig } from '../src/cli/config-sources.js';
import type { ReadText } from '../src/cli/config-sources.js';
import { optionsMarkdown, usageText } from '../src/cli/option-docs.js';
import { NESTED_OPTION_REACH, OPTIONS, SERVER_OPTION_REACH } from '../src/cli/option-table.js';
import { createServer } from '../src/index.js';
import { SECRET, TestClient, signToken } from './helpers.js';
import { exited, startCli } from './cli-process.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
/** The config file docs/deploy.md installs. */
const DEPLOY_CONFIG = fileURLToPath(new URL('../../../deploy/parley.config.json', import.meta.url));

/** Files by path, for the config file and `_FILE` variables. */
function files(map: Record<string, string>): ReadText {
  return (path) => {
    if (!Object.hasOwn(map, path)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return map[path]!;
  };
}

/** The OptionError message of reading these sources. */
function refusal(argv: string[], env: NodeJS.ProcessEnv = {}, read: ReadText = files({})): string {
  try {
    readCliConfig(argv, env, read);
  } catch (error) {
    assert.ok(error instanceof OptionError, `an OptionError, not ${String(error)}`);
    return error.message;
  }
  assert.fail('the options were accepted');
}

describe('parley-server options: sources and precedence', () => {
  it('a flag wins over the environment, which wins over the config file, which wins over the default', () => {
    const config = files({ '/etc/parley.json': JSON.stringify({ port: 7000, host: '0.0.0.0', jwtIssuer: 'from-file', jwtAudience: 'file-aud' }) });
    const env = { PARLEY_CONFIG: '/etc/parley.json', PORT: '7100', PARLEY_JWT_ISSUER: 'from-env' };
    const read = readCliConfig(['--port', '7200'], env, config);
    assert.equal(read.port, 7200);
    assert.equal(read.host, '0.0.0.0');
    assert.equal(read.server.auth.issuer, 'from-env');
    assert.equal(read.server.auth.audience, 'file-aud');
    assert.equal(read.logLevel, 'info');
    assert.equal(read.configFile, '/etc/parley.json');

    const defaults = readCliConfig([], {}, files({}));
    assert.equal(defaults.port, 8787);
    assert.equal(defaults.host, '127.0.0.1');
    assert.deepEqual(defaults.server, { auth: {} });
  });

  it('--config wins over PARLEY_CONFIG', () => {
    const read = readCliConfig(['--config', '/b.json'], { PARLEY_CONFIG: '/a.json' }, files({ '/a.json': '{"port":1}', '/b.json': '{"port":2}' }));
    assert.equal(read.port, 2);
  });

  it('reads the options that had no flag or variable before: issuer, audience, log level, metrics token, trusted proxies, attachments', () => {
    const read = readCliConfig(
      ['--jwt-issuer', 'https://app.example.com', '--jwt-audience', 'parley', '--log-level', 'warn', '--trust-proxy', 'loopback,10.0.0.0/8', '--attachments-dir', '/srv/files'],
      { PARLEY_METRICS_TOKEN: 'scrape-me', PARLEY_TRUST_PROXY: '2' },
      files({}),
    );
    assert.equal(read.server.auth.issuer, 'https://app.example.com');
    assert.equal(read.server.auth.audience, 'parley');
    assert.equal(read.logLevel, 'warn');
    assert.equal(read.server.metricsToken, 'scrape-me');
    assert.deepEqual(readCliConfig([], { PARLEY_ADMIN_KEY: 'new-key, old-key' }, files({})).server.adminKeys, ['new-key', 'old-key']);
    assert.deepEqual(read.server.trustProxy, ['loopback', '10.0.0.0/8']);
    assert.equal(read.server.attachmentsDir, '/srv/files');
    assert.equal(readCliConfig([], { PARLEY_TRUST_PROXY: '2' }, files({})).server.trustProxy, 2);
    assert.equal(readCliConfig([], { PARLEY_TRUST_PROXY: 'false' }, files({})).server.trustProxy, false);
  });

  it('switches: --flag, --no-flag, 1/0 in the environment, booleans in the file', () => {
    assert.equal(readCliConfig(['--dev'], {}, files({})).server.auth.dev, true);
    assert.equal(readCliConfig(['--no-calls'], { PARLEY_CALLS: '1' }, files({})).server.calls?.enabled, false);
    assert.equal(readCliConfig([], { PARLEY_CALLS: '0' }, files({})).server.calls?.enabled, false);
    assert.equal(readCliConfig([], { PARLEY_JWT_REQUIRE_EXP: '0' }, files({})).server.auth.requireExp, false);
    assert.equal(readCliConfig([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': '{"dev":true,"rtcTcp":false}' })).server.calls?.enableTcp, false);
  });

  it('lists: comma-separated in the environment, arrays in the file, one item per repeated flag', () => {
    const read = readCliConfig(['--static', 'public', '--serve', '/docs=site,with,commas'], { PARLEY_ALLOWED_ORIGINS: 'https://a.example, https://b.example' }, files({}));
    assert.deepEqual(read.server.static, ['public', '/docs=site,with,commas']);
    assert.deepEqual(read.server.allowedOrigins, ['https://a.example', 'https://b.example']);
    const fromFile = readCliConfig([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': '{"allowedOrigins":["https://c.example"]}' }));
    assert.deepEqual(fromFile.server.allowedOrigins, ['https://c.example']);
  });

  it('settings objects from the file, with single options winning over them', () => {
    const file = { quotas: { maxPendingUploads: 5, invites: { max: 10, windowMs: 1000 } }, limits: { maxTextLength: 100, searchRate: { perSecond: 1, burst: 2 } }, timing: { attachmentUrlTtlMs: 60_000 } };
    const read = readCliConfig(['--invites-per-hour', '50'], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': JSON.stringify(file) }));
    assert.deepEqual(read.server.quotas, { maxPendingUploads: 5, invites: { max: 50, windowMs: 3_600_000 } });
    assert.deepEqual(read.server.limits, file.limits);
    assert.deepEqual(read.server.timing, { attachmentUrlTtlMs: 60_000 });
  });
});

describe('parley-server options: secrets', () => {
  it('have no flag: they come from the environment, a _FILE or the config file', () => {
    const secrets = ['auth.secret', 'encryptionKey', 'metricsToken', 'adminKeys', 'urlSecret', 'cli.newEncryptionKey', 'calls.iceServers'];
    for (const target of secrets) {
      const option = OPTIONS.find((o) => o.target === target);
      assert.ok(option, target);
      assert.equal(option.flag, null, `${target} has a flag`);
      assert.ok(option.env && option.fromFile, `${target} is readable from ${option.env}_FILE`);
    }
    assert.match(refusal(['--jwt-secret', 'x'.repeat(40)]), /Unknown option '--jwt-secret'/);
  });

  it('PARLEY_JWT_SECRET_FILE and friends: the file holds the value (its final newline dropped)', () => {
    const read = readCliConfig(
      [],
      { PARLEY_JWT_SECRET_FILE: '/run/secrets/jwt', DATABASE_URL_FILE: '/run/secrets/db', PARLEY_ENCRYPTION_KEY_FILE: '/run/secrets/key' },
      files({ '/run/secrets/jwt': `${SECRET}\n`, '/run/secrets/db': 'postgres://u:p@db/parley\r\n', '/run/secrets/key': 'ab'.repeat(32) }),
    );
    assert.equal(read.server.auth.secret, SECRET);
    assert.equal(read.server.databaseUrl, 'postgres://u:p@db/parley');
    assert.equal(read.server.encryptionKey, 'ab'.repeat(32));
    const fromConfig = readCliConfig([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': JSON.stringify({ jwtSecret: SECRET, metricsToken: 'm' }) }));
    assert.equal(fromConfig.server.auth.secret, SECRET);
    assert.equal(fromConfig.server.metricsToken, 'm');
  });

  it('refuses a variable set both ways, and an unreadable file, naming them', () => {
    assert.equal(
      refusal([], { PARLEY_JWT_SECRET: SECRET, PARLEY_JWT_SECRET_FILE: '/s' }, files({ '/s': SECRET })),
      'PARLEY_JWT_SECRET and PARLEY_JWT_SECRET_FILE are both set: keep one',
    );
    assert.equal(refusal([], { PARLEY_METRICS_TOKEN_FILE: '/missing' }), 'PARLEY_METRICS_TOKEN_FILE: cannot read /missing (ENOENT)');
  });

  it('never repeats a secret in a message', () => {
    const message = refusal([], { PARLEY_ICE_SERVERS: '[{"urls":"turn:t.example","credential":"hunter2","bogus":1}]' });
    assert.match(message, /^PARLEY_ICE_SERVERS must be a JSON array of/);
    assert.doesNotMatch(message, /hunter2/);
    const fromFile = refusal([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': '{"jwtSecret":12345}' }));
    assert.equal(fromFile, '/c.json: "jwtSecret" must be a non-empty string');
  });
});

describe('parley-server options: bad input', () => {
  it('refuses unknown flags and config keys, suggesting the near miss', () => {
    assert.match(refusal(['--prot', '1']), /Unknown option '--prot'/);
    assert.equal(
      refusal([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': '{"jwtIsuer":"x"}' })),
      'config file /c.json: unknown key "jwtIsuer" (did you mean "jwtIssuer"?) (the keys are listed in parley-server --help)',
    );
    assert.match(refusal([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': '{"rekey":true}' })), /unknown key "rekey"/);
  });

  it('refuses values of the wrong type, naming the source and the type expected', () => {
    assert.equal(refusal(['--port', '80000']), '--port must be a whole number from 0 to 65535, not "80000"');
    assert.equal(refusal([], { PORT: 'http' }), 'PORT must be a whole number from 0 to 65535, not "http"');
    assert.equal(refusal([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': '{"port":"8787"}' })), '/c.json: "port" must be a whole number from 0 to 65535, not "8787"');
    assert.equal(refusal([], { PARLEY_DEV: 'maybe' }), 'PARLEY_DEV must be true or false (1 or 0), not "maybe"');
    assert.equal(refusal(['--invitations', 'open']), '--invitations must be one of accept, direct, not "open"');
    assert.equal(refusal([], { PARLEY_MAX_TOKEN_AGE: '1.5' }), 'PARLEY_MAX_TOKEN_AGE must be a whole number of at least 1, not "1.5"');
    assert.match(refusal(['--trust-proxy', '']), /^--trust-proxy must be false, a number of proxies/);
    assert.match(refusal([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': '{"trustProxy":0}' })), /^\/c\.json: "trustProxy" must be false, a number of proxies/);
    assert.equal(refusal([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': '{"limits":{"maxTextLenght":5}}' })).split(' (known')[0], '/c.json: "limits": limits.maxTextLenght is not a setting');
    assert.equal(refusal([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': '{"limits":{"searchRate":{"perSecond":1}}}' })), '/c.json: "limits": limits.searchRate.burst is missing (give perSecond and burst together)');
    assert.equal(refusal([], { PARLEY_LIMITS: '{"maxTextLength":"long"}' }), 'PARLEY_LIMITS: limits.maxTextLength must be a number');
  });

  it('refuses config files that are not a JSON object of options', () => {
    assert.equal(refusal(['--config', '/nope.json']), 'config file /nope.json: cannot read it (ENOENT)');
    assert.match(refusal(['--config', '/c.json'], {}, files({ '/c.json': '{port: 1}' })), /^config file \/c\.json: not JSON/);
    assert.equal(refusal(['--config', '/c.json'], {}, files({ '/c.json': '[]' })), 'config file /c.json: must hold a JSON object of options');
  });
});

describe('parley-server options: coverage and docs', () => {
  it('every ServerOptions field a deployment needs is the target of an option', () => {
    const targets = OPTIONS.map((option) => option.target);
    const reached = (path: string): boolean => targets.some((target) => target === path || target.startsWith(`${path}.`));
    for (const [field, reach] of Object.entries(SERVER_OPTION_REACH)) {
      if (reach === 'code') continue;
      // The logger is made by the command at --log-level.
      assert.ok(field === 'logger' ? reached('cli.logLevel') : reached(field), `ServerOptions.${field} has no flag, variable or key`);
    }
    for (const [group, fields] of Object.entries(NESTED_OPTION_REACH)) {
      for (const field of fields) assert.ok(reached(`${group}.${field}`), `ServerOptions.${group}.${field} has no flag, variable or key`);
    }
  });

  it('names are unique and follow one scheme', () => {
    for (const name of ['key', 'flag', 'env'] as const) {
      const values = OPTIONS.map((option) => option[name]).filter((value) => value !== null);
      assert.equal(new Set(values).size, values.length, `duplicate ${name}`);
    }
    for (const option of OPTIONS) {
      if (option.flag) assert.match(option.flag, /^[a-z][a-z0-9-]*$/);
      if (option.key) assert.match(option.key, /^[a-z][A-Za-z]*$/);
      if (option.env) assert.match(option.env, /^[A-Z][A-Z_]*$/);
    }
  });

  it('a config file setting every key is accepted by the server', async () => {
    const everything: Record<string, unknown> = {
      port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir: '/tmp/x', attachmentsDir: '/tmp/y', encryptionKey: randomBytes(32).toString('hex'),
      databaseUrl: 'postgres://127.0.0.1/test', postgresSchema: 'chat', postgresPoolSize: 4, postgresConnectTimeoutMs: 1000,
      postgresStatementTimeoutMs: 1000, postgresQueryTimeoutMs: 3000, redisUrl: 'redis://127.0.0.1:6379', redisPrefix: 'p:',
      jwtSecret: SECRET, jwtPublicKey: '-----BEGIN PUBLIC KEY-----', jwtIssuer: 'i', jwtAudience: 'a', jwtRequireExp: true, maxTokenAge: 60,
      dev: false, devAllowRemote: false, invitations: 'direct', urlSecret: 'u'.repeat(32), allowedOrigins: ['https://a.example'],
      trustProxy: ['loopback'], static: ['public'], browserBundle: false, contentSecurityPolicy: 'off', metricsToken: 'm', adminKeys: ['k1', 'k2'], maxConnections: 10,
      maxQueuedBytes: 1_000_000, presencePushMaxMembers: 10, searchTimeoutMs: 500, retentionIntervalMs: 1000, calls: false,
      callWorkers: 1, rtcListenIp: '0.0.0.0', rtcAnnouncedAddress: 'chat.example.com', rtcMinPort: 40000, rtcMaxPort: 40100,
      rtcTcp: false, iceServers: [{ urls: 'turn:turn.example.com', username: 'u', credential: 'c' }], callInitialBitrate: 500_000,
      speakingThresholdDb: -50.5, speakerIntervalMs: 500, callOwnerTtlMs: 3000, callForwardTimeoutMs: 2000, roomCreatesPerHour: 5,
      invitesPerHour: 50, maxCallsPerUser: 1, uploadTtlMs: 60_000, maxPendingUploads: 2, maxPendingUploadBytes: 1_000_000,
      limits: { maxTextLength: 100 }, timing: { closeTimeoutMs: 1000 }, workspaces: { maxOpenDocuments: 10 }, abuse: { maxRejectedFrames: 5 },
      quotas: { uploadSweepMs: 1000 }, webhookUrls: ['https://hooks.example.com/parley'], webhookSecret: 'w'.repeat(32),
      webhookUnreadDelayMs: 60_000, webhooks: { pollMs: 500 },
    };
    const keys = OPTIONS.flatMap((option) => (option.key ? [option.key] : []));
    assert.deepEqual(Object.keys(everything).sort(), [...keys].sort(), 'this test sets every key');
    const read = readCliConfig([], { PARLEY_CONFIG: '/c.json' }, files({ '/c.json': JSON.stringify(everything) }));
    // Nothing here connects: the servers named in the file are not contacted until listen().
    const server = createServer({ ...read.server, databaseUrl: undefined, redisUrl: undefined, logger: false });
    await server.close();
    assert.equal(read.server.calls?.enabled, false);
    assert.equal(read.server.contentSecurityPolicy, false);
    assert.equal(read.server.browserBundle, false);
    assert.deepEqual(read.server.webhooks, { pollMs: 500, urls: ['https://hooks.example.com/parley'], secret: 'w'.repeat(32), unreadDelayMs: 60_000 });
  });

  it('the config file of docs/deploy.md is read as written and accepted by the server', async () => {
    const read = readCliConfig(['--config', DEPLOY_CONFIG], { PARLEY_JWT_SECRET: SECRET });
    assert.equal(read.host, '127.0.0.1');
    assert.equal(read.port, 8787);
    assert.deepEqual(read.server.trustProxy, ['loopback']);
    assert.equal(read.server.auth.audience, 'parley');
    const server = createServer({ ...read.server, logger: false });
    await server.close();
  });

  it("the package README's options table is the table's own, and names every flag and variable", async () => {
    const readme = await readFile(README, 'utf8');
    const generated = optionsMarkdown();
    assert.ok(
      readme.includes(generated),
      'packages/server-adapter/README.md differs from the option table: run `npm run docs:options` to write it',
    );
    const help = usageText();
    for (const option of OPTIONS) {
      for (const name of [option.flag && `--${option.flag}`, option.alias && `--${option.alias}`, option.env, option.key && `"${option.key}"`]) {
        if (!name) continue;
        const shown = name.replace(/"/g, '`');
        assert.ok(readme.includes(shown) || readme.includes(shown.replace(/^--/, '--[no-]')), `README lacks ${name}`);
        assert.ok(help.includes(name.replace(/^--/, '')), `--help lacks ${name}`);
      }
    }
  });
});

describe('parley-server command', () => {
  it('runs from a config file and a secret file, with the options they give', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-cli-options-'));
    try {
      const secretFile = join(dir, 'jwt-secret');
      await writeFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
      const configFile = join(dir, 'parley.config.json');
      await writeFile(configFile, JSON.stringify({ metricsToken: 'scrape-token', jwtIssuer: 'https://app.example.com', logLevel: 'warn', calls: false }));
      const cli = await startCli({ dataDir: join(dir, 'data'), args: ['--config', configFile], env: { PARLEY_JWT_SECRET_FILE: secretFile, PARLEY_JWT_SECRET: '' } });
      try {
        const metrics = await fetch(`${cli.base}/metrics`, { headers: { Authorization: 'Bearer scrape-token' } });
        assert.equal(metrics.status, 200);
        // The secret from the file verifies tokens; the issuer from the config file is required.
        const socket = await TestClient.open(cli.wsUrl);
        const welcome = await socket.auth(await signToken('ada', { issuer: 'https://app.example.com' }));
        assert.equal(welcome.user.id, 'ada');
        await socket.close();
        const stranger = await TestClient.open(cli.wsUrl);
        await assert.rejects(stranger.auth(await signToken('ada', { issuer: 'https://elsewhere.example' })));
        await stranger.close();
      } finally {
        cli.child.kill('SIGTERM');
        await exited(cli.child);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops at once with the reason when an option is bad, or no token can be verified', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-cli-options-'));
    try {
      for (const [env, message] of [
        [{ PARLEY_JWT_SECRET: SECRET, PARLEY_LOG_LEVEL: 'loud' }, 'PARLEY_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"'],
        [{ PARLEY_JWT_SECRET: '', PARLEY_DEV: '' }, 'no way to verify tokens'],
      ] as const) {
        await assert.rejects(startCli({ dataDir: join(dir, 'data'), env }), (error: Error) => error.message.includes(message));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
