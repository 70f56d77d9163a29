/**
 * A tiny static file server of the test's own, serving the same directories
 * as the chat server. A page loaded from it keeps loading while the chat
 * server is down (like a page on a CDN), and keeps one origin, so a reload
 * finds the same IndexedDB outbox. It serves files only: the page talks to
 * the chat server named by its `server` query parameter.
 */
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { STATIC_ROOTS } from './paths.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The file for `pathname`, looked up as the chat server's static handler does (`dir/` → `dir/index.html`). */
async function findFile(pathname: string): Promise<string | null> {
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^[/\\]+/, '');
  } catch {
    return null;
  }
  for (const root of STATIC_ROOTS) {
    const base = join(root, relative);
    // normalize() plus this prefix check keep `..` inside the root.
    if (base !== root && !base.startsWith(root.endsWith(sep) ? root : root + sep)) continue;
    for (const candidate of [base, join(base, 'index.html'), `${base}.html`]) {
      if (await isFile(candidate)) return candidate;
    }
  }
  return null;
}

/** A static server on 127.0.0.1; `listen()` it, `close()` it in teardown. */
export class StaticServer {
  readonly #server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const answer = async (): Promise<void> => {
      const file = req.method === 'GET' || req.method === 'HEAD' ? await findFile(url.pathname) : null;
      if (!file) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    answer().catch(() => res.writeHead(500).end());
  });

  /** `http://127.0.0.1:<port>` once listening. */
  get origin(): string {
    const address = this.#server.address() as AddressInfo | null;
    if (!address) throw new Error('the static server is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Listens on a free port of 127.0.0.1. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
  }

  /** Stops listening and drops open connections. */
  close(): Promise<void> {
    if (!this.#server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
