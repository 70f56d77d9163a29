/**
 * What a change will send to its room, estimated before it is committed (the
 * fan-out budget is reserved with it, then settled to the real bytes). The
 * numbers a commit assigns (seq, rev) are taken at their widest, so the
 * estimate is never below the event that goes out.
 */
import type { AttachmentInfo, Message } from '@parley/sdk/protocol';
import { eventBytes } from '../quotas/fanout-budget.js';

const WIDEST = Number.MAX_SAFE_INTEGER;

/** The `message` event of a new message. */
export function sendEstimate(input: {
  id: string;
  room: string;
  sender: string;
  clientId: string;
  text: string;
  parentId: string | null;
  mentions: string[];
  attachments: AttachmentInfo[];
  flagged: boolean;
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
    mentions: input.mentions,
    reactions: {},
    attachments: input.attachments,
    system: null,
    flagged: input.flagged,
  };
  return eventBytes({ type: 'message', message });
}

/** The `message.updated` event of `message` once `patch` is applied. */
export function updateEstimate(message: Message, patch: Partial<Message>): number {
  return eventBytes({ type: 'message.updated', message: { ...message, ...patch, rev: WIDEST } });
}
