/**
 * `/v1/admin/…`: the admin REST API for the host's backend, thin wrappers
 * over {@link AdminApi}. Bearer admin keys only; never for browsers, so no
 * CORS headers and every preflight is refused. Off (404) without a key.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@parley/sdk/protocol';
import type { AdminMessageInput } from '../../admin/admin-messages.js';
import type { AdminRoomInput } from '../../admin/admin-rooms.js';
import type { AdminApi } from '../../admin/admin-service.js';
import { RequestError, toRequestError } from '../../errors.js';
import { readSmallBody, sendError, sendJson } from '../respond.js';
import { hasAdminKey } from './admin-auth.js';

/** Where the admin API lives. */
export const ADMIN_PREFIX = '/v1/admin/';
/** Largest admin request body (bytes): room for custom data and text with their JSON escaping. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

/** HTTP status of each error code the admin API answers with. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.AuthFailed]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotMember]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.Banned]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.TextTooLong]: 413,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Unsupported]: 501,
};

/** What one route needs: the request, its parsed JSON body (POST/PUT/PATCH) and the path's parameters. */
interface RouteCall {
  body: Record<string, unknown>;
  params: string[];
  query: URLSearchParams;
}

interface Route {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  pattern: RegExp;
  /** Resolves to `[status, body]`; a null body answers 204. */
  run(admin: AdminApi, call: RouteCall): Promise<[number, unknown]>;
}

const SEGMENT = '([^/]+)';

const ROUTES: Route[] = [
  {
    method: 'PUT',
    pattern: new RegExp(`^users/${SEGMENT}$`),
    run: async (admin, { body, params }) => {
      const { name, avatarUrl, data } = body;
      if (name !== undefined && typeof name !== 'string') throw new RequestError(ErrorCode.BadRequest, 'name must be a string');
      if (avatarUrl !== undefined && avatarUrl !== null && typeof avatarUrl !== 'string') throw new RequestError(ErrorCode.BadRequest, 'avatarUrl must be a string or null');
      return [200, { user: await admin.upsertUser(params[0], { name, avatarUrl: avatarUrl ?? null, data: data ?? null }) }];
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^users/${SEGMENT}/tokens$`),
    run: async (admin, { body, params }) => {
      const { ttlSeconds } = body;
      if (ttlSeconds !== undefined && typeof ttlSeconds !== 'number') throw new RequestError(ErrorCode.BadRequest, 'ttlSeconds must be a number');
      return [201, await admin.mintToken(params[0], { ttlSeconds })];
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^users/${SEGMENT}/revoke$`),
    run: async (admin, { params }) => {
      await admin.revokeSessions(params[0]);
      return [204, null];
    },
  },
  {
    method: 'POST',
    pattern: /^rooms$/,
    run: async (admin, { body }) => [201, await admin.createRoom(body as AdminRoomInput)],
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`^rooms/${SEGMENT}$`),
    run: async (admin, { body, params }) => [200, await admin.updateRoom(params[0], body)],
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^rooms/${SEGMENT}/members/${SEGMENT}$`),
    run: async (admin, { body, params }) => {
      const { member, added } = await admin.putMember(params[0], params[1], body);
      return [added ? 201 : 200, { member }];
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^rooms/${SEGMENT}/messages$`),
    run: async (admin, { body, params }) => {
      const { message, duplicate } = await admin.postMessage(params[0], body as AdminMessageInput);
      return [duplicate ? 200 : 201, { message }];
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^rooms/${SEGMENT}/messages$`),
    run: async (admin, { params, query }) => [200, await admin.history(params[0], { before: integerParam(query, 'before'), limit: integerParam(query, 'limit') })],
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^rooms/${SEGMENT}/members/${SEGMENT}$`),
    run: async (admin, { params }) => {
      await admin.removeMember(params[0], params[1]);
      return [204, null];
    },
  },
];

/** Answers a request under {@link ADMIN_PREFIX}. */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  admin: () => AdminApi,
  keys: readonly string[],
  draining: boolean,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  if (keys.length === 0) return sendError(res, 404, ErrorCode.NotFound, 'the admin API is off: set adminKeys (PARLEY_ADMIN_KEY) to serve it');
  // Browsers must never reach it: a preflight is refused outright (and nothing here sends CORS headers).
  if (req.method === 'OPTIONS') return sendError(res, 403, ErrorCode.Forbidden, 'the admin API is not for browsers');
  if (!hasAdminKey(req, keys)) {
    return sendError(res, 401, ErrorCode.AuthFailed, 'the admin API needs Authorization: Bearer <admin key>', { 'WWW-Authenticate': 'Bearer' });
  }
  if (draining) return sendError(res, 503, ErrorCode.Unavailable, 'the server is shutting down', { 'Retry-After': '5' });
  const rest = path.slice(ADMIN_PREFIX.length);
  const matching = ROUTES.filter((route) => route.pattern.test(rest));
  if (matching.length === 0) return sendError(res, 404, ErrorCode.NotFound, 'no such admin route');
  const route = matching.find((candidate) => candidate.method === req.method);
  if (!route) {
    const allow = matching.map((candidate) => candidate.method).join(', ');
    return sendError(res, 405, ErrorCode.BadRequest, `use ${allow}`, { Allow: allow });
  }
  const params = (route.pattern.exec(rest) ?? []).slice(1).map(decodeSegment);
  if (params.some((param) => param === null)) return sendError(res, 400, ErrorCode.BadRequest, 'malformed path segment');
  try {
    const body = route.method === 'GET' || route.method === 'DELETE' ? {} : await readJsonObject(req);
    const [status, answer] = await route.run(admin(), { body, params: params as string[], query });
    if (answer === null) {
      res.writeHead(status, { 'Cache-Control': 'no-store', 'Content-Length': '0' });
      res.end();
      return;
    }
    sendJson(res, status, answer);
  } catch (error) {
    const known = toRequestError(error);
    if (!known) throw error;
    sendError(res, STATUS[known.code] ?? 400, known.code, known.message);
  }
}

/** An integer query parameter; absent gives undefined, anything but digits is `bad_request`. */
function integerParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new RequestError(ErrorCode.BadRequest, `${name} must be a non-negative integer`);
  return Number(raw);
}

/** The request body as a JSON object (an empty body is `{}`). */
async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readSmallBody(req, MAX_ADMIN_BODY_BYTES);
  if (!raw) throw new RequestError(ErrorCode.PayloadTooLarge, `the body exceeds ${MAX_ADMIN_BODY_BYTES} bytes`);
  if (raw.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new RequestError(ErrorCode.BadRequest, 'the body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RequestError(ErrorCode.BadRequest, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
