/**
 * Who may read `/metrics`: it shows traffic and load, so not anyone. With a
 * token configured, requests must carry it as a bearer token; without one it
 * is served only by a dev-mode server (which serves this machine only).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Why a metrics request is refused, as an HTTP answer. */
export interface MetricsRefusal {
  status: number;
  code: 'not_found' | 'auth_failed';
  message: string;
  headers?: Record<string, string>;
}

/** The refusal for `req`, or null when it may read the metrics. */
export function metricsRefusal(req: IncomingMessage, token: string | null, dev: boolean): MetricsRefusal | null {
  if (token === null) {
    if (dev) return null;
    return { status: 404, code: 'not_found', message: 'metrics are off: set metricsToken (PARLEY_METRICS_TOKEN) to serve them' };
  }
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  if (match && sameSecret(match[1], token)) return null;
  return { status: 401, code: 'auth_failed', message: 'metrics need the metrics bearer token', headers: { 'WWW-Authenticate': 'Bearer' } };
}

/** Compares in constant time (for equal lengths; the length itself is not secret). */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
