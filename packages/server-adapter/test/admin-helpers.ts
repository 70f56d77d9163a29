/** Calling the admin REST API of a test server. */
import type { TestServer } from './helpers.js';

/** The admin key test servers are given. */
export const KEY = 'admin-key-current-0123456789abcdef';
/** A second key, as during a rotation. */
export const OLD_KEY = 'admin-key-previous-0123456789abcde';

/** An admin API answer, its JSON body parsed. */
export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Calls the admin API of `ts` with `key` (null: no Authorization header). */
export async function call(ts: TestServer, method: string, path: string, body?: unknown, key: string | null = KEY, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${ts.url}/v1/admin/${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { Authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

/** The `error.code` of an answer. */
export function errorCode(answer: Answer): string | undefined {
  return (answer.body as { error?: { code?: string } } | null)?.error?.code;
}
