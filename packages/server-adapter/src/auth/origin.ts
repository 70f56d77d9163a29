/** The Origin allow-list shared by the WebSocket upgrade and the HTTP routes. */
import type { IncomingMessage } from 'node:http';

/**
 * Whether a request's Origin may talk to us. Without an Origin header (Node
 * clients, curl) the answer is yes; with `allowed === null`, only origins whose
 * host equals the request's Host header pass; `'*'` in the list allows all.
 */
export function isOriginAllowed(req: IncomingMessage, allowed: readonly string[] | null): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed === null) {
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }
  return allowed.includes('*') || allowed.includes(origin);
}
