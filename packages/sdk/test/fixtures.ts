/** Plain data for unit tests that need no server. */
import type { Message } from '../src/protocol/model.js';

/** A user message as the server would send it: id `m<seq>`, room `r`, sender `ada` unless overridden. */
export function fakeMessage(seq: number, rev = seq, extra: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    room: 'r',
    seq,
    rev,
    sender: 'ada',
    clientId: `c${seq}`,
    kind: 'user',
    text: `text ${seq}`,
    createdAt: seq,
    editedAt: null,
    deletedAt: null,
    parentId: null,
    replyCount: 0,
    mentions: [],
    reactions: {},
    attachments: [],
    system: null,
    flagged: false,
    ...extra,
  };
}
