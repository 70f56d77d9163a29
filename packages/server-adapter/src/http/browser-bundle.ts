/**
 * The browser bundles a page loads from this server with one script tag, from
 * the installed packages: `/parley.js` and its lazy `/chunks/*` from
 * `@parley/elements`, `/parley-sdk.js` and `/parley-sdk.iife.js` (and their
 * chunks) from `@parley/sdk`, and their Subresource Integrity hashes merged
 * at `/parley.integrity.json`.
 *
 * It is public code, loaded by pages on other origins as module scripts
 * (always CORS requests), so every origin may read it (`*`, no credentials)
 * and embed it (`Cross-Origin-Resource-Policy: cross-origin`). Chunk names
 * carry a hash of their content, so they are cached for a year; the entry
 * files keep their names across versions and are revalidated on every use,
 * so an upgraded server reaches pages at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BundleFiles, negotiateCoding } from './bundle-files.js';

/** Where the merged integrity manifest is served. */
export const INTEGRITY_PATH = '/parley.integrity.json';

/** The manifest each bundle directory ships (written by the build). */
const MANIFEST_FILE = 'integrity.json';

/** The public entry of each package's browser bundle; its directory is served at `/`, first match wins. */
const BUNDLE_ENTRIES = ['@parley/elements/browser/parley.js', '@parley/sdk/browser/parley-sdk.js'] as const;

/** Paths served: a `.js` file or its source map at `/` or in `/chunks/`, names of letters, digits, `_`, `-` and inner dots. */
const BUNDLE_PATH = /^\/((?:chunks\/)?[\w-]+(?:\.[\w-]+)*\.js(?:\.map)?)$/;

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'public, no-cache';

/** The headers that let any page use public code. */
const PUBLIC_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'X-Content-Type-Options': 'nosniff',
} as const;

/** The bundle directories found, and a sentence for each package that has none. */
export interface BundleLocation {
  dirs: string[];
  missing: string[];
}

/** Finds each package's `dist/browser` through its `./browser/*` export, as installed beside this server. */
export function locateBrowserBundles(resolve: (specifier: string) => string = createRequire(import.meta.url).resolve): BundleLocation {
  const location: BundleLocation = { dirs: [], missing: [] };
  for (const entry of BUNDLE_ENTRIES) {
    try {
      location.dirs.push(dirname(resolve(entry)));
    } catch {
      const pkg = entry.split('/').slice(0, 2).join('/');
      location.missing.push(`${entry} was not found (${pkg} is not installed, or not built)`);
    }
  }
  return location;
}

/** A request listener for the bundle paths; anything else goes to `next`. */
export type BundleHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => Promise<void>;

/** Serves the bundles in `dirs` (see the module comment). */
export function createBrowserBundleHandler(dirs: readonly string[]): BundleHandler {
  const files = new BundleFiles(dirs);
  return async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname === INTEGRITY_PATH) return sendIntegrity(req, res, dirs, next);
    const relative = BUNDLE_PATH.exec(pathname)?.[1];
    const file = relative === undefined ? null : await files.get(relative);
    if (relative === undefined || !file) return next();

    const coding = negotiateCoding(req.headers['accept-encoding']);
    const headers: Record<string, string | number> = {
      ...PUBLIC_HEADERS,
      'Cache-Control': relative.startsWith('chunks/') ? IMMUTABLE : REVALIDATE,
      ETag: file.etag,
      Vary: 'Accept-Encoding',
    };
    if (ifNoneMatch(req, file.etag)) {
      res.writeHead(304, headers).end();
      return;
    }
    const body = await file.encoded(coding);
    res.writeHead(200, {
      ...headers,
      'Content-Type': relative.endsWith('.map') ? 'application/json; charset=utf-8' : 'text/javascript; charset=utf-8',
      'Content-Length': body.length,
      ...(coding === 'identity' ? {} : { 'Content-Encoding': coding }),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

/** Whether the request's `If-None-Match` names `etag` (or `*`). */
function ifNoneMatch(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}

/** Every directory's manifest merged, the first directory's entry winning as its file does. */
async function sendIntegrity(req: IncomingMessage, res: ServerResponse, dirs: readonly string[], next: () => void): Promise<void> {
  const merged: Record<string, string> = {};
  let found = false;
  for (const dir of [...dirs].reverse()) {
    const text = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch(() => null);
    if (text === null) continue;
    found = true;
    Object.assign(merged, JSON.parse(text) as Record<string, string>);
  }
  if (!found) return next();
  const body = `${JSON.stringify(Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b))), null, 2)}\n`;
  res.writeHead(200, {
    ...PUBLIC_HEADERS,
    'Cache-Control': REVALIDATE,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
