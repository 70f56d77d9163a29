/**
 * A handle on one room (`client.room(id)`): its state slice and every
 * operation on it. Mutations of messages go through the outbox, so they work
 * offline and show at once; member management needs the connection.
 */
import { ErrorCode } from '../protocol/codes.js';
import { requestError } from '../errors.js';
import type { Outbox } from '../managers/outbox.js';
import type { TypingManager } from '../managers/typing.js';
import type { MessageTarget } from '../offline/types.js';
import type { RequestArgs, RequestResult, RequestType } from '../protocol/frames.js';
import type { Limits } from '../protocol/limits.js';
import type { AttachmentInfo, InvitationInfo, MemberInfo, Message, MessageEdit, Retention, Role } from '../protocol/model.js';
import type { ReadableStore, SliceListener } from '../store/store.js';
import type { RoomRegistry } from './room-registry.js';
import type { LocalMessage, RoomState, RoomsSlice } from './chat-state.js';

/** What a room handle needs from its client. */
export interface RoomHost {
  me(): string;
  readonly store: ReadableStore<RoomsSlice>;
  readonly outbox: Outbox;
  readonly registry: RoomRegistry;
  readonly typing: TypingManager;
  /** Limits announced by the server, or null before the first connection. */
  limits(): Limits | null;
  request<T extends RequestType>(type: T, args: RequestArgs<T>): Promise<RequestResult<T>>;
  /** Runs `fn` and publishes the resulting state at once. */
  mutate<T>(fn: () => T): T;
  /** Resolves once every change so far is visible in the store. */
  settled(): Promise<void>;
}

/** Options of {@link Room.send}. */
/** What `room.invite()` did: added the user at once, or invited them to accept. */
export interface InviteResult {
  member: MemberInfo | null;
  invitation: InvitationInfo | null;
}

export interface SendOptions {
  /** Reply in the thread of this message. */
  parentId?: string;
  /** Files uploaded with `client.upload()`. */
  attachments?: AttachmentInfo[];
  /** Custom JSON carried with the message (within `CUSTOM_DATA_LIMITS`), e.g. for a card the host renders. */
  data?: unknown;
}

/** See the module comment. */
export class Room {
  private loading: Promise<Message[]> | null = null;

  /** @internal Use `client.room(id)`. */
  constructor(
    /** The room id. */
    readonly id: string,
    private readonly host: RoomHost,
  ) {}

  /** The room's current state (undefined until the room is known). */
  get state(): RoomState | undefined {
    return this.host.store.getState().rooms[this.id];
  }

  /** Calls `listener` whenever this room's state changes; returns an unsubscribe function. */
  subscribe(listener: SliceListener<RoomState | undefined>): () => void {
    return this.host.store.subscribe((s) => s.rooms[this.id], listener);
  }

  /**
   * Sends a message. It shows in `state.messages` at once as `pending`, is
   * stored in the outbox, and is sent when connected. Resolves with the
   * committed message; rejects with a typed error if the server refuses it
   * (the message then shows as `failed`: see {@link Room.retry}, {@link Room.discard}).
   */
  async send(text: string, options: SendOptions = {}): Promise<Message> {
    const attachments = options.attachments ?? [];
    if (text.trim() === '' && attachments.length === 0 && options.data === undefined) {
      throw requestError(ErrorCode.BadRequest, 'a message needs text or an attachment');
    }
    const limits = this.host.limits();
    if (limits && text.length > limits.maxTextLength) {
      throw requestError(ErrorCode.TextTooLong, `messages are limited to ${limits.maxTextLength} characters`);
    }
    this.host.typing.setTyping(this.id, false);
    const { done } = this.host.mutate(() => {
      this.host.registry.ensure(this.id);
      return this.host.outbox.add({ kind: 'send', room: this.id, text, parentId: options.parentId ?? null, attachments, data: options.data });
    });
    try {
      return ((await done) as RequestResult<'message.send'>).message;
    } finally {
      // Whatever happened, the store shows it by the time the caller continues.
      await this.host.settled();
    }
  }

  /** Replaces a message's text (a queued message is rewritten before it is sent). */
  async edit(messageId: string, text: string): Promise<void> {
    const limits = this.host.limits();
    if (limits && text.length > limits.maxTextLength) {
      throw requestError(ErrorCode.TextTooLong, `messages are limited to ${limits.maxTextLength} characters`);
    }
    const queued = this.host.outbox.get(messageId);
    if (queued?.kind === 'send' && this.host.mutate(() => this.host.outbox.rewrite(messageId, { text }))) return;
    await this.change({ kind: 'edit', target: this.target(messageId), text });
  }

  /** Deletes a message (leaves a tombstone); a message still queued is simply dropped. */
  async delete(messageId: string): Promise<void> {
    const queued = this.host.outbox.get(messageId);
    if (queued?.kind === 'send' && this.host.mutate(() => this.host.outbox.discard(messageId))) return;
    await this.change({ kind: 'delete', target: this.target(messageId) });
  }

  /** Toggles our reaction `emoji` on a message. */
  async react(messageId: string, emoji: string): Promise<void> {
    const shown = this.find(messageId);
    const on = !(shown?.reactions[emoji] ?? []).includes(this.host.me());
    await this.change({ kind: 'react', target: this.target(messageId), emoji, on });
  }

  /** Marks everything loaded as read (queued in the outbox; unread counts drop at once). */
  markRead(): void {
    const model = this.host.registry.get(this.id);
    if (!model) return;
    const seq = Math.max(model.list.newestSeq() ?? 0, model.cursor.seq, model.info?.lastSeq ?? 0);
    if (seq === 0 || (model.info && model.info.readSeq >= seq)) return;
    this.host.mutate(() => this.host.registry.setRead(this.id, seq, 0));
    this.host.outbox.markRead(this.id, seq).then(
      (result) => {
        const r = result as RequestResult<'receipt'>;
        this.host.mutate(() => this.host.registry.setRead(this.id, r.readSeq, r.unread));
      },
      () => undefined,
    );
  }

  /** Announces that we are typing (call on input) or stopped. Throttled. */
  setTyping(typing: boolean): void {
    this.host.typing.setTyping(this.id, typing);
  }

  /** Loads the page of messages before the oldest loaded one (the newest page when none are loaded). */
  loadOlder(limit = 50): Promise<Message[]> {
    this.loading ??= this.fetchOlder(limit).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** A thread: the parent and its replies (which also merge into the room's messages when in view). */
  async thread(messageId: string, options: { after?: number; limit?: number } = {}): Promise<RequestResult<'message.thread'>> {
    const result = await this.host.request('message.thread', { messageId, ...options });
    this.host.mutate(() => {
      for (const message of [result.parent, ...result.replies]) this.host.registry.applyMessage(message, 'thread');
    });
    return result;
  }

  /** Earlier versions of an edited message. */
  async edits(messageId: string): Promise<MessageEdit[]> {
    return (await this.host.request('message.edits', { messageId })).edits;
  }

  /** Sends a failed message (or change) again. Returns false when there is no such failed entry. */
  retry(clientId: string): boolean {
    return this.host.mutate(() => this.host.outbox.retry(clientId));
  }

  /** Drops a failed or still-queued message (or change). Returns false when it is already in flight. */
  discard(clientId: string): boolean {
    return this.host.mutate(() => this.host.outbox.discard(clientId));
  }

  /** Loads the member list (kept in `state.members` and updated by events). */
  async members(): Promise<readonly MemberInfo[]> {
    const { members } = await this.host.request('room.members', { room: this.id });
    this.host.mutate(() => this.host.registry.setMembers(this.id, members));
    return members;
  }

  /**
   * Adds a user to the room (`member`), or, on a server that asks for
   * consent, invites them (`invitation`): they join when they accept.
   */
  async invite(user: string): Promise<InviteResult> {
    const result = await this.host.request('room.invite', { room: this.id, user });
    if (result.member) return { member: this.memberUpdate({ member: result.member }), invitation: null };
    return { member: null, invitation: result.invitation ?? null };
  }

  /** Removes a user (they may join again if the room allows). */
  async kick(user: string): Promise<void> {
    await this.host.request('room.kick', { room: this.id, user });
  }

  /** Removes a user and keeps them out. */
  async ban(user: string): Promise<void> {
    await this.host.request('room.ban', { room: this.id, user });
  }

  /** Lifts a ban. */
  async unban(user: string): Promise<void> {
    await this.host.request('room.unban', { room: this.id, user });
  }

  /** Stops a user from posting, for `durationMs` or until unmuted. */
  async mute(user: string, durationMs?: number): Promise<MemberInfo> {
    const args = durationMs === undefined ? { room: this.id, user } : { room: this.id, user, durationMs };
    return this.memberUpdate(await this.host.request('room.mute', args));
  }

  /** Lets a muted user post again. */
  async unmute(user: string): Promise<MemberInfo> {
    return this.memberUpdate(await this.host.request('room.unmute', { room: this.id, user }));
  }

  /** Changes a member's role. */
  async setRole(user: string, role: Exclude<Role, 'owner'>): Promise<MemberInfo> {
    return this.memberUpdate(await this.host.request('room.setRole', { room: this.id, user, role }));
  }

  /** Leaves the room; it disappears from `state.rooms`. */
  async leave(): Promise<void> {
    await this.host.request('room.leave', { room: this.id });
    this.host.mutate(() => this.host.registry.remove(this.id, 'left'));
  }

  /** Renames the room, changes its topic or retention. */
  async update(patch: { name?: string; topic?: string; retention?: Retention }): Promise<void> {
    const { room } = await this.host.request('room.update', { room: this.id, ...patch });
    this.host.mutate(() => this.host.registry.setInfo(room));
  }

  private async fetchOlder(limit: number): Promise<Message[]> {
    if (!this.host.registry.get(this.id)?.info) {
      const { room } = await this.host.request('room.get', { room: this.id });
      this.host.mutate(() => this.host.registry.setInfo(room));
    }
    const model = this.host.registry.get(this.id);
    if (!model) return [];
    const before = model.list.oldestSeq() ?? model.cursor.seq + 1;
    if (before - 1 <= (model.info?.floorSeq ?? 0)) return [];
    const { messages } = await this.host.request('message.history', { room: this.id, before, limit });
    this.host.mutate(() => {
      for (const message of messages) this.host.registry.applyMessage(message, 'history');
      this.host.registry.touch(this.id);
    });
    return messages;
  }

  private memberUpdate(result: { member: MemberInfo }): MemberInfo {
    this.host.mutate(() => this.host.registry.memberChanged(this.id, result.member, false));
    return result.member;
  }

  private find(id: string): LocalMessage | undefined {
    return this.state?.messages.find((m) => m.id === id || m.clientId === id);
  }

  /** A message id from the UI: a server id, or the client id of one of our queued sends. */
  private target(id: string): MessageTarget {
    const queued = this.host.outbox.get(id);
    if (queued?.kind === 'send') return { messageId: null, clientId: id };
    const committed = this.host.registry.get(this.id)?.list.idFor(this.host.me(), id);
    return { messageId: committed ?? id, clientId: null };
  }

  private async change(
    init:
      | { kind: 'edit'; target: MessageTarget; text: string }
      | { kind: 'delete'; target: MessageTarget }
      | { kind: 'react'; target: MessageTarget; emoji: string; on: boolean },
  ): Promise<void> {
    const { done } = this.host.mutate(() => {
      this.host.registry.ensure(this.id);
      return this.host.outbox.add({ ...init, room: this.id });
    });
    try {
      await done;
    } finally {
      await this.host.settled();
    }
  }
}
