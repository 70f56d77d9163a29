/**
 * Schemas of the admin operations' input (valibot, as the socket's frames),
 * with the same bounds as the matching client requests.
 */
import * as v from 'valibot';
import { ErrorCode, ROLES, cleanName, wellFormed } from '@parley/sdk/protocol';
import { RequestError } from '../errors.js';
import { MAX_NAME_LENGTH, MAX_USER_ID_LENGTH } from '../rooms/custom-data.js';

/** Rooms a host may create (direct rooms are opened by their two users). */
export const ADMIN_ROOM_KINDS = ['group', 'public', 'broadcast', 'workspace'] as const;
/** Members listed in one room creation. */
export const MAX_MEMBERS_PER_ADMIN_CREATE = 1000;
const MAX_TOPIC = 1000;
/** Readable room ids, as `room.create` accepts them. */
const ROOM_SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const userId = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_USER_ID_LENGTH));
const role = v.picklist(ROLES as ['owner', 'admin', 'moderator', 'member']);
const roomName = v.pipe(v.string(), v.transform(cleanName), v.minLength(1, 'a name needs at least one visible character'), v.maxLength(MAX_NAME_LENGTH));
const topic = v.pipe(v.string(), v.maxLength(MAX_TOPIC), v.transform(wellFormed));
const retention = v.strictObject({
  maxAgeMs: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(60_000))),
  maxMessages: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

/** `POST /v1/admin/rooms`. */
export const CreateRoomSchema = v.strictObject({
  id: v.optional(v.pipe(v.string(), v.regex(ROOM_SLUG, 'a room id is 1–64 of a-z, 0-9, _ and -, starting with a letter or digit'))),
  kind: v.picklist(ADMIN_ROOM_KINDS),
  name: roomName,
  topic: v.optional(topic),
  members: v.pipe(
    v.array(v.strictObject({ user: userId, role: v.optional(role) })),
    v.minLength(1, 'a room needs at least one member'),
    v.maxLength(MAX_MEMBERS_PER_ADMIN_CREATE),
  ),
  data: v.optional(v.unknown()),
  actor: v.optional(userId),
});

/** `PATCH /v1/admin/rooms/{id}`. */
export const UpdateRoomSchema = v.strictObject({
  name: v.optional(roomName),
  topic: v.optional(topic),
  retention: v.optional(retention),
  data: v.optional(v.unknown()),
  actor: v.optional(userId),
});

/** `PUT /v1/admin/rooms/{id}/members/{user}`. */
export const PutMemberSchema = v.strictObject({ role: v.optional(role) });

/** Parses `input` with `schema`, or throws `bad_request` naming the first problem (or saying `hint` when no field is to blame). */
export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown, hint?: string): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  throw new RequestError(ErrorCode.BadRequest, path ? `${path}: ${issue.message}` : (hint ?? issue.message));
}

const clientIdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(128));

/** `POST /v1/admin/rooms/{id}/messages`: `from: { user }` or `system: true`, exactly one. */
export const PostMessageSchema = v.union([
  v.strictObject({
    from: v.strictObject({ user: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_USER_ID_LENGTH)) }),
    text: v.optional(v.string(), ''),
    data: v.optional(v.unknown()),
    clientId: clientIdSchema,
  }),
  v.strictObject({
    system: v.literal(true),
    text: v.optional(v.string(), ''),
    data: v.optional(v.unknown()),
    clientId: clientIdSchema,
  }),
]);
