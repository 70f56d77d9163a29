/**
 * Who may use the admin API: requests carrying one of the configured admin
 * keys as a bearer token. Every key is compared, in constant time, so neither
 * the answer's timing nor which key matched leaks anything.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Whether `req` carries one of `keys` as `Authorization: Bearer <key>`. */
export function hasAdminKey(req: IncomingMessage, keys: readonly string[]): boolean {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  if (!match) return false;
  // Digests have equal lengths, so the comparison does not depend on the key's length either.
  const given = digest(match[1]);
  let ok = false;
  for (const key of keys) ok = timingSafeEqual(given, digest(key)) || ok;
  return ok;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
