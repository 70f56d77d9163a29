import type { LocalMessage, MemberInfo, ParleyClient, PresenceStatus, Room } from '@parley/sdk';
import type { ChatRoomStrings } from './chat-room.strings.js';

/**
 * What the parts of `<chat-room>` (message view, composers, thread panel)
 * read from the element and do through it. The element builds one object of
 * this shape around its private state, so none of it becomes public API.
 */
export interface ChatContext {
  /** The element: for events, locale and update requests. */
  readonly host: HTMLElement;
  readonly text: ChatRoomStrings;
  /** The room id. */
  readonly roomId: string;
  readonly room: Room | undefined;
  readonly client: ParleyClient | undefined;
  /** The signed-in user's id ('' before the client knows it). */
  readonly myId: string;
  /** The room's members once loaded (empty before). */
  readonly members: readonly MemberInfo[];
  /** The emoji of the reaction picker. */
  readonly reactions: readonly string[];
  /** Key of the message whose reaction picker is open. */
  readonly pickerFor: string | null;
  /** Key of the message waiting for a delete confirmation. */
  readonly confirmingDelete: string | null;
  nameOf(user: string): string;
  /** A user's presence when heard, else null. */
  presenceOf(user: string): PresenceStatus | null;
  /** A loaded message by id or client id. */
  find(id: string | null): LocalMessage | undefined;
  /** A signed download URL once fetched (null until then). */
  attachmentUrl(id: string): string | null;
  /** Shows a problem in the banner. */
  report(problem: string): void;
  /** A request failed: reports a refusal (and disables the composers for one that makes the room unusable; `forbidden` only when `sending`). */
  fail(error: unknown, sending?: boolean): void;
  /** The room refused us (not a member, no such room, may not post): the composers are disabled. */
  readonly blocked: boolean;
  /** Starts a reply: in the thread panel when `inThread`, else in the main composer. */
  reply(message: LocalMessage, inThread: boolean): void;
  /** Starts editing in the composer of the view the message is in. */
  edit(message: LocalMessage, inThread: boolean): void;
  openThread(message: LocalMessage): void;
  togglePicker(message: LocalMessage): void;
  react(message: LocalMessage, emoji: string): void;
  /** Asks for confirmation before deleting. */
  askDelete(message: LocalMessage): void;
  /** Deletes after confirmation. */
  confirmDelete(message: LocalMessage): void;
  /** Leaves the message as it is. */
  cancelDelete(message: LocalMessage): void;
}
