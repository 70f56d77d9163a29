/** `POST /v1/dev/token`: mints a token for any user, in dev mode only. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackAddress } from '../auth/loopback.js';
import type { ProxyTrust } from '../auth/proxy-trust.js';
import type { TokenService } from '../auth/tokens.js';
import { readSmallBody, sendError, sendJson } from './respond.js';

const MAX_BODY = 4096;

/** Answers the dev token route (404 unless dev mode is on). */
export async function handleDevToken(
  req: IncomingMessage,
  res: ServerResponse,
  tokens: TokenService,
  allowRemote: boolean,
  proxy: ProxyTrust,
): Promise<void> {
  if (!tokens.dev) return sendError(res, 404, 'not_found', 'dev mode is off');
  // Whatever address the server is bound to (or the host server it is attached to), tokens go to this machine only.
  // A request relayed by a proxy nobody said to trust may come from anywhere: a local proxy must not make everyone local.
  if (!allowRemote && (proxy.forwardedByUntrustedPeer(req) || !isLoopbackAddress(proxy.clientAddress(req)))) {
    return sendError(res, 403, 'forbidden', 'dev tokens are minted for clients on this machine only');
  }
  if (req.method !== 'POST') return sendError(res, 405, 'bad_request', 'use POST', { Allow: 'POST' });
  const body = await readSmallBody(req, MAX_BODY);
  if (!body) return sendError(res, 413, 'payload_too_large', 'body too large');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return sendError(res, 400, 'bad_request', 'body is not JSON');
  }
  const rec = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const user = rec.user;
  const name = rec.name;
  if (typeof user !== 'string' || user.length === 0 || user.length > 128) {
    return sendError(res, 400, 'bad_request', 'user must be a string of 1 to 128 characters');
  }
  if (name !== undefined && (typeof name !== 'string' || name.length > 200)) {
    return sendError(res, 400, 'bad_request', 'name must be a string of at most 200 characters');
  }
  sendJson(res, 200, { token: await tokens.mint(user, name) });
}
