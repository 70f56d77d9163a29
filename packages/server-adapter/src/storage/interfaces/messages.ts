/** Messages of a room: appending, changing and reading them, idempotent by (user, clientId). */
import type { Message, MessageEdit } from '@parley/sdk/protocol';

/** A system message to store alongside a change. */
export interface SystemMessageInput {
  event: NonNullable<Message['system']>['event'];
  actor: string;
  target?: string | null;
  name?: string | null;
}

/** Result of a change that may have appended a system message. */
export interface WithSystemMessage {
  systemMessage: Message | null;
}

/** A user message to append; see {@link MessageStore.appendMessage}. */
export interface AppendMessageInput {
  id: string;
  room: string;
  sender: string;
  clientId: string;
  text: string;
  parentId: string | null;
  mentions: string[];
  /** Attachment ids already validated as uploaded by `sender` for `room` and not yet used. */
  attachmentIds: string[];
  flagged: boolean;
  now: number;
  /** Custom JSON (already checked against `CUSTOM_DATA_LIMITS`); absent or null for none. */
  data?: unknown;
  /** A system `notice` with text (posted by the host's backend) rather than a user message. */
  notice?: boolean;
}

/** What {@link MessageStore.appendMessage} answers. */
export interface AppendResult {
  message: Message;
  /** True when (sender, clientId) was already committed: `message` is the original. */
  duplicate: boolean;
  /** The parent after its reply count changed (new replies only), so it can be fanned out. */
  parent: Message | null;
}

/** A mutation of an existing message; idempotent by (user, clientId). */
export type MessageChange =
  | { kind: 'edit'; text: string; mentions: string[] }
  | { kind: 'delete' }
  | { kind: 'react'; emoji: string; on: boolean };

/** What {@link MessageStore.changeMessage} answers. */
export interface ChangeResult {
  message: Message;
  duplicate: boolean;
}

/** What a (user, clientId) pair was committed for. */
export interface ClientOperation {
  op: 'send' | MessageChange['kind'];
  messageId: string;
}

/** The messages of rooms: each room's `seq` and `rev` are assigned here. */
export interface MessageStore {
  /** Appends a user message: next seq and rev, binds attachments, bumps the parent's reply count. */
  appendMessage(input: AppendMessageInput): Promise<AppendResult>;
  /**
   * The operation `user` already committed with `clientId`, or null: a retry
   * is recognised before checks that the original no longer has to pass
   * (the message was deleted since, the user was muted).
   */
  clientOperation(user: string, clientId: string): Promise<ClientOperation | null>;
  /**
   * Applies an edit (keeping the old text in the edit history), a delete or a
   * reaction. A delete leaves a tombstone (same id and seq) and erases the
   * rest: text, mentions, edit history, reactions, search entry and
   * attachments (their keys are queued, see `AttachmentStore.pendingBlobErasures`).
   */
  changeMessage(
    messageId: string,
    user: string,
    clientId: string,
    change: MessageChange,
    now: number,
  ): Promise<ChangeResult>;
  getMessage(id: string): Promise<Message | null>;
  /** Up to `limit` messages with `seq < before` (all when absent), returned oldest first. */
  history(room: string, before: number | null, limit: number): Promise<{ messages: Message[]; hasMore: boolean }>;
  /** Replies to `parentId` with `seq > after`, oldest first. */
  thread(parentId: string, after: number, limit: number): Promise<{ replies: Message[]; hasMore: boolean }>;
  /** Messages with `rev > sinceRev`, in rev order. */
  changesSince(room: string, sinceRev: number, limit: number): Promise<{ messages: Message[]; more: boolean }>;
  /** Earlier versions of an edited message, oldest first. */
  edits(messageId: string): Promise<MessageEdit[]>;
}
