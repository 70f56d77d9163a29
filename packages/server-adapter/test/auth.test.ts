import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { CloseCode, DEFAULT_LIMITS, ErrorCode } from '@parley/sdk/protocol';
import type { ErrorFrame } from '@parley/sdk/protocol';
import { ConfigError, createServer } from '../src/index.js';
import { FrameError, SECRET, TestClient, signToken, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

describe('auth', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ timing: { authTimeoutMs: 300 } });
  });
  after(() => ts.close());

  it('welcomes a valid token with the user, session, heartbeat and limits', async () => {
    const client = await TestClient.open(ts.wsUrl);
    const welcome = await client.auth(await signToken('ada', { name: 'Ada Lovelace' }));
    assert.deepEqual(welcome.user, { id: 'ada', name: 'Ada Lovelace' });
    assert.equal(welcome.v, 1);
    assert.ok(welcome.session.length > 0);
    assert.equal(welcome.limits.maxTextLength, DEFAULT_LIMITS.maxTextLength);
    assert.ok(welcome.heartbeatMs > 0);
    const { t } = await client.request('ping', {});
    assert.equal(typeof t, 'number');
    await client.close();
  });

  it('uses the user id as name when the token has no name claim', async () => {
    const client = await TestClient.open(ts.wsUrl);
    const welcome = await client.auth(await signToken('bob'));
    assert.deepEqual(welcome.user, { id: 'bob', name: 'bob' });
    await client.close();
  });

  it('answers frames before auth with unauthenticated and keeps the socket open', async () => {
    const client = await TestClient.open(ts.wsUrl);
    assert.equal(await client.fail('rooms.list', {}), ErrorCode.Unauthenticated);
    await client.auth(await signToken('ada'));
    const { rooms } = await client.request('rooms.list', {});
    assert.ok(Array.isArray(rooms));
    await client.close();
  });

  it('ignores a token in the URL query', async () => {
    const client = await TestClient.open(`${ts.wsUrl}?token=${await signToken('ada')}`);
    assert.equal(await client.fail('ping', {}), ErrorCode.Unauthenticated);
    await client.close();
  });

  it('refuses another protocol version with unsupported_version and 4005', async () => {
    const client = await TestClient.open(ts.wsUrl);
    await assert.rejects(client.auth(await signToken('ada'), 2), (e: FrameError) => e.code === ErrorCode.UnsupportedVersion);
    assert.equal((await client.waitForClose()).code, CloseCode.UnsupportedVersion);
  });

  it('refuses a token signed with another secret with auth_failed and 4001', async () => {
    const client = await TestClient.open(ts.wsUrl);
    await assert.rejects(
      client.auth(await signToken('ada', { secret: 'some-other-secret-of-sufficient-length' })),
      (e: FrameError) => e.code === ErrorCode.AuthFailed,
    );
    const closed = await client.waitForClose();
    assert.equal(closed.code, CloseCode.AuthFailed);
    assert.equal(closed.reason.code, ErrorCode.AuthFailed);
  });

  it('refuses garbage and tokens without sub', async () => {
    const garbage = await TestClient.open(ts.wsUrl);
    await assert.rejects(garbage.auth('not.a.jwt'), (e: FrameError) => e.code === ErrorCode.AuthFailed);
    assert.equal((await garbage.waitForClose()).code, CloseCode.AuthFailed);

    const noSub = await new SignJWT({ name: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    const client = await TestClient.open(ts.wsUrl);
    await assert.rejects(client.auth(noSub), (e: FrameError) => e.code === ErrorCode.AuthFailed);
    assert.equal((await client.waitForClose()).code, CloseCode.AuthFailed);
  });

  it('refuses an expired token with token_expired and 4004', async () => {
    const client = await TestClient.open(ts.wsUrl);
    const expired = await signToken('ada', { exp: Math.floor(Date.now() / 1000) - 60 });
    await assert.rejects(client.auth(expired), (e: FrameError) => e.code === ErrorCode.TokenExpired);
    const closed = await client.waitForClose();
    assert.equal(closed.code, CloseCode.TokenExpired);
    assert.equal(closed.reason.code, ErrorCode.TokenExpired);
  });

  it('closes a connection with 4004 when its token expires', async () => {
    const client = await TestClient.open(ts.wsUrl);
    await client.auth(await signToken('ada', { exp: Math.floor(Date.now() / 1000) + 2 }));
    await client.request('ping', {});
    const closed = await client.waitForClose(6_000);
    assert.equal(closed.code, CloseCode.TokenExpired);
  });

  it('closes a socket that does not authenticate in time with 4002', async () => {
    const client = await TestClient.open(ts.wsUrl);
    assert.equal((await client.waitForClose()).code, CloseCode.AuthTimeout);
  });

  it('answers a second auth frame with bad_request', async () => {
    const client = await TestClient.connect(ts.wsUrl, await signToken('ada'));
    await assert.rejects(client.auth(await signToken('ada')), (e: FrameError) => e.code === ErrorCode.BadRequest);
    await client.request('ping', {});
    await client.close();
  });

  it('allows same-host origins and clients without Origin by default, and closes others with 4003', async () => {
    const same = await TestClient.open(ts.wsUrl, { origin: `http://127.0.0.1:${ts.port}` });
    await same.auth(await signToken('ada'));
    await same.close();

    const evil = await TestClient.open(ts.wsUrl, { origin: 'https://evil.example' });
    assert.equal((await evil.waitForClose()).code, CloseCode.OriginForbidden);
  });
});

describe('auth options', () => {
  it('honours an origin allow-list and the * wildcard', async () => {
    const listed = await startServer({ allowedOrigins: ['https://app.example'] });
    const wild = await startServer({ allowedOrigins: ['*'] });
    try {
      const ok = await TestClient.open(listed.wsUrl, { origin: 'https://app.example' });
      await ok.auth(await signToken('ada'));
      await ok.close();
      const sameHost = await TestClient.open(listed.wsUrl, { origin: `http://127.0.0.1:${listed.port}` });
      assert.equal((await sameHost.waitForClose()).code, CloseCode.OriginForbidden);

      const any = await TestClient.open(wild.wsUrl, { origin: 'https://anything.example' });
      await any.auth(await signToken('ada'));
      await any.close();
    } finally {
      await listed.close();
      await wild.close();
    }
  });

  it('verifies ES256 and EdDSA tokens with a public key and refuses an HS256 token keyed with that public key', async () => {
    for (const type of ['ec', 'ed25519'] as const) {
      const { publicKey, privateKey } =
        type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const ts = await startServer({ auth: { publicKey: pem } });
      try {
        const alg = type === 'ec' ? 'ES256' : 'EdDSA';
        const token = await new SignJWT({ name: 'Key User' })
          .setProtectedHeader({ alg })
          .setSubject('keyed')
          .setExpirationTime('1h')
          .sign(privateKey);
        const client = await TestClient.connect(ts.wsUrl, token);
        assert.equal(client.welcome?.user.name, 'Key User');
        await client.close();

        const confused = await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('mallory')
          .sign(new TextEncoder().encode(pem));
        const bad = await TestClient.open(ts.wsUrl);
        await assert.rejects(bad.auth(confused), (e: FrameError) => e.code === ErrorCode.AuthFailed);
        assert.equal((await bad.waitForClose()).code, CloseCode.AuthFailed);
      } finally {
        await ts.close();
      }
    }
  });

  it('checks issuer and audience when configured', async () => {
    const ts = await startServer({ auth: { secret: SECRET, issuer: 'https://issuer.example', audience: 'parley' } });
    try {
      const good = await signToken('ada', { issuer: 'https://issuer.example', audience: 'parley' });
      const client = await TestClient.connect(ts.wsUrl, good);
      await client.close();
      const wrong = await TestClient.open(ts.wsUrl);
      const err = await wrong.auth(await signToken('ada', { issuer: 'https://other.example', audience: 'parley' })).catch((e: unknown) => e);
      assert.ok(err instanceof FrameError);
      assert.equal((err.frame as ErrorFrame).code, ErrorCode.AuthFailed);
    } finally {
      await ts.close();
    }
  });

  it('mints dev tokens only in dev mode, and they authenticate', async () => {
    const dev = await startServer({ auth: { dev: true } });
    const prod = await startServer();
    try {
      const res = await fetch(`${dev.url}/v1/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'ada', name: 'Ada' }),
      });
      assert.equal(res.status, 200);
      const { token } = (await res.json()) as { token: string };
      const client = await TestClient.connect(dev.wsUrl, token);
      assert.deepEqual(client.welcome?.user, { id: 'ada', name: 'Ada' });
      await client.close();

      const bad = await fetch(`${dev.url}/v1/dev/token`, { method: 'POST', body: '{"user":""}' });
      assert.equal(bad.status, 400);

      const off = await fetch(`${prod.url}/v1/dev/token`, { method: 'POST', body: JSON.stringify({ user: 'ada' }) });
      assert.equal(off.status, 404);
    } finally {
      await dev.close();
      await prod.close();
    }
  });

  it('refuses to start without any way to verify tokens', () => {
    assert.throws(() => createServer({ auth: {}, logger: false }), ConfigError);
  });
});
