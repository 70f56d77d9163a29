/**
 * The HTTP routes beside the socket: health, metrics, the admin API,
 * attachments, dev tokens, then the browser bundles and static directories. Anything else goes to `next` (the host's
 * own handler when attached, a 404 otherwise).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';
import type { AdminApi } from '../admin/admin-service.js';
import type { ServerContext } from '../context.js';
import { ADMIN_PREFIX, handleAdmin } from './admin/admin-routes.js';
import { ATTACHMENTS_PATH } from './attachment-urls.js';
import { handleDownload, handleUpload } from './attachments.js';
import { handleDevToken } from './dev-token.js';
import { metricsRefusal } from './metrics-access.js';
import { createBrowserBundleHandler, locateBrowserBundles } from './browser-bundle.js';
import { applyCors, sendError, sendJson } from './respond.js';
import { setStaticHeaders } from './static-headers.js';

/** A Node request listener with a fallback for requests it does not own. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** Builds the handler; a plain GET on the WebSocket path (`wsPath()`) gets 426. `admin` serves `/v1/admin/`. */
export function createHttpHandler(server: ServerContext, wsPath: () => string, admin: AdminApi): HttpHandler {
  const statics = server.options.static.map((entry) => {
    const { mount, dir } = parseStatic(entry);
    const serve = sirv(dir, {
      dev: true,
      etag: true,
      setHeaders: (res, pathname) => setStaticHeaders(res, pathname, server.options.contentSecurityPolicy),
    });
    if (mount === '') return serve;
    // sirv serves from `/`: strip the mount for it, and put the URL back for the next handler.
    const mounted: HttpHandler = (req, res, next) => {
      const original = req.url ?? '/';
      if (original !== mount && !original.startsWith(`${mount}/`) && !original.startsWith(`${mount}?`)) return next();
      req.url = original.slice(mount.length) || '/';
      if (req.url.startsWith('?')) req.url = `/${req.url}`;
      serve(req, res, () => {
        req.url = original;
        next();
      });
    };
    return mounted;
  });

  const serveStatic = (req: IncomingMessage, res: ServerResponse, next: () => void, index = 0): void => {
    const handler = statics[index];
    if (!handler) return next();
    handler(req, res, () => serveStatic(req, res, next, index + 1));
  };
  const bundle = server.options.browserBundle ? browserBundleHandler(server) : null;

  const route = async (req: IncomingMessage, res: ServerResponse, next: () => void): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/healthz') {
      if (server.draining) return sendJson(res, 503, { status: 'closing' });
      // Cached state: a load balancer's probe never waits on Redis or the database.
      const report = server.health.report();
      return sendJson(res, report.status === 'ok' ? 200 : 503, report);
    }
    if (path === '/metrics') {
      const refusal = metricsRefusal(req, server.options.metricsToken, server.tokens.dev);
      if (refusal) return sendError(res, refusal.status, refusal.code, refusal.message, refusal.headers);
      const text = await server.metrics.text();
      res.writeHead(200, { 'Content-Type': server.metrics.contentType, 'Cache-Control': 'no-store' });
      res.end(text);
      return;
    }
    if (path.startsWith(ADMIN_PREFIX)) return handleAdmin(req, res, () => admin, server.options.adminKeys, server.draining, path, url.searchParams);
    if (path === ATTACHMENTS_PATH || path.startsWith(`${ATTACHMENTS_PATH}/`) || path === '/v1/dev/token') {
      if (applyCors(req, res, server.options.originPolicy)) return;
      if (server.draining) return sendError(res, 503, 'unavailable', 'the server is shutting down', { 'Retry-After': '5' });
      if (path === '/v1/dev/token') return handleDevToken(req, res, server.tokens, server.options.auth.devAllowRemote === true, server.options.proxyTrust);
      if (path === ATTACHMENTS_PATH) return handleUpload(req, res, server, url);
      const id = safeDecode(path.slice(ATTACHMENTS_PATH.length + 1));
      if (id === null) return sendError(res, 400, 'bad_request', 'malformed attachment id');
      return handleDownload(req, res, server, id, url);
    }
    if (path === wsPath()) return sendError(res, 426, 'bad_request', 'this endpoint speaks WebSocket', { Upgrade: 'websocket' });
    if (bundle) return bundle(req, res, () => serveStatic(req, res, next));
    serveStatic(req, res, next);
  };

  return (req, res, next) => {
    route(req, res, next).catch((error: unknown) => {
      server.logger.error({ err: error, url: req.url }, 'http request failed');
      if (!res.headersSent) sendError(res, 500, 'internal', 'internal server error');
      else res.destroy();
    });
  };
}

/** The bundle handler over the bundles found; a warning names what is missing (the rest is still served). */
function browserBundleHandler(server: ServerContext): ReturnType<typeof createBrowserBundleHandler> {
  const { dirs, missing } = locateBrowserBundles();
  for (const why of missing) server.logger.warn(`browser bundle: ${why}; its files are not served`);
  return createBrowserBundleHandler(dirs);
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** `dir` is served at `/`; `/path=dir` at `/path/`. */
function parseStatic(entry: string): { mount: string; dir: string } {
  const match = /^(\/[^=]*)=(.+)$/.exec(entry);
  if (!match) return { mount: '', dir: entry };
  return { mount: match[1].replace(/\/+$/, ''), dir: match[2] };
}
