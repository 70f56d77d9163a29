/**
 * The workspace endpoint: the y-websocket protocol (sync, awareness, auth
 * messages of y-protocols) on the same server and port as the chat socket.
 * Only the names and numbers live here; the encoding is y-protocols' own.
 */

/** Path prefix of workspace sockets: `ws(s)://<host>/v1/yjs/<roomId>`. */
export const WORKSPACE_PATH = '/v1/yjs';

/**
 * WebSocket subprotocol a Parley client offers. The server selects it, and
 * only then sends {@link WorkspaceMessage.Ack} messages, which a stock
 * y-websocket client would not understand.
 */
export const WORKSPACE_SUBPROTOCOL = 'parley.yjs.v1';

/**
 * Prefix of the subprotocol that carries the token:
 * `parley.token.<JWT>` (a JWT is base64url and dots, all valid in a
 * subprotocol name). Unlike a `?token=` query parameter it never ends up in
 * URLs, logs or the provider's console warnings. Plain y-websocket clients
 * may pass `?token=` instead.
 */
export const WORKSPACE_TOKEN_PREFIX = 'parley.token.';

/** Message types on a workspace socket: the first varUint of every binary message. */
export const WorkspaceMessage = {
  /** y-protocols sync: step 1 (state vector), step 2 (missing updates), update. */
  Sync: 0,
  /** y-protocols awareness update. */
  Awareness: 1,
  /** y-protocols auth; the server sends `permission denied` once to read-only members. */
  Auth: 2,
  /** Ask for every awareness state. */
  QueryAwareness: 3,
  /**
   * Parley extension, server to client, only with {@link WORKSPACE_SUBPROTOCOL}:
   * followed by a varUint `n`, it says the first `n` sync step 2 and update
   * messages this socket sent have been handled — durably stored (or, from a
   * read-only member, refused). The SDK derives "pending" from it.
   */
  Ack: 100,
} as const;
export type WorkspaceMessage = (typeof WorkspaceMessage)[keyof typeof WorkspaceMessage];

/** Longest task text the SDK's task helpers accept (UTF-16 code units); longer fails with `text_too_long`. */
export const MAX_TASK_TEXT = 1000;

/** The reason text of the y-protocols `permission denied` message sent to read-only members. */
export const READ_ONLY_REASON = 'read-only';

/** Cursor and avatar colours, distinct on light and dark backgrounds. */
export const USER_COLORS: readonly string[] = Object.freeze([
  '#d1495b',
  '#edae49',
  '#00798c',
  '#30638e',
  '#6a4c93',
  '#2a9d8f',
  '#e76f51',
  '#8ab17d',
  '#b5179e',
  '#3a86ff',
  '#c05f2c',
  '#5f7a00',
]);

/**
 * The stable colour of a user in a workspace (their cursor, their avatar):
 * the same id gets the same colour on every device, without coordination.
 */
export function userColor(userId: string): string {
  // FNV-1a over UTF-16 code units: tiny, and spreads similar ids apart.
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return USER_COLORS[(hash >>> 0) % USER_COLORS.length];
}

/** What every awareness state's `user` field holds; the server overwrites `id` and `name` from the token. */
export interface AwarenessUser {
  id: string;
  name: string;
  /** `#rrggbb`; {@link userColor} unless the client chose another. */
  color: string;
}
