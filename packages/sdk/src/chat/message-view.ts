/**
 * Builds the messages a room shows: committed messages with our queued
 * edits, deletes and reactions applied, each with its delivery status, then
 * the sends still queued. Unchanged messages keep their object identity
 * between builds so UIs can skip re-rendering them.
 */
import { requestError } from '../errors.js';
import type { OthersMarkers } from '../managers/read-state.js';
import type { OutboxEntry, SendEntry } from '../offline/types.js';
import type { ErrorCode } from '../protocol/codes.js';
import type { Message } from '../protocol/model.js';
import type { LocalMessage, MessageStatus } from './chat-state.js';

/** Inputs of one build. */
export interface ViewInput {
  messages: readonly Message[];
  /** This room's outbox entries, in order. */
  entries: readonly OutboxEntry[];
  me: string;
  markers: OthersMarkers;
  /** The server id of our message sent with `clientId`, if it is loaded. */
  committedId(clientId: string): string | undefined;
}

type ChangeEntry = Extract<OutboxEntry, { target: unknown }>;

interface Cached {
  source: Message | SendEntry;
  status: MessageStatus;
  changes: readonly ChangeEntry[];
  view: LocalMessage;
}

const NO_CHANGES: readonly ChangeEntry[] = [];

function sameChanges(a: readonly ChangeEntry[], b: readonly ChangeEntry[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry === b[i]);
}

/** Applies queued changes to a message, as the server will once they are sent. */
export function applyChanges(message: Message, changes: readonly ChangeEntry[], me: string): Message {
  let out = message;
  for (const change of changes) {
    if (change.kind === 'edit') out = { ...out, text: change.text, editedAt: change.createdAt };
    else if (change.kind === 'delete') out = { ...out, text: '', attachments: [], deletedAt: change.createdAt };
    else {
      const users = out.reactions[change.emoji] ?? [];
      if (change.on === users.includes(me)) continue;
      const reactions = { ...out.reactions };
      const next = change.on ? [...users, me] : users.filter((u) => u !== me);
      if (next.length) reactions[change.emoji] = next;
      else delete reactions[change.emoji];
      out = { ...out, reactions };
    }
  }
  return out;
}

/** A queued send as a message. */
function pendingMessage(entry: SendEntry, me: string): Message {
  return {
    id: entry.clientId,
    room: entry.room,
    seq: 0,
    rev: 0,
    sender: me,
    clientId: entry.clientId,
    kind: 'user',
    text: entry.text,
    createdAt: entry.createdAt,
    editedAt: null,
    deletedAt: null,
    parentId: entry.parentId,
    replyCount: 0,
    mentions: [],
    reactions: {},
    attachments: entry.attachments,
    system: null,
    flagged: false,
  };
}

/** Per-room builder with an identity-preserving cache. */
export class MessageView {
  private cache = new Map<string, Cached>();

  /** Builds the list; see the module comment. */
  build(input: ViewInput): LocalMessage[] {
    const { me, markers } = input;
    const changes = new Map<string, ChangeEntry[]>();
    for (const entry of input.entries) {
      if (!('target' in entry) || entry.status !== 'pending') continue;
      const key =
        entry.target.messageId ??
        (entry.target.clientId !== null ? (input.committedId(entry.target.clientId) ?? entry.target.clientId) : '');
      const list = changes.get(key);
      if (list) list.push(entry);
      else changes.set(key, [entry]);
    }
    const next = new Map<string, Cached>();
    const out: LocalMessage[] = [];
    const add = (key: string, source: Message | SendEntry, status: MessageStatus, base: () => Message): void => {
      const own = changes.get(key) ?? NO_CHANGES;
      const old = this.cache.get(key);
      let item: Cached;
      if (old && old.source === source && old.status === status && sameChanges(old.changes, own)) item = old;
      else {
        const view: LocalMessage = { ...applyChanges(base(), own, me), status };
        if (status === 'failed' && 'error' in source && source.error) {
          view.error = requestError(source.error.code as ErrorCode, source.error.message);
        }
        item = { source, status, changes: own, view };
      }
      next.set(key, item);
      out.push(item.view);
    };
    for (const message of input.messages) {
      let status: MessageStatus = 'sent';
      if (message.sender === me && message.kind === 'user') {
        if (markers.read >= message.seq) status = 'read';
        else if (markers.delivered >= message.seq) status = 'delivered';
      }
      add(message.id, message, status, () => message);
    }
    for (const entry of input.entries) {
      if (entry.kind !== 'send' || input.committedId(entry.clientId) !== undefined) continue;
      add(entry.clientId, entry, entry.status === 'failed' ? 'failed' : 'pending', () => pendingMessage(entry, me));
    }
    this.cache = next;
    return out;
  }
}
