/**
 * Why a client is not online, as `state.lastError` reports it: each cause a
 * host can fix has its own code (server unreachable, device offline, token
 * function failing, expired tokens that keep coming, refused origin, busy or
 * rate-limiting server), against a real server where one can produce it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { Engine } from '../src/engine/engine.js';
import { errorFromClose } from '../src/errors.js';
import { CloseCode } from '../src/protocol/codes.js';
import { defaultTimers } from '../src/transport/platform.js';
import type { WebSocketConstructor } from '../src/transport/platform.js';
import { UNREACHABLE_AFTER } from '../src/transport/transport.js';
import type { ParleyClient } from '../src/index.js';
import { nodeClient, SECRET, startServer, until } from './helpers.js';
import type { TestServer } from './helpers.js';

async function sign(user: string, expiresInSeconds: number): Promise<string> {
  return new SignJWT({ name: user })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setIssuedAt(Math.floor(Date.now() / 1000) + Math.min(0, expiresInSeconds) - 60)
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode(SECRET));
}

/** Every distinct `lastError` code the client went through, in order. */
function codesSeen(client: ParleyClient): string[] {
  const seen: string[] = [];
  client.store.subscribe(
    (s) => s.lastError,
    (error) => {
      if (error && seen.at(-1) !== error.code) seen.push(error.code);
    },
  );
  return seen;
}

describe('connection errors', () => {
  let server: TestServer;
  const clients: ParleyClient[] = [];

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    for (const client of clients) await client.dispose();
    await server?.dispose();
  });

  function client(token: Parameters<typeof nodeClient>[1], options: Parameters<typeof nodeClient>[2] = {}): ParleyClient {
    const made = nodeClient(server.url, token, { userId: 'erin', ...options });
    clients.push(made);
    return made;
  }

  it(`says unreachable after ${UNREACHABLE_AFTER} attempts in a row fail to open, keeps retrying, and connects once the server is back`, async () => {
    const erin = client(await server.token('erin'));
    const seen = codesSeen(erin);
    await server.stop();
    try {
      await erin.connect();
      await until(() => erin.state.lastError?.code === 'unreachable', 'unreachable');
      assert.equal(erin.state.connection, 'offline', 'still retrying');
      assert.match(erin.state.lastError?.message ?? '', /cannot reach ws:\/\/127\.0\.0\.1:\d+\/v1\/ws/);
      assert.equal(erin.state.lastError?.retryable, true);
      assert.deepEqual(seen, ['disconnected', 'unreachable'], 'the first failures are only a dropped connection');
    } finally {
      await server.start();
    }
    await erin.whenOnline();
    assert.equal(erin.state.lastError, null);
  });

  it('says token_unavailable when the token function throws, and connects once it returns a token', async () => {
    let fail = true;
    const good = await server.token('erin');
    const erin = client(async () => {
      if (fail) throw new Error('the backend is down');
      return good;
    });
    await erin.connect();
    await until(() => erin.state.lastError?.code === 'token_unavailable', 'token_unavailable');
    assert.equal(erin.state.connection, 'offline');
    assert.match(erin.state.lastError?.message ?? '', /the token function failed: the backend is down/);
    fail = false;
    await erin.whenOnline();
  });

  it('fails with token_unavailable when the token function throws and no userId lets the client start without it', async () => {
    const nobody = nodeClient(server.url, () => Promise.reject(new Error('no session cookie')));
    clients.push(nobody);
    await assert.rejects(nobody.connect(), (e: unknown) => (e as { code?: string }).code === 'token_unavailable');
    assert.equal(nobody.state.connection, 'failed');
    assert.equal(nobody.state.lastError?.code, 'token_unavailable');
    await assert.rejects(nobody.whenOnline(), /no session cookie/);
  });

  it('says token_unavailable when the token function returns nothing', async () => {
    const erin = client(() => '');
    await erin.connect();
    await until(() => erin.state.lastError?.code === 'token_unavailable', 'token_unavailable');
    assert.match(erin.state.lastError?.message ?? '', /returned no token/);
  });

  it('refreshes an expired token quietly, and says token_expired when the refreshed one has expired too', async () => {
    const expired = await sign('erin', -60);
    const erin = client(() => expired);
    const seen = codesSeen(erin);
    await erin.connect();
    await until(() => erin.state.lastError?.code === 'token_expired', 'token_expired');
    assert.equal(seen[0], 'disconnected', 'the first expiry is a routine refresh');
    assert.equal(erin.state.connection, 'offline', 'the function may hand out a fresh token later');
    assert.equal(erin.state.lastError?.retryable, true);
  });

  it('fails for good with origin_forbidden when the server refuses the page origin', async () => {
    const strict = await startServer({ allowedOrigins: ['https://app.example'] });
    try {
      const token = await strict.token('erin');
      // Node's `ws` sends no Origin unless told; a browser on another site would send its own.
      const FromElsewhere = class extends WebSocket {
        constructor(url: string) {
          super(url, { origin: 'https://elsewhere.example' });
        }
      } as unknown as WebSocketConstructor;
      const erin = nodeClient(strict.url, token, { WebSocket: FromElsewhere });
      clients.push(erin);
      await erin.connect();
      await assert.rejects(erin.whenOnline(), (e: unknown) => (e as { code?: string }).code === 'origin_forbidden');
      assert.equal(erin.state.connection, 'failed');
      assert.equal(erin.state.lastError?.retryable, false);
    } finally {
      await strict.dispose();
    }
  });

  it('reads a busy server (4013) and a rate limit (4029) as retryable, with the time to wait', () => {
    const busy = errorFromClose(CloseCode.TryAgainLater, { code: 'unavailable', retryAfterMs: 7000 });
    assert.deepEqual([busy.code, busy.retryable, busy.retryAfterMs], ['unavailable', true, 7000]);
    const limited = errorFromClose(CloseCode.RateLimited, {});
    assert.deepEqual([limited.code, limited.retryable], ['rate_limited', true]);
    const origin = errorFromClose(CloseCode.OriginForbidden, { code: 'forbidden' });
    assert.equal(origin.code, 'origin_forbidden', 'also from servers that send the older reason code');
  });

  it('says offline, not unreachable, while the device reports no network', async () => {
    await server.stop();
    const statuses: Array<string | undefined> = [];
    const engine = new Engine({
      url: server.url.replace('http', 'ws') + '/v1/ws',
      token: 'unused',
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      backoff: { baseMs: 10, capMs: 50 },
      random: Math.random,
      timers: defaultTimers,
      network: { onOnline: () => () => undefined, offline: () => true },
      handshakeTimeoutMs: 5_000,
      resume: { cursors: () => [], applySync: () => undefined, applyRooms: () => undefined, resumed: () => undefined },
    });
    engine.on('status', ({ error }) => statuses.push(error?.code));
    try {
      engine.start();
      await until(() => statuses.length > UNREACHABLE_AFTER + 1, 'several failed attempts');
    } finally {
      engine.stop();
      await server.start();
    }
    const failures = statuses.slice(1, -1);
    assert.ok(failures.length > UNREACHABLE_AFTER);
    assert.deepEqual([...new Set(failures)], ['offline']);
  });
});
