/**
 * Behind a reverse proxy that rewrites `Host` (nginx's default), the browser's
 * host arrives as `X-Forwarded-Host` and its address as `X-Forwarded-For`.
 * These headers count only from a proxy named in `trustProxy`; from anyone
 * else they are ignored, so a client cannot claim another address or host.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { CloseCode } from '@parley/sdk/protocol';
import { ConfigError, createServer } from '../src/index.js';
import type { ServerOptions } from '../src/index.js';
import { SECRET, TestClient, WAIT_MS, signToken, startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

/** A server whose log lines are kept, to read the client address it logged. */
async function loggedServer(options: Partial<ServerOptions>): Promise<{ ts: TestServer; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const ts = await startServer({ ...options, logger: pino({ level: 'info' }, sink) });
  return { ts, lines };
}

/** The `remote` of the first log line with message `msg` (`connection open`, `origin refused`), once it is logged. */
async function loggedRemote(lines: Array<Record<string, unknown>>, msg: string): Promise<unknown> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const line = lines.find((entry) => entry.msg === msg);
    if (line) return line.remote;
    if (Date.now() > deadline) throw new Error(`no "${msg}" line within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What nginx sends upstream for a page on https://chat.example.com, with the default `Host $proxy_host`. */
function proxiedHeaders(ts: TestServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    Host: `127.0.0.1:${ts.port}`,
    'X-Forwarded-Host': 'chat.example.com',
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-For': '203.0.113.9',
    ...extra,
  };
}

describe('trustProxy', () => {
  it('off (the default): forwarded headers are ignored, so a proxied page is refused and the peer is logged', async () => {
    const { ts, lines } = await loggedServer({});
    try {
      const socket = await TestClient.open(ts.wsUrl, { origin: 'https://chat.example.com', headers: proxiedHeaders(ts) });
      assert.equal((await socket.waitForClose()).code, CloseCode.OriginForbidden);
      assert.equal(await loggedRemote(lines, 'origin refused'), '127.0.0.1');
    } finally {
      await ts.close();
    }
  });

  it('with the proxy trusted: the page on the forwarded host is admitted and the forwarded client is logged', async () => {
    const { ts, lines } = await loggedServer({ trustProxy: ['loopback'] });
    try {
      const socket = await TestClient.open(ts.wsUrl, { origin: 'https://chat.example.com', headers: proxiedHeaders(ts) });
      assert.equal((await socket.auth(await signToken('ada'))).user.id, 'ada');
      assert.equal(await loggedRemote(lines, 'connection open'), '203.0.113.9');
      await socket.close();

      // The forwarded scheme counts too: an http page is not the https site the proxy serves.
      const http = await TestClient.open(ts.wsUrl, { origin: 'http://chat.example.com', headers: proxiedHeaders(ts) });
      assert.equal((await http.waitForClose()).code, CloseCode.OriginForbidden);
      // And another site is still another site.
      const other = await TestClient.open(ts.wsUrl, { origin: 'https://evil.example', headers: proxiedHeaders(ts) });
      assert.equal((await other.waitForClose()).code, CloseCode.OriginForbidden);
    } finally {
      await ts.close();
    }
  });

  it('trusting other addresses than the peer: a client that spoofs the headers gains nothing', async () => {
    const { ts, lines } = await loggedServer({ trustProxy: ['10.0.0.0/8', '192.0.2.1'] });
    try {
      const socket = await TestClient.open(ts.wsUrl, { origin: 'https://chat.example.com', headers: proxiedHeaders(ts) });
      assert.equal((await socket.waitForClose()).code, CloseCode.OriginForbidden);
      assert.equal(await loggedRemote(lines, 'origin refused'), '127.0.0.1');
    } finally {
      await ts.close();
    }
  });

  it('a hop count believes that many proxies: the address the last trusted one saw', async () => {
    const { ts, lines } = await loggedServer({ trustProxy: 1 });
    try {
      // The client wrote 198.51.100.7 itself; the one proxy appended the address it saw.
      const headers = proxiedHeaders(ts, { 'X-Forwarded-For': '198.51.100.7, 203.0.113.9' });
      const socket = await TestClient.open(ts.wsUrl, { origin: 'https://chat.example.com', headers });
      await socket.auth(await signToken('ada'));
      assert.equal(await loggedRemote(lines, 'connection open'), '203.0.113.9');
      await socket.close();
    } finally {
      await ts.close();
    }
  });

  it('the same-host check covers workspace sockets and CORS on the HTTP routes', async () => {
    const untrusted = await startServer();
    const trusted = await startServer({ trustProxy: ['loopback'] });
    try {
      for (const [ts, allowed] of [
        [untrusted, false],
        [trusted, true],
      ] as const) {
        const workspace = await TestClient.open(`ws://127.0.0.1:${ts.port}/v1/yjs/plans`, {
          origin: 'https://chat.example.com',
          headers: proxiedHeaders(ts),
        });
        const closed = await workspace.waitForClose();
        // Trusted: past the Origin check, refused later for having no token.
        assert.equal(closed.code === CloseCode.OriginForbidden, !allowed, `workspace socket, trusted ${String(allowed)}: ${closed.code}`);

        const { Host: _host, ...headers } = proxiedHeaders(ts);
        const preflight = await fetch(`${ts.url}/v1/attachments`, {
          method: 'OPTIONS',
          headers: { ...headers, Origin: 'https://chat.example.com', 'Access-Control-Request-Method': 'POST' },
        });
        assert.equal(preflight.status, allowed ? 204 : 403);
      }
    } finally {
      await untrusted.close();
      await trusted.close();
    }
  });

  it('dev tokens stay on this machine: a forwarded request counts as its forwarded client, and only from a trusted proxy', async () => {
    const mint = (base: string, headers: Record<string, string>): Promise<Response> =>
      fetch(`${base}/v1/dev/token`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{"user":"ada"}' });
    const untrusted = await startServer({ auth: { dev: true, secret: SECRET } });
    const trusted = await startServer({ auth: { dev: true, secret: SECRET }, trustProxy: ['loopback'] });
    try {
      assert.equal((await mint(untrusted.url, {})).status, 200);
      // A local proxy nobody said to trust must not make every remote client local.
      assert.equal((await mint(untrusted.url, { 'X-Forwarded-For': '203.0.113.9' })).status, 403);
      assert.equal((await mint(untrusted.url, { 'X-Forwarded-For': '127.0.0.1' })).status, 403);
      assert.equal((await mint(trusted.url, { 'X-Forwarded-For': '203.0.113.9' })).status, 403);
      assert.equal((await mint(trusted.url, { 'X-Forwarded-For': '127.0.0.1' })).status, 200);
    } finally {
      await untrusted.close();
      await trusted.close();
    }
  });

  it('refuses settings that cannot be applied, naming them', () => {
    for (const trustProxy of [['not-an-address'], ['10.0.0.0/99'], [], 0, 1.5, -1]) {
      assert.throws(
        () => createServer({ logger: false, auth: { secret: SECRET }, trustProxy }),
        (error: Error) => error instanceof ConfigError && /^trustProxy/.test(error.message),
        JSON.stringify(trustProxy),
      );
    }
  });
});
