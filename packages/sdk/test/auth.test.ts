/** Authentication as the first frame: bad tokens are fatal, expiry fetches a fresh token. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { AuthError } from '../src/index.js';
import { nodeClient, SECRET, startServer, texts, until } from './helpers.js';
import type { TestServer } from './helpers.js';

async function sign(user: string, expiresInSeconds: number, secret = SECRET): Promise<string> {
  return new SignJWT({ name: user })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
}

describe('authentication', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    await server?.dispose();
  });

  it('fails for good on a token the server rejects, without reconnecting', async () => {
    const client = nodeClient(server.url, await sign('mallory', 600, 'not-the-server-secret-but-long-enough'));
    try {
      await client.connect();
      await assert.rejects(client.whenOnline(), (e: unknown) => e instanceof AuthError && e.code === 'auth_failed' && !e.retryable);
      assert.equal(client.state.connection, 'failed');
      assert.equal(client.state.lastError?.code, 'auth_failed');
    } finally {
      await client.dispose();
    }
  });

  it('fetches a fresh token from the provider when the server says the token expired', async () => {
    const issued: number[] = [];
    const client = nodeClient(server.url, async () => {
      // The first token expires while connected; the next one lasts.
      issued.push(Date.now());
      return sign('carol', issued.length === 1 ? 3 : 600);
    });
    try {
      await client.connect();
      await client.whenOnline();
      const room = await client.createRoom({ kind: 'group', name: 'Expiry' });
      await until(() => issued.length === 2, 'a second token', 15_000);
      await client.whenOnline();
      await room.send('still here');
      assert.deepEqual(texts(client, room.id), ['still here']);
    } finally {
      await client.dispose();
    }
  });

  it('gives up when a fixed token string expires (it cannot be refreshed)', async () => {
    const client = nodeClient(server.url, await sign('dave', 3));
    try {
      await client.connect();
      await client.whenOnline();
      await until(() => client.state.connection === 'failed', 'failed after expiry', 15_000);
      assert.ok(client.state.lastError instanceof AuthError);
      assert.equal(client.state.lastError?.code, 'token_expired');
    } finally {
      await client.dispose();
    }
  });
});
