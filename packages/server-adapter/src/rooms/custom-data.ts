/**
 * Checks of custom content from clients and the host's backend: custom JSON
 * within `CUSTOM_DATA_LIMITS`, avatar URLs, user ids and names. Each returns
 * the reason a value is refused, or null when it is fine.
 */
import { CUSTOM_DATA_LIMITS } from '@parley/sdk/protocol';

/** Longest user id (as in tokens' `sub`). */
export const MAX_USER_ID_LENGTH = 128;
/** Longest display name (as in tokens' `name`). */
export const MAX_NAME_LENGTH = 200;

/** Why `value` is not acceptable custom data (JSON within the size and depth limits), or null. */
export function customDataProblem(value: unknown): string | null {
  const { maxDataBytes, maxDataDepth } = CUSTOM_DATA_LIMITS;
  if (depthOf(value, maxDataDepth + 1) > maxDataDepth) return `data nests deeper than ${maxDataDepth} levels`;
  if (Buffer.byteLength(JSON.stringify(value)) > maxDataBytes) return `data exceeds ${maxDataBytes} bytes of JSON`;
  return null;
}

/** Nesting depth of a parsed JSON value, counted no further than `stop`. */
function depthOf(value: unknown, stop: number): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (stop === 0) return 1;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, stop - 1));
  return deepest + 1;
}

/** Why `value` is not a usable avatar URL (absolute `https:`/`http:`, bounded), or null. */
export function avatarUrlProblem(value: unknown): string | null {
  const max = CUSTOM_DATA_LIMITS.maxAvatarUrlLength;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) return `avatarUrl must be a URL of 1 to ${max} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'avatarUrl is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'avatarUrl must be an https: or http: URL';
  return null;
}

/** Why `value` is not a user id, or null. */
export function userIdProblem(value: string): string | null {
  if (value.length === 0 || value.length > MAX_USER_ID_LENGTH) return `a user id has 1 to ${MAX_USER_ID_LENGTH} characters`;
  return null;
}
