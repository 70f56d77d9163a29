/**
 * valibot schemas for every client frame. The server validates each inbound
 * frame with {@link parseClientFrame} before acting on it. Kept apart from the
 * rest of the protocol module so browser bundles need not carry valibot.
 */
import * as v from 'valibot';
import { callRequestSchemas } from './call-schemas.js';
import { PROTOCOL_VERSION } from './frames.js';
import type { ClientFrame } from './frames.js';
import { ROLES, ROOM_KINDS } from './model.js';
import { cleanName, wellFormed } from './text.js';

const MAX_ID = 128;
const MAX_NAME = 200;
const MAX_TOPIC = 1000;
/** Emoji and short `:shortcode:` names; a reaction is never free text. */
const MAX_EMOJI = 64;
/** Generous bound for the schema; the configured text limit is checked separately with its own error code. */
const MAX_TEXT_SCHEMA = 1_000_000;

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_ID));
const requestId = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const limit = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)));
/** Readable room ids chosen by clients; generated ids start with `r_` and use other characters. */
const ROOM_SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const roomName = v.pipe(v.string(), v.transform(cleanName), v.minLength(1, 'a name needs at least one visible character'), v.maxLength(MAX_NAME));
/** Message text: kept as written, made well-formed (what is acknowledged is what is stored). */
const messageText = v.pipe(v.string(), v.maxLength(MAX_TEXT_SCHEMA), v.transform(wellFormed));
const topic = v.pipe(v.string(), v.maxLength(MAX_TOPIC), v.transform(wellFormed));

function req<T extends string, E extends v.ObjectEntries>(type: T, entries: E) {
  return v.strictObject({ type: v.literal(type), id: requestId, ...entries });
}

const retention = v.strictObject({
  maxAgeMs: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(60_000))),
  maxMessages: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

export const AuthFrameSchema = v.strictObject({
  type: v.literal('auth'),
  id: requestId,
  v: v.pipe(v.number(), v.integer()),
  token: v.pipe(v.string(), v.minLength(1), v.maxLength(16_384)),
});

const requestSchemas = [
  req('ping', {}),
  req('sync', {
    rooms: v.pipe(
      v.array(v.strictObject({ room: id, seq, rev: seq })),
      v.maxLength(1000),
    ),
  }),
  req('rooms.list', {}),
  req('rooms.discover', { query: v.optional(v.pipe(v.string(), v.maxLength(MAX_NAME))), limit }),
  req('room.create', {
    room: v.optional(v.pipe(v.string(), v.regex(ROOM_SLUG, 'a room id is 1–64 of a-z, 0-9, _ and -, starting with a letter or digit'))),
    kind: v.picklist(ROOM_KINDS.filter((k) => k !== 'direct') as ['group', 'public', 'broadcast', 'workspace']),
    name: roomName,
    topic: v.optional(topic),
    members: v.optional(v.pipe(v.array(id), v.maxLength(1000))),
  }),
  req('room.direct', { user: id }),
  req('room.get', { room: id }),
  req('room.members', { room: id }),
  req('room.join', { room: id }),
  req('room.leave', { room: id }),
  req('room.invite', { room: id, user: id }),
  req('invitations.list', {}),
  req('room.accept', { room: id }),
  req('room.decline', { room: id }),
  req('room.kick', { room: id, user: id }),
  req('room.ban', { room: id, user: id }),
  req('room.unban', { room: id, user: id }),
  req('room.mute', {
    room: id,
    user: id,
    durationMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1_000), v.maxValue(365 * 24 * 3600_000))),
  }),
  req('room.unmute', { room: id, user: id }),
  req('room.setRole', { room: id, user: id, role: v.picklist(ROLES.filter((r) => r !== 'owner') as ['admin', 'moderator', 'member']) }),
  req('room.update', {
    room: id,
    name: v.optional(roomName),
    topic: v.optional(topic),
    retention: v.optional(retention),
  }),
  req('user.block', { user: id }),
  req('user.unblock', { user: id }),
  req('message.send', {
    room: id,
    clientId: id,
    text: messageText,
    parentId: v.optional(id),
    attachments: v.optional(v.pipe(v.array(id), v.maxLength(100))),
    /** Custom JSON; its size and depth are checked against `CUSTOM_DATA_LIMITS` by the server. */
    data: v.optional(v.unknown()),
  }),
  req('message.edit', { messageId: id, clientId: id, text: messageText }),
  req('message.delete', { messageId: id, clientId: id }),
  req('message.react', {
    messageId: id,
    clientId: id,
    emoji: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_EMOJI)),
    on: v.boolean(),
  }),
  req('message.history', { room: id, before: v.optional(seq), limit }),
  req('message.thread', { messageId: id, after: v.optional(seq), limit }),
  req('message.edits', { messageId: id }),
  req('search', { query: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(500)), room: v.optional(id), limit }),
  req('receipt', { room: id, delivered: v.optional(seq), read: v.optional(seq) }),
  req('typing', { room: id, typing: v.boolean() }),
  req('presence.set', { status: v.picklist(['online', 'away']) }),
  req('presence.get', { users: v.pipe(v.array(id), v.maxLength(1000)) }),
  req('attachment.url', { attachmentId: id }),
  ...callRequestSchemas,
] as const;

/** Any request frame (everything but `auth`). */
export const RequestFrameSchema = v.variant('type', requestSchemas);

/** Any frame a client may send; one variant so errors name the offending field. */
export const ClientFrameSchema = v.variant('type', [AuthFrameSchema, ...requestSchemas]);

/** The outcome of validating one inbound frame. */
export type ParsedFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id: number | undefined; message: string };

/**
 * Parses and validates a raw text frame. Never throws: bad JSON, unknown
 * types and wrong shapes come back as `{ ok: false }` with a readable message
 * and, when recoverable, the request id so the error can answer it.
 */
export function parseClientFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, id: undefined, message: 'frame is not valid JSON' };
  }
  const rid =
    typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'number'
      ? ((value as { id: number }).id)
      : undefined;
  const result = v.safeParse(ClientFrameSchema, value);
  if (!result.success) {
    const issue = result.issues[0];
    if (issue.path?.length === 1 && issue.path[0].key === 'type') {
      return { ok: false, id: rid, message: `unknown frame type ${JSON.stringify(issue.input) ?? 'undefined'}` };
    }
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    return { ok: false, id: rid, message: path ? `${path}: ${issue.message}` : issue.message };
  }
  return { ok: true, frame: result.output as ClientFrame };
}

export { PROTOCOL_VERSION };
