/**
 * Security headers for the pages the server serves from `static` directories
 * (the examples, or a host's own pages): a Content-Security-Policy that lets
 * a page load scripts, styles and data only from this server, no framing by
 * other sites, no MIME sniffing, no referrer leaking room ids.
 */
import type { ServerResponse } from 'node:http';

/**
 * The default policy. Styles may be inline (pages' own `<style>` blocks and
 * the editor's injected styles); scripts may not. `connect-src 'self'` covers
 * this server's WebSocket too; images and media may be `blob:` and `data:`
 * (upload previews, voice notes).
 */
export const DEFAULT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'self'",
].join('; ');

/** Sets the headers on a static response; HTML documents also get the policy and frame protection. */
export function setStaticHeaders(res: ServerResponse, pathname: string, csp: string | null): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  if (!isDocument(pathname)) return;
  if (csp !== null) res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Frame-Options', 'SAMEORIGIN');
}

/** Whether `pathname` is served as an HTML document (directory indexes included). */
function isDocument(pathname: string): boolean {
  return pathname.endsWith('/') || pathname.endsWith('.html') || pathname.endsWith('.htm');
}
