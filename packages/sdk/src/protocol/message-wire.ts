/**
 * The compact wire form of `message` and `message.updated` events: fields
 * that hold their default value are left out, so a plain new message costs
 * about half the bytes on every socket it fans out to. Decoding fills the
 * defaults back in and accepts the full form too, so old and new servers and
 * clients understand each other.
 */
import type { EventFrame } from './frames.js';
import type { Message } from './model.js';

/** A message as it travels in events: the fields below may be absent when they hold their default. */
export type WireMessage = Omit<Message, MessageDefaultField> & Partial<Pick<Message, MessageDefaultField>>;

/** Fields omitted when they equal their default. */
type MessageDefaultField =
  | 'clientId'
  | 'kind'
  | 'editedAt'
  | 'deletedAt'
  | 'parentId'
  | 'replyCount'
  | 'mentions'
  | 'reactions'
  | 'attachments'
  | 'system'
  | 'flagged';

/** Drops default-valued fields from `message`; the result decodes back to an equal message with `expandMessage`. */
export function compactMessage(message: Message): WireMessage {
  const wire: WireMessage = {
    id: message.id,
    room: message.room,
    seq: message.seq,
    rev: message.rev,
    sender: message.sender,
    text: message.text,
    createdAt: message.createdAt,
  };
  if (message.clientId !== null) wire.clientId = message.clientId;
  if (message.kind !== 'user') wire.kind = message.kind;
  if (message.editedAt !== null) wire.editedAt = message.editedAt;
  if (message.deletedAt !== null) wire.deletedAt = message.deletedAt;
  if (message.parentId !== null) wire.parentId = message.parentId;
  if (message.replyCount !== 0) wire.replyCount = message.replyCount;
  if (message.mentions.length > 0) wire.mentions = message.mentions;
  if (hasKeys(message.reactions)) wire.reactions = message.reactions;
  if (message.attachments.length > 0) wire.attachments = message.attachments;
  if (message.system !== null) wire.system = message.system;
  if (message.flagged) wire.flagged = true;
  if (message.data !== undefined) wire.data = message.data;
  return wire;
}

/** A full message from its compact or full wire form (fresh arrays and objects for absent fields). */
export function expandMessage(wire: WireMessage): Message {
  return {
    id: wire.id,
    room: wire.room,
    seq: wire.seq,
    rev: wire.rev,
    sender: wire.sender,
    clientId: wire.clientId ?? null,
    kind: wire.kind ?? 'user',
    text: wire.text,
    createdAt: wire.createdAt,
    editedAt: wire.editedAt ?? null,
    deletedAt: wire.deletedAt ?? null,
    parentId: wire.parentId ?? null,
    replyCount: wire.replyCount ?? 0,
    mentions: wire.mentions ?? [],
    reactions: wire.reactions ?? {},
    attachments: wire.attachments ?? [],
    system: wire.system ?? null,
    flagged: wire.flagged ?? false,
    ...(wire.data === undefined ? {} : { data: wire.data }),
  };
}

/** Encodes a server event as JSON, with `message` and `message.updated` in the compact form. */
export function encodeEvent(event: EventFrame): string {
  if (event.type === 'message' || event.type === 'message.updated') {
    return JSON.stringify({ type: event.type, message: compactMessage(event.message) });
  }
  return JSON.stringify(event);
}

/** Restores the full form of a decoded event's message (other events are returned as they are). */
export function expandEvent<T extends { type: string }>(frame: T): T {
  if ((frame.type === 'message' || frame.type === 'message.updated') && isObject((frame as { message?: unknown }).message)) {
    const event = frame as unknown as { type: string; message: WireMessage };
    return { ...frame, message: expandMessage(event.message) };
  }
  return frame;
}

function hasKeys(record: Record<string, unknown>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
