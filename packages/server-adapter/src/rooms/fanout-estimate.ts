/**
 * What a change will send to its room, estimated before it is committed (the
 * fan-out budget is reserved with it, then settled to the real bytes). The
 * numbers a commit assigns (seq, rev) are taken at their widest.
 */
import type { Message } from '@parley/sdk/protocol';
import { eventBytes } from '../quotas/fanout-budget.js';

const WIDEST = Number.MAX_SAFE_INTEGER;

/** The `message` event of a new message, without its mentions and attachments (they are known only later). */
export function sendEstimate(input: {
  id: string;
  room: string;
  sender: string;
  clientId: string;
  text: string;
  parentId: string | null;
  now: number;
}): number {
  const message: Message = {
    id: input.id,
    room: input.room,
    seq: WIDEST,
    rev: WIDEST,
    sender: input.sender,
    clientId: input.clientId,
    kind: 'user',
    text: input.text,
    createdAt: input.now,
    editedAt: null,
    deletedAt: null,
    parentId: input.parentId,
    replyCount: 0,
    mentions: [],
    reactions: {},
    attachments: [],
    system: null,
    flagged: false,
  };
  return eventBytes({ type: 'message', message });
}

/** The `message.updated` event of `message` once `patch` is applied. */
export function updateEstimate(message: Message, patch: Partial<Message>): number {
  return eventBytes({ type: 'message.updated', message: { ...message, ...patch, rev: WIDEST } });
}
