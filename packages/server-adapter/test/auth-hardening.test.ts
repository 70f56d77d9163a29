/**
 * Production auth is strict: tokens must expire, may be limited in age,
 * weak secrets are refused, a user's sessions can be revoked, dev mode never
 * signs with the production key and serves this machine only, DNS rebinding
 * finds no way in, and `/metrics` is not public.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import WebSocket from 'ws';
import { CloseCode, ErrorCode, WORKSPACE_PATH, WORKSPACE_SUBPROTOCOL, WORKSPACE_TOKEN_PREFIX } from '@parley/sdk/protocol';
import { ConfigError, createServer } from '../src/index.js';
import { isLoopbackAddress, isLoopbackHost } from '../src/auth/loopback.js';
import { FrameError, METRICS_TOKEN, SECRET, TestClient, createRoom, signToken, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';
import { exited, startCli } from './cli-process.js';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Authenticates a fresh socket with `token`; resolves with the refusal's error code and close code. */
async function refusal(ts: TestServer, token: string): Promise<{ code: string; close: number; reason: string | undefined }> {
  const client = await TestClient.open(ts.wsUrl);
  let code = '';
  await assert.rejects(client.auth(token), (e: FrameError) => {
    code = e.code;
    return true;
  });
  const closed = await client.waitForClose();
  return { code, close: closed.code, reason: closed.reason.code };
}

/** Mints a dev token through `POST /v1/dev/token`. */
async function devToken(base: string, user: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/v1/dev/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ user }),
  });
}

describe('token rules', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ auth: { secret: SECRET, maxTokenAgeSeconds: 600 } });
  });
  after(() => ts.close());

  it('refuses a token without exp', async () => {
    const result = await refusal(ts, await signToken('ada', { exp: null }));
    assert.deepEqual(result, { code: ErrorCode.AuthFailed, close: CloseCode.AuthFailed, reason: ErrorCode.AuthFailed });
  });

  it('refuses a token older than the maximum age as expired, whatever its exp, and one without iat', async () => {
    const old = await signToken('ada', { iat: nowSeconds() - 3_600, exp: nowSeconds() + 86_400 });
    assert.equal((await refusal(ts, old)).close, CloseCode.TokenExpired);
    const noIat = await signToken('ada', { iat: null });
    assert.equal((await refusal(ts, noIat)).code, ErrorCode.AuthFailed);
    const fresh = await ts.connect('ada');
    assert.equal(fresh.welcome?.user.id, 'ada');
  });

  it('accepts a token without exp only when told to', async () => {
    const lax = await startServer({ auth: { secret: SECRET, requireExp: false } });
    try {
      const client = await TestClient.open(lax.wsUrl);
      const welcome = await client.auth(await signToken('ada', { exp: null }));
      assert.equal(welcome.user.id, 'ada');
      await client.close();
    } finally {
      await lax.close();
    }
  });

  it('refuses an HS256 secret shorter than 32 bytes', () => {
    assert.throws(() => createServer({ auth: { secret: 'x' }, logger: false }), ConfigError);
    assert.throws(() => createServer({ auth: { secret: 'a'.repeat(31) }, logger: false }), /at least 32/);
  });
});

describe('the CLI', () => {
  it('requires the issuer and audience it is given, and refuses a weak secret', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-cli-auth-'));
    const cli = await startCli({
      dataDir,
      env: { PARLEY_JWT_SECRET: SECRET, PARLEY_JWT_ISSUER: 'https://host.example', PARLEY_JWT_AUDIENCE: 'parley', PARLEY_DEV: '' },
    });
    try {
      const wsUrl = cli.wsUrl;
      const refusedWith = async (token: string): Promise<string> => {
        const client = await TestClient.open(wsUrl);
        let code = '';
        await assert.rejects(client.auth(token), (e: FrameError) => ((code = e.code), true));
        return code;
      };
      assert.equal(await refusedWith(await signToken('ada')), ErrorCode.AuthFailed, 'no iss/aud: another service’s token');
      assert.equal(await refusedWith(await signToken('ada', { issuer: 'https://other.example', audience: 'parley' })), ErrorCode.AuthFailed);
      const good = await TestClient.connect(wsUrl, await signToken('ada', { issuer: 'https://host.example', audience: 'parley' }));
      assert.equal(good.welcome?.user.id, 'ada');
      good.terminate();
    } finally {
      cli.child.kill('SIGTERM');
      await exited(cli.child);
    }
    await assert.rejects(startCli({ dataDir, env: { PARLEY_JWT_SECRET: 'short', PARLEY_DEV: '' } }), /at least 32/);
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe('session revocation', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(() => ts.close());

  it("closes the user's open chat and workspace sockets and refuses their older tokens; newer tokens work", async () => {
    const owner = await ts.connect('owner');
    const room = await createRoom(owner, ['ada'], 'workspace');
    const oldToken = await signToken('ada');
    const chat = await TestClient.connect(ts.wsUrl, oldToken);
    const other = await ts.connect('bob');
    const workspace = new WebSocket(`ws://127.0.0.1:${ts.port}${WORKSPACE_PATH}/${room}`, [
      WORKSPACE_SUBPROTOCOL,
      `${WORKSPACE_TOKEN_PREFIX}${oldToken}`,
    ]);
    const workspaceClosed = new Promise<{ code: number; reason: string }>((resolve) =>
      workspace.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
    );
    // The document greets an admitted socket with its state vector first.
    await new Promise<void>((resolve, reject) => {
      workspace.once('message', () => resolve());
      workspace.once('error', reject);
    });

    await ts.server.revokeSessions('ada');

    const closed = await chat.waitForClose();
    assert.equal(closed.code, CloseCode.AuthFailed);
    assert.equal(closed.reason.code, ErrorCode.SessionRevoked);
    const wsClosed = await workspaceClosed;
    assert.equal(wsClosed.code, CloseCode.AuthFailed);
    assert.match(wsClosed.reason, /session_revoked/);
    assert.equal(other.ws.readyState, WebSocket.OPEN, "another user's socket stays open");

    assert.deepEqual(await refusal(ts, oldToken), {
      code: ErrorCode.SessionRevoked,
      close: CloseCode.AuthFailed,
      reason: ErrorCode.SessionRevoked,
    });
    // `iat` has whole seconds: a token from a later second than the revocation works.
    const newer = await signToken('ada', { iat: nowSeconds() + 2 });
    const back = await TestClient.connect(ts.wsUrl, newer);
    assert.equal(back.welcome?.user.id, 'ada');
    await back.close();
  });
});

describe('dev mode', () => {
  it('signs dev tokens with a dev-only secret that a production server sharing the configured secret refuses', async () => {
    const dev = await startServer({ auth: { dev: true, secret: SECRET } });
    const production = await startServer({ auth: { secret: SECRET } });
    try {
      const response = await devToken(dev.url, 'mallory');
      assert.equal(response.status, 200);
      const { token } = (await response.json()) as { token: string };
      const claims = decodeJwt(token);
      assert.equal(claims.iss, 'parley-dev');
      assert.ok(claims.exp !== undefined && claims.exp - nowSeconds() <= 3_600, 'dev tokens last an hour at most');

      const onDev = await TestClient.open(dev.wsUrl);
      assert.equal((await onDev.auth(token)).user.id, 'mallory', 'the dev server accepts its own token');
      await onDev.close();
      assert.equal((await refusal(production, token)).code, ErrorCode.AuthFailed, 'the production server refuses it');
      const otherNode = await startServer({ auth: { dev: true, secret: SECRET } });
      try {
        const there = await TestClient.open(otherNode.wsUrl);
        assert.equal((await there.auth(token)).user.id, 'mallory', 'another dev node with the same secret accepts it (clusters)');
        await there.close();
      } finally {
        await otherNode.close();
      }
      // The dev server still accepts the host's own tokens signed with the configured secret.
      const host = await dev.connect('ada');
      assert.equal(host.welcome?.user.id, 'ada');
    } finally {
      await dev.close();
      await production.close();
    }
  });

  it('refuses to listen beyond loopback unless told so', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-dev-bind-'));
    try {
      const server = createServer({ dataDir, logger: false, auth: { dev: true } });
      await assert.rejects(server.listen(0, '0.0.0.0'), (error: Error) => error instanceof ConfigError && /loopback/.test(error.message));
      await server.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('tells loopback peers and hosts from others', () => {
    for (const address of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(address), true, address);
    for (const address of ['10.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', 'fe80::1', undefined]) assert.equal(isLoopbackAddress(address), false, address);
    for (const host of ['localhost', 'app.localhost', '127.0.0.1', '[::1]']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', 'evil.example', 'localhost.evil.example']) assert.equal(isLoopbackHost(host), false, host);
  });

  it('keeps pages of a rebound domain out: same Origin and Host are not enough unless the host is loopback', async () => {
    const dev = await startServer({ auth: { dev: true, secret: SECRET } });
    try {
      const rebound = `evil.example:${dev.port}`;
      const refused = await TestClient.open(dev.wsUrl, { origin: `http://${rebound}`, headers: { Host: rebound } });
      assert.equal((await refused.waitForClose()).code, CloseCode.OriginForbidden);

      const local = `localhost:${dev.port}`;
      const admitted = await TestClient.open(dev.wsUrl, { origin: `http://${local}`, headers: { Host: local } });
      const response = await devToken(dev.url, 'ada', { Origin: `http://${local}`, Host: local });
      const { token } = (await response.json()) as { token: string };
      assert.equal((await admitted.auth(token)).user.id, 'ada');
      await admitted.close();

      // The token route gives a rebound page no CORS permission to read its answer.
      const preflight = await fetch(`${dev.url}/v1/dev/token`, {
        method: 'OPTIONS',
        headers: { Origin: `http://${rebound}`, Host: rebound, 'Access-Control-Request-Method': 'POST' },
      });
      assert.equal(preflight.status, 403);
      const minted = await devToken(dev.url, 'ada', { Origin: `http://${rebound}`, Host: rebound });
      assert.equal(minted.headers.get('access-control-allow-origin'), null);
    } finally {
      await dev.close();
    }
  });
});

describe('metrics access and static page headers', () => {
  it('serves /metrics only with its bearer token, and nothing without one configured', async () => {
    const ts = await startServer();
    const off = await startServer({ metricsToken: undefined });
    try {
      assert.equal((await fetch(`${ts.url}/metrics`)).status, 401);
      assert.equal((await fetch(`${ts.url}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
      const ok = await fetch(`${ts.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /^parley_connections /m);
      assert.equal((await fetch(`${off.url}/metrics`)).status, 404);
    } finally {
      await ts.close();
      await off.close();
    }
  });

  it('keeps the close-code label bounded whatever code a client closes with', async () => {
    const ts = await startServer();
    try {
      for (const code of [4100, 4101, 4102]) {
        const client = await ts.connect(`u${code}`);
        client.ws.close(code);
        await client.waitForClose();
      }
      let text = '';
      for (let i = 0; i < 200 && !/parley_closes_total\{code="other"\} 3/.test(text); i++) {
        text = await (await fetch(`${ts.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).text();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.match(text, /^parley_closes_total\{code="other"\} 3$/m);
      assert.doesNotMatch(text, /code="410[0-2]"/);
    } finally {
      await ts.close();
    }
  });

  it('sends a content security policy and frame protection with static pages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-static-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(dir, 'app.js'), 'export {};');
    const ts = await startServer({ static: [dir] });
    try {
      const page = await fetch(`${ts.url}/`);
      assert.equal(page.status, 200);
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'self'/);
      assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN');
      assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
      const script = await fetch(`${ts.url}/app.js`);
      assert.equal(script.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(script.headers.get('content-security-policy'), null);
    } finally {
      await ts.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
