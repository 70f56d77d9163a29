/** Small helpers for the HTTP routes: JSON answers and CORS. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isOriginAllowed } from '../auth/origin.js';
import type { OriginPolicy } from '../auth/origin.js';

/** Writes a JSON body with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** Writes `{ error: { code, message } }`. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/**
 * Adds CORS headers for an allowed Origin. Answers a preflight itself and
 * returns true when it did; a disallowed Origin simply gets no CORS headers.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, policy: OriginPolicy): boolean {
  const origin = req.headers.origin;
  const ok = origin !== undefined && isOriginAllowed(req, policy);
  if (ok) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    // A page on another origin reads `Retry-After` of a 429 or 503 only when it is exposed.
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    res.setHeader('Vary', 'Origin');
  }
  if (req.method !== 'OPTIONS') return false;
  if (ok) {
    res.writeHead(204, {
      'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type',
      'Access-Control-Max-Age': '600',
      'Content-Length': '0',
    });
  } else {
    res.writeHead(403, { 'Content-Length': '0' });
  }
  res.end();
  return true;
}

/** Reads a small body, refusing more than `max` bytes (returns null then). */
export async function readSmallBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
