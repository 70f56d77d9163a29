/**
 * The deployment of docs/deploy.md, for real: Debian's nginx with the
 * repository's `deploy/nginx/parley.conf` terminates TLS (a certificate made
 * for 127.0.0.1 at test time) in front of a production `parley-server` (a JWT
 * secret, no dev mode, no origin allow-list, `--trust-proxy loopback`). Two
 * people chat in Chromium over https and wss through it; the page's host
 * backend mints their tokens. nginx sends its upstream's name as `Host`, so
 * the chat works only because the server believes the proxy's
 * `X-Forwarded-Host`, and only from the proxy.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import type { Browser, BrowserContext } from 'playwright-core';
import WebSocket from 'ws';
import { CloseCode, PROTOCOL_VERSION } from '@parley/sdk/protocol';
import { ChatTab } from './helpers/chat-page.js';
import { launchChromium } from './helpers/chromium.js';
import { NginxProxy } from './helpers/nginx-proxy.js';
import { ParleyServerProcess } from './helpers/parley-server.js';
import { ROOT } from './helpers/paths.js';
import { WAIT_MS } from './helpers/bounds.js';

const SECRET = 'reverse-proxy-test-secret-of-at-least-32-bytes';
const METRICS_TOKEN = 'reverse-proxy-metrics-token';

const server = new ParleyServerProcess({
  dev: false,
  sameHostOnly: true,
  args: ['--trust-proxy', 'loopback'],
  env: { PARLEY_JWT_SECRET: SECRET, PARLEY_METRICS_TOKEN: METRICS_TOKEN, PARLEY_DEV: '' },
  extraStatic: [`${ROOT}e2e/pages`],
});
const proxy = new NginxProxy();
let browser: Browser | null = null;
const tabs: ChatTab[] = [];

before(async () => {
  await server.start();
  await proxy.start(server.port);
  browser = await launchChromium(['--ignore-certificate-errors']);
});

after(async () => {
  await Promise.allSettled(tabs.map((tab) => tab.close()));
  await browser?.close();
  await proxy.stop();
  await server.dispose();
});

/** What the host's backend does: mint a token for its signed-in user, with the secret it shares with Parley. */
function mintToken(user: string): Promise<string> {
  return new SignJWT({ name: user[0]!.toUpperCase() + user.slice(1) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
}

/** The host app's token endpoint (`/host/parley-token?user=`), answered in the test as the host's backend would. */
async function hostBackend(context: BrowserContext): Promise<void> {
  await context.route('**/host/parley-token?*', async (route) => {
    const user = new URL(route.request().url()).searchParams.get('user') ?? '';
    await route.fulfill({ status: 200, contentType: 'text/plain', body: await mintToken(user) });
  });
}

async function openTab(user: string, room: string): Promise<ChatTab> {
  if (!browser) throw new Error('the browser did not start');
  const tab = await ChatTab.open(browser, `${proxy.origin}/host-token/?user=${user}&room=${room}`, { prepare: hostBackend });
  tabs.push(tab);
  return tab;
}

/** An https request to the proxy, trusting its self-signed certificate. */
function proxied(path: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${proxy.origin}${path}`, { method: options.method ?? 'GET', headers: options.headers, ca: proxy.certificate }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.setTimeout(WAIT_MS, () => req.destroy(new Error(`no answer to ${path} within ${WAIT_MS} ms`)));
    req.once('error', reject);
    req.end(options.body);
  });
}

/** Opens a chat socket through the proxy with `origin` and `headers`; resolves with its close code, or 'open' once it authenticated. */
function socketThroughProxy(origin: string, headers: Record<string, string> = {}): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${proxy.origin.replace('https:', 'wss:')}/v1/ws`, { origin, headers, ca: proxy.certificate });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`the socket neither opened nor closed within ${WAIT_MS} ms`));
    }, WAIT_MS);
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    ws.once('open', () => {
      void mintToken('ada').then((token) => ws.send(JSON.stringify({ type: 'auth', id: 1, v: PROTOCOL_VERSION, token })));
    });
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type?: string }).type !== 'welcome') return;
      clearTimeout(timer);
      ws.close();
      resolve('open');
    });
  });
}

const committed = (status: string): boolean => status !== 'pending' && status !== 'failed';
const reachedOther = (status: string): boolean => status === 'delivered' || status === 'read';

test('two users chat through nginx over https and wss', { timeout: 240_000 }, async () => {
  const room = 'behind-nginx';
  const ada = await openTab('ada', room);
  const grace = await openTab('grace', room);
  await Promise.all([ada.ready(), grace.ready()]);

  const sent: string[] = [];
  for (const [from, to, text] of [
    [ada, grace, 'Grace, do you read me through the proxy? (1)'],
    [grace, ada, 'Loud and clear, over TLS. (2)'],
  ] as const) {
    await from.send(text);
    sent.push(text);
    await to.waitForMessages(sent, committed);
  }
  await ada.waitForMessages([sent[0]!], reachedOther);
  await grace.waitForMessages([sent[1]!], reachedOther);
  assert.equal(await ada.page.evaluate(() => location.protocol), 'https:');
  assert.deepEqual(
    tabs.flatMap((tab) => tab.errors),
    [],
  );
});

test("the proxy's edges: health, metrics kept inside, upload size, redirect to https", { timeout: 120_000 }, async () => {
  const health = await proxied('/healthz');
  assert.equal(health.status, 200);
  assert.equal((JSON.parse(health.text) as { status: string }).status, 'ok');

  // Metrics are for the scraper on the node itself, not the outside.
  assert.equal((await proxied('/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).status, 404);
  const direct = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  assert.equal(direct.status, 200);

  // An attachment of 2 MiB passes nginx (whose default body limit is 1 MiB) and is stored.
  const body = Buffer.alloc(2 * 1024 * 1024, 7);
  const upload = await proxied('/v1/attachments?room=behind-nginx&name=big.txt', {
    method: 'POST',
    headers: { Authorization: `Bearer ${await mintToken('ada')}`, 'Content-Type': 'text/plain', 'Content-Length': String(body.length) },
    body,
  });
  assert.equal(upload.status, 201, upload.text);
  assert.equal((JSON.parse(upload.text) as { attachment: { size: number } }).attachment.size, body.length);

  const plain = await fetch(`${proxy.plainOrigin}/host-token/`, { redirect: 'manual' });
  assert.equal(plain.status, 301);
  assert.match(plain.headers.get('location') ?? '', /^https:\/\/127\.0\.0\.1\/host-token\/$/);
});

test('through the proxy only pages on its own host get in, whatever X-Forwarded-Host a client sends', { timeout: 120_000 }, async () => {
  assert.equal(await socketThroughProxy(proxy.origin), 'open');
  assert.equal(await socketThroughProxy('https://evil.example'), CloseCode.OriginForbidden);
  // nginx sets X-Forwarded-Host itself, so what a client writes there is replaced.
  assert.equal(await socketThroughProxy('https://evil.example', { 'X-Forwarded-Host': 'evil.example' }), CloseCode.OriginForbidden);
});
