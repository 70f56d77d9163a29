/**
 * The browser bundles the server serves from the installed packages, as a
 * page on another origin meets them: CORS and CORP that let any origin load
 * them, a year of caching for hashed chunks and revalidation for the entry
 * files, compression, SRI hashes that match the bytes, nothing else of the
 * packages reachable, and the switch that turns it off. Needs the bundles
 * (`npm run build`).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { negotiateCoding } from '../src/http/bundle-files.js';
import { exited, startCli } from './cli-process.js';
import { startServer } from './helpers.js';

const require = createRequire(import.meta.url);
/** Where the installed packages keep their bundles, found as the server finds them. */
const ELEMENTS_DIR = dirname(require.resolve('@parley/elements/browser/parley.js'));
const SDK_DIR = dirname(require.resolve('@parley/sdk/browser/parley-sdk.js'));

const OTHER_ORIGIN = 'https://host-app.example';

/** A raw GET (fetch would decode the body and hide `Content-Encoding`). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

function sri(bytes: Uint8Array): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

async function chunkFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'chunks'))).filter((name) => name.endsWith('.js')).map((name) => `chunks/${name}`);
}

describe('browser bundle', () => {
  it('serves /parley.js from @parley/elements to any origin, revalidated by a content ETag', async () => {
    const ts = await startServer();
    try {
      const res = await fetch(`${ts.url}/parley.js`, { headers: { Origin: OTHER_ORIGIN, 'Accept-Encoding': 'identity' } });
      assert.equal(res.status, 200);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(await readFile(join(ELEMENTS_DIR, 'parley.js'))), 'the installed file');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.equal(res.headers.get('access-control-allow-credentials'), null);
      assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'public, no-cache');
      const etag = res.headers.get('etag') ?? '';
      assert.match(etag, /^"[\w-]{20,}"$/, 'a strong ETag');

      const again = await fetch(`${ts.url}/parley.js`, { headers: { Origin: OTHER_ORIGIN, 'If-None-Match': etag } });
      assert.equal(again.status, 304);
      assert.equal(again.headers.get('access-control-allow-origin'), '*');
      assert.equal(again.headers.get('etag'), etag);

      const stale = await fetch(`${ts.url}/parley.js`, { headers: { 'If-None-Match': '"something-else"' } });
      assert.equal(stale.status, 200);
      await stale.arrayBuffer();
    } finally {
      await ts.close();
    }
  });

  it('serves every lazy chunk for a year and the SDK bundles, from both packages', async () => {
    const ts = await startServer();
    try {
      const chunks = await chunkFiles(ELEMENTS_DIR);
      assert.ok(chunks.length > 0, 'the elements have lazy chunks');
      for (const chunk of [...chunks, ...(await chunkFiles(SDK_DIR))]) {
        const res = await fetch(`${ts.url}/${chunk}`, { headers: { Origin: OTHER_ORIGIN } });
        assert.equal(res.status, 200, chunk);
        await res.arrayBuffer();
        assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', chunk);
        assert.equal(res.headers.get('access-control-allow-origin'), '*', chunk);
        assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8', chunk);
      }
      for (const entry of ['parley-sdk.js', 'parley-sdk.iife.js']) {
        const res = await fetch(`${ts.url}/${entry}`, { headers: { 'Accept-Encoding': 'identity' } });
        assert.equal(res.status, 200, entry);
        assert.ok(Buffer.from(await res.arrayBuffer()).equals(await readFile(join(SDK_DIR, entry))), entry);
        assert.equal(res.headers.get('cache-control'), 'public, no-cache', entry);
      }
      const map = await fetch(`${ts.url}/parley.js.map`);
      assert.equal(map.status, 200);
      assert.equal(map.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(((await map.json()) as { version: number }).version, 3);
    } finally {
      await ts.close();
    }
  });

  it('publishes SRI hashes of every script it serves, matching the bytes served', async () => {
    const ts = await startServer();
    try {
      const res = await fetch(`${ts.url}/parley.integrity.json`, { headers: { Origin: OTHER_ORIGIN } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const manifest = (await res.json()) as Record<string, string>;
      const scripts = new Set(['parley.js', 'parley-sdk.js', 'parley-sdk.iife.js', ...(await chunkFiles(ELEMENTS_DIR)), ...(await chunkFiles(SDK_DIR))]);
      assert.deepEqual(Object.keys(manifest).sort(), [...scripts].sort(), 'one hash per script, nothing else');
      for (const [file, hash] of Object.entries(manifest)) {
        const served = Buffer.from(await (await fetch(`${ts.url}/${file}`, { headers: { 'Accept-Encoding': 'identity' } })).arrayBuffer());
        assert.equal(sri(served), hash, file);
      }
      // The package ships the same hashes for hosts that read them from node_modules.
      const shipped = JSON.parse(await readFile(join(ELEMENTS_DIR, 'integrity.json'), 'utf8')) as Record<string, string>;
      assert.equal(shipped['parley.js'], manifest['parley.js']);
    } finally {
      await ts.close();
    }
  });

  it('compresses with brotli or gzip as the browser accepts, and names the coding', async () => {
    const ts = await startServer();
    try {
      const original = await readFile(join(ELEMENTS_DIR, 'parley.js'));
      const br = await rawGet(`${ts.url}/parley.js`, { 'Accept-Encoding': 'gzip, deflate, br' });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.equal(br.headers.vary, 'Accept-Encoding');
      assert.ok(br.body.length < original.length / 2, 'brotli makes it much smaller');
      assert.ok(brotliDecompressSync(br.body).equals(original));

      const gz = await rawGet(`${ts.url}/parley.js`, { 'Accept-Encoding': 'gzip' });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.ok(gunzipSync(gz.body).equals(original));

      const plain = await rawGet(`${ts.url}/parley.js`, {});
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.ok(plain.body.equals(original));
    } finally {
      await ts.close();
    }
  });

  it('negotiates codings by their q-values', () => {
    assert.equal(negotiateCoding('gzip, deflate, br, zstd'), 'br');
    assert.equal(negotiateCoding('gzip'), 'gzip');
    assert.equal(negotiateCoding('br;q=0, gzip;q=0.5'), 'gzip');
    assert.equal(negotiateCoding('br;q=0, *'), 'gzip');
    assert.equal(negotiateCoding('*;q=0'), 'identity');
    assert.equal(negotiateCoding(undefined), 'identity');
    assert.equal(negotiateCoding('identity'), 'identity');
  });

  it('serves nothing else of the packages', async () => {
    const ts = await startServer();
    try {
      for (const path of [
        '/integrity.json',
        '/package.json',
        '/%2e%2e/package.json',
        '/chunks/..%2f..%2fpackage.json',
        '/chunks/no-such-chunk-AbCd1234.js',
        '/dist/browser/parley.js',
        '/index.js',
      ]) {
        const res = await fetch(`${ts.url}${path}`);
        assert.equal(res.status, 404, path);
        await res.arrayBuffer();
      }
      const post = await fetch(`${ts.url}/parley.js`, { method: 'POST', body: 'x' });
      assert.equal(post.status, 404, 'only GET and HEAD');
      await post.arrayBuffer();
    } finally {
      await ts.close();
    }
  });

  it('is off with browserBundle: false, and with --no-browser-bundle', async () => {
    const ts = await startServer({ browserBundle: false });
    try {
      for (const path of ['/parley.js', '/parley-sdk.js', '/parley.integrity.json']) {
        const res = await fetch(`${ts.url}${path}`);
        assert.equal(res.status, 404, path);
        await res.arrayBuffer();
      }
    } finally {
      await ts.close();
    }

    const dataDir = await mkdtemp(join(tmpdir(), 'parley-bundle-cli-'));
    const cli = await startCli({ dataDir, args: ['--dev', '--no-browser-bundle'] });
    try {
      const res = await fetch(`${cli.base}/parley.js`);
      assert.equal(res.status, 404);
      await res.arrayBuffer();
      assert.equal((await fetch(`${cli.base}/healthz`)).status, 200);
    } finally {
      cli.child.kill('SIGTERM');
      await exited(cli.child);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
