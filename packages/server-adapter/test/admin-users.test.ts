/**
 * The admin REST API's users routes against a real server: admin keys (off,
 * 401, rotation), no CORS, upserting profiles with their limits, minting
 * tokens that real clients connect with, and revoking sessions.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CUSTOM_DATA_LIMITS, CloseCode, ErrorCode } from '@parley/sdk/protocol';
import { KEY, OLD_KEY, call, errorCode } from './admin-helpers.js';
import { TestClient, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

describe('admin API: users', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ adminKeys: [KEY, OLD_KEY] });
  });
  after(() => ts.close());

  it('is off (404) when no admin key is configured', async () => {
    const off = await startServer();
    try {
      const answer = await call(off, 'PUT', 'users/ada', { name: 'Ada' });
      assert.equal(answer.status, 404);
      assert.equal(errorCode(answer), ErrorCode.NotFound);
    } finally {
      await off.close();
    }
  });

  it('refuses requests without a configured key with 401 and WWW-Authenticate: Bearer', async () => {
    for (const key of [null, 'wrong-key', `${KEY}x`, KEY.slice(0, -1)]) {
      const answer = await call(ts, 'PUT', 'users/ada', { name: 'Ada' }, key);
      assert.equal(answer.status, 401, `key ${String(key)}`);
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
      assert.equal(errorCode(answer), ErrorCode.AuthFailed);
    }
    const basic = await call(ts, 'PUT', 'users/ada', { name: 'Ada' }, null, { Authorization: `Basic ${Buffer.from(`x:${KEY}`).toString('base64')}` });
    assert.equal(basic.status, 401);
  });

  it('accepts every configured key (rotation)', async () => {
    assert.equal((await call(ts, 'PUT', 'users/ada', { name: 'Ada' }, KEY)).status, 200);
    assert.equal((await call(ts, 'PUT', 'users/ada', { name: 'Ada' }, OLD_KEY)).status, 200);
  });

  it('never sends CORS headers and refuses preflights', async () => {
    const origin = { Origin: 'https://app.example.com' };
    const preflight = await fetch(`${ts.url}/v1/admin/users/ada`, {
      method: 'OPTIONS',
      headers: { ...origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization' },
    });
    await preflight.body?.cancel();
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    assert.equal(preflight.headers.get('access-control-allow-methods'), null);
    const put = await call(ts, 'PUT', 'users/ada', { name: 'Ada' }, KEY, origin);
    assert.equal(put.status, 200);
    assert.equal(put.headers.get('access-control-allow-origin'), null);
  });

  it('upserts a profile with name, avatar and custom data; PUT replaces what is absent', async () => {
    const data = { plan: 'pro', seats: 3, flags: { beta: true } };
    const put = await call(ts, 'PUT', 'users/grace', { name: 'Grace Hopper', avatarUrl: 'https://cdn.example.com/g.png', data });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { user: { id: 'grace', name: 'Grace Hopper', avatarUrl: 'https://cdn.example.com/g.png', data } });
    const bare = await call(ts, 'PUT', 'users/grace', {});
    assert.deepEqual(bare.body, { user: { id: 'grace', name: 'grace', avatarUrl: null, data: null } });
    const spaced = await call(ts, 'PUT', `users/${encodeURIComponent('ops team/α')}`, { name: 'Ops' });
    assert.equal((spaced.body as { user: { id: string } }).user.id, 'ops team/α');
  });

  it('refuses bad input with typed errors', async () => {
    const cases: Array<[string, unknown, number, string]> = [
      ['users/ada', { avatarUrl: 'javascript:alert(1)' }, 400, ErrorCode.BadRequest],
      ['users/ada', { avatarUrl: '/relative.png' }, 400, ErrorCode.BadRequest],
      ['users/ada', { avatarUrl: `https://example.com/${'a'.repeat(CUSTOM_DATA_LIMITS.maxAvatarUrlLength)}` }, 400, ErrorCode.BadRequest],
      ['users/ada', { avatarUrl: 42 }, 400, ErrorCode.BadRequest],
      ['users/ada', { name: 7 }, 400, ErrorCode.BadRequest],
      ['users/ada', { name: '' }, 400, ErrorCode.BadRequest],
      ['users/ada', { name: 'n'.repeat(201) }, 400, ErrorCode.BadRequest],
      ['users/ada', { data: { blob: 'x'.repeat(CUSTOM_DATA_LIMITS.maxDataBytes) } }, 413, ErrorCode.PayloadTooLarge],
      ['users/ada', { data: nested(CUSTOM_DATA_LIMITS.maxDataDepth + 1) }, 413, ErrorCode.PayloadTooLarge],
      [`users/${'u'.repeat(129)}`, { name: 'Long' }, 400, ErrorCode.BadRequest],
      ['users/ada', '{"name": ', 400, ErrorCode.BadRequest],
      ['users/ada', '[1, 2]', 400, ErrorCode.BadRequest],
      ['users/ada', JSON.stringify({ name: 'x'.repeat(70 * 1024) }), 413, ErrorCode.PayloadTooLarge],
    ];
    for (const [path, body, status, code] of cases) {
      const answer = await call(ts, 'PUT', path, body);
      assert.equal(answer.status, status, `${path} ${JSON.stringify(body).slice(0, 80)}`);
      assert.equal(errorCode(answer), code);
    }
    // At the limits it is accepted, and nothing refused above was stored.
    const deepest = nested(CUSTOM_DATA_LIMITS.maxDataDepth);
    const ok = await call(ts, 'PUT', 'users/ada', { name: 'Ada', data: deepest });
    assert.equal(ok.status, 200);
    assert.deepEqual((ok.body as { user: { data: unknown } }).user.data, deepest);
  });

  it('answers 404 for unknown routes and 405 with Allow for other methods', async () => {
    const unknown = await call(ts, 'GET', 'nothing-here');
    assert.equal(unknown.status, 404);
    assert.equal(errorCode(unknown), ErrorCode.NotFound);
    const wrong = await call(ts, 'GET', 'users/ada/tokens');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
  });

  it('mints a client token a real client connects with, carrying the stored name', async () => {
    await call(ts, 'PUT', 'users/lin', { name: 'Lin Chen' });
    const minted = await call(ts, 'POST', 'users/lin/tokens', { ttlSeconds: 600 });
    assert.equal(minted.status, 201);
    const { token, expiresAt } = minted.body as { token: string; expiresAt: number };
    assert.ok(expiresAt > Date.now() + 500_000 && expiresAt <= Date.now() + 600_000, `expiresAt ${expiresAt}`);
    const client = await TestClient.open(ts.wsUrl);
    const welcome = await client.auth(token);
    assert.deepEqual(welcome.user, { id: 'lin', name: 'Lin Chen' });
    await client.close();

    const defaulted = await call(ts, 'POST', 'users/lin/tokens');
    assert.equal(defaulted.status, 201);
    for (const ttlSeconds of [0, -5, 1.5, 31 * 24 * 3600, '60']) {
      const refused = await call(ts, 'POST', 'users/lin/tokens', { ttlSeconds });
      assert.equal(refused.status, 400, `ttlSeconds ${String(ttlSeconds)}`);
      assert.equal(errorCode(refused), ErrorCode.BadRequest);
    }
  });

  it('says why it cannot mint when only a public key is configured (501 unsupported)', async () => {
    const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keyed = await startServer({ auth: { publicKey: pem }, adminKeys: [KEY] });
    try {
      const answer = await call(keyed, 'POST', 'users/ada/tokens', { ttlSeconds: 60 });
      assert.equal(answer.status, 501);
      assert.equal(errorCode(answer), ErrorCode.Unsupported);
      assert.match((answer.body as { error: { message: string } }).error.message, /public key/);
    } finally {
      await keyed.close();
    }
  });

  it("revokes a user's sessions: the open socket closes with session_revoked, the old token is refused", async () => {
    const { token } = (await call(ts, 'POST', 'users/max/tokens', { ttlSeconds: 600 })).body as { token: string };
    const max = await TestClient.connect(ts.wsUrl, token);
    const other = await ts.connect('nina');
    const revoked = await call(ts, 'POST', 'users/max/revoke');
    assert.equal(revoked.status, 204);
    const closed = await max.waitForClose();
    assert.equal(closed.code, CloseCode.AuthFailed);
    assert.equal(closed.reason.code, ErrorCode.SessionRevoked);
    const again = await TestClient.open(ts.wsUrl);
    await assert.rejects(again.auth(token), (error: { code?: string }) => error.code === ErrorCode.SessionRevoked);
    again.terminate();
    assert.deepEqual((await other.request('rooms.list', {})).rooms, [], "another user's session goes on");
  });

  it('offers the same operations as server.admin, failing with typed errors', async () => {
    const profile = await ts.server.admin.upsertUser('omar', { name: 'Omar', data: { n: 1 } });
    assert.deepEqual(profile, { id: 'omar', name: 'Omar', avatarUrl: null, data: { n: 1 } });
    await assert.rejects(ts.server.admin.upsertUser('omar', { avatarUrl: 'ftp://x' }), (error: { code?: string }) => error.code === ErrorCode.BadRequest);
    const { token } = await ts.server.admin.mintToken('omar', { ttlSeconds: 60 });
    const client = await TestClient.connect(ts.wsUrl, token);
    await client.close();
  });
});

/** `{ a: { a: … } }` nested `depth` levels deep. */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}
