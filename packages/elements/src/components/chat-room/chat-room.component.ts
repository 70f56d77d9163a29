import { html, nothing } from 'lit';
import type { PropertyValues, TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { createRef, ref } from 'lit/directives/ref.js';
import { repeat } from 'lit/directives/repeat.js';
import { ConnectionError } from '@parley/sdk';
import type { LocalMessage, MemberInfo, ParleyClient, PresenceStatus, Room, RoomState } from '@parley/sdk';
import { failureOf } from '../../base/error-reporter.js';
import type { Failure } from '../../base/error-reporter.js';
import { ParleyElement } from '../../base/parley-element.js';
import { HistoryWindowController } from '../../controllers/history-window-controller.js';
import { StoreController } from '../../controllers/store-controller.js';
import { ParleyMessageDeleteEvent } from '../../events/parley-message-delete.js';
import { ParleyReactionToggleEvent } from '../../events/parley-reaction-toggle.js';
import { ParleyThreadOpenEvent } from '../../events/parley-thread-open.js';
import { elementLocale, formatList, formatNumber } from '../../internal/format.js';
import { safeHref } from '../../internal/inline-markdown.js';
import { mergeStrings } from '../../internal/merge-strings.js';
import { tokens } from '../../styles/tokens.styles.js';
import type { ChatContext } from './chat-context.js';
import { chatRoomStrings } from './chat-room.strings.js';
import type { ChatRoomStrings } from './chat-room.strings.js';
import { styles } from './chat-room.styles.js';
import { ComposerController } from './composer.js';
import { handleOf, keyOf } from './message-keys.js';
import { renderMessage } from './message-view.js';
import { onlineMembers, requestMissingPresence } from './room-presence.js';
import type * as ThreadPanelModule from './thread-panel.js';
import type { ThreadPanel } from './thread-panel.js';

let threadPanelModule: Promise<typeof ThreadPanelModule> | undefined;

/** The thread panel is loaded when a thread is first opened (a separate chunk in the script-tag bundle). */
function loadThreadPanel(): Promise<typeof ThreadPanelModule> {
  return (threadPanelModule ??= import('./thread-panel.js'));
}

/** The emoji offered by the reaction picker unless `reactions` is set. */
export const DEFAULT_REACTIONS: readonly string[] = ['👍', '❤️', '😂', '🎉', '😮', '😢'];

const NO_MEMBERS: readonly MemberInfo[] = [];
/** Refusals after which the room cannot be used: the composer is disabled (`forbidden` only when it refused a send). */
const BLOCKING = ['not_member', 'not_found', 'banned', 'forbidden'];
const NAV_KEYS = ['ArrowUp', 'ArrowDown', 'Home', 'End'];

/**
 * @summary A complete chat for one room: history, composer, replies and
 * threads, reactions, edits, mentions, presence, receipts, typing and
 * offline state.
 *
 * Inside a `<parley-session>` it uses the session's client. Alone, it takes a
 * `client` property, or `server` + `user` with `dev` or a `token`.
 *
 * Stable hooks in the open shadow root: every message is `[part~="message"]`
 * with `data-status` (`pending`, `sent`, `delivered`, `read`, `failed`) and
 * `data-id`, and contains its text; the composer's `<textarea>` is
 * `part="input"`, the send button `part="send"` (the thread panel's are
 * `thread-input` and `thread-send`).
 *
 * Keyboard: arrow keys, Home and End move through messages; Enter sends,
 * Shift+Enter starts a new line, Escape cancels an edit or reply (or closes
 * the mention list, a delete question, the thread panel); ArrowUp in an empty
 * composer edits your last message. Typing `@` offers the room's members:
 * ArrowUp/ArrowDown choose, Enter or Tab insert `@id`.
 *
 * Long rooms are windowed: at most 150 messages are in the DOM, moving as
 * the reader scrolls (see `HistoryWindowController`).
 *
 * @event parley-message-send - The user sends a message ({@link ParleyMessageSendEvent}; cancelable).
 * @event parley-message-edit - The user saves an edit ({@link ParleyMessageEditEvent}; cancelable).
 * @event parley-message-delete - The user confirms deleting a message ({@link ParleyMessageDeleteEvent}; cancelable).
 * @event parley-reaction-toggle - The user toggles a reaction ({@link ParleyReactionToggleEvent}; cancelable).
 * @event parley-thread-open - The user opens a thread ({@link ParleyThreadOpenEvent}; cancelable).
 * @event parley-error - The room cannot be used or the connection fails, and why ({@link ParleyErrorEvent}; cancelable: the host shows it instead of the banner).
 *
 * @slot header - Replaces the room name and topic.
 * @slot header-actions - Extra controls at the end of the header.
 * @slot empty - Shown when the room has no messages.
 *
 * @csspart base - The outer wrapper.
 * @csspart header - The header bar.
 * @csspart online - Presence in the header: "N online", or a direct room's peer status (`data-status`).
 * @csspart presence - A presence dot (`data-status` online / away / offline) beside an author or the peer.
 * @csspart banner - The offline / error banner (`data-code`: the SDK's code of a failure).
 * @csspart messages - The scrolling message log (`role="log"`).
 * @csspart message - One message (also `system-message` for system messages, `own` for yours).
 * @csspart sender - The sender's name.
 * @csspart time - The message time.
 * @csspart text - The message text.
 * @csspart tombstone - The "message deleted" text.
 * @csspart reply-quote - The quoted parent above a reply.
 * @csspart status - Delivery state of your messages.
 * @csspart error - Why a message failed.
 * @csspart retry - The retry button of a failed message.
 * @csspart actions - The per-message action buttons (`delete` is the delete button).
 * @csspart confirm - The "Delete this message?" question (`confirm-delete`, `confirm-cancel` its buttons).
 * @csspart reaction - A reaction count button.
 * @csspart reaction-picker - The emoji picker.
 * @csspart attachment - An attachment link; `attachment-image` for image previews.
 * @csspart link - A link in a message; `code`, `mention`, `mention-me` for inline markup.
 * @csspart unread-marker - The "New messages" divider.
 * @csspart jump - The jump-to-latest button.
 * @csspart typing - The typing indicator.
 * @csspart composer - The composer form; `composer-bar` for its replying/editing bar.
 * @csspart input - The composer's textarea.
 * @csspart send - The send button.
 * @csspart attach - The attach button.
 * @csspart upload - The upload in progress: its text, `upload-progress` (the `<progress>` bar) and `upload-cancel` (its button).
 * @csspart attachment-preview - The local thumbnail of an image attached to the message being written; `attachment-remove` takes an attachment off.
 * @csspart mentions - The `@` completion listbox; `mention-option` (and `mention-option-active`) its options.
 * @csspart thread - The thread panel; `thread-messages` its list.
 * @csspart thread-composer - The thread panel's composer (`thread-input`, `thread-send`).
 *
 * @cssproperty --parley-chat-room-height - The element's height (default 100% of its container).
 * @cssproperty --parley-chat-room-own-bg - Background of your own messages.
 * @cssproperty --parley-chat-room-presence-online - Presence dot colour for online (default: #2da160).
 * @cssproperty --parley-chat-room-presence-away - Presence dot colour for away (default: #b5790f).
 */
export class ChatRoom extends ParleyElement {
  static override styles = [tokens, styles];

  /** The room id. */
  @property({ reflect: true }) accessor room = '';
  /** Overrides of the user-visible strings. */
  @property({ attribute: false }) accessor strings: Partial<ChatRoomStrings> | undefined = undefined;
  /** The emoji of the reaction picker. */
  @property({ attribute: false }) accessor reactions: readonly string[] = DEFAULT_REACTIONS;

  @state() private accessor threadId: string | null = null;
  @state() private accessor pickerFor: string | null = null;
  @state() private accessor confirmingDelete: string | null = null;
  @state() private accessor activeKey: string | null = null;
  @state() private accessor problem: string | null = null;
  /** The room refused us (not a member, no such room, may not post): the composer is disabled (set with `errors.set()`, which updates). */
  private blocked = false;
  /** The reported failure came from loading history (a later page clears only that: the reason a send was refused stays). */
  private historyFailed = false;

  private readonly roomState = new StoreController(this, () => this.activeClient, (s) => s.rooms[this.room]);
  private readonly connection = new StoreController(this, () => this.activeClient, (s) => s.connection);
  private readonly pending = new StoreController(this, () => this.activeClient, (s) => s.pending);
  private readonly me = new StoreController(this, () => this.activeClient, (s) => s.user);
  private readonly presence = new StoreController(this, () => this.activeClient, (s) => s.presence);

  private readonly logRef = createRef<HTMLElement>();
  /** `room` and client whose first page and members were requested. */
  private loadedKey = '';
  private loadedClient: ParleyClient | undefined;
  /** Users whose presence was requested, per client. */
  private presenceAsked = new WeakMap<ParleyClient, Set<string>>();
  /** The member list presence was last requested for (a new list may bring new members). */
  private presenceFor: readonly MemberInfo[] | null = null;
  /** Member names by id, for the member list they came from (a room may have thousands). */
  private names: { members: readonly MemberInfo[] | null; byId: Map<string, string> } = { members: null, byId: new Map() };
  /** Read marker when the room was opened: the "New messages" divider goes after it. */
  private unreadAfter: number | null = null;
  private unreadFor = '';
  /** The divider still has to be scrolled into view (once per opening). */
  private showUnread = false;
  private readonly urls = new Map<string, string | null>();
  /** The thread panel, once its module has loaded. */
  private threadPanel: ThreadPanel | null = null;

  /** What the message view, composers and thread panel use; see {@link ChatContext}. */
  private readonly ctx: ChatContext = this.makeContext();

  private readonly history = new HistoryWindowController<LocalMessage>(this, {
    log: () => this.logRef.value,
    items: () => this.mainMessages(),
    keyOf,
    hasOlder: () => this.roomState.value?.hasOlder ?? false,
    loadOlder: () => this.loadOlder(),
    canLoad: () => this.connection.value === 'online' && this.handle !== undefined,
    reachedLatest: () => this.markReadIfSeen(),
  });

  private readonly composer = new ComposerController(this, this.ctx, {
    kind: 'main',
    thread: () => null,
    lastOwn: () => this.lastOwn(this.mainMessages()),
    sent: () => this.history.jumpToLatest(),
  });

  private readonly threadComposer = new ComposerController(this, this.ctx, {
    kind: 'thread',
    thread: () => this.threadId,
    lastOwn: () => this.lastOwn(this.mainMessages().filter((m) => m.parentId !== null && m.parentId === this.threadId)),
  });

  private get text(): ChatRoomStrings {
    return mergeStrings(chatRoomStrings, this.strings);
  }

  protected override get errorStrings(): ChatRoomStrings {
    return this.text;
  }

  protected override failureText(failure: Failure): string {
    const pending = this.pending.value ?? 0;
    const formatted = formatNumber(pending, elementLocale(this));
    if (failure.code === 'offline') return this.text.offline(pending, formatted);
    const text = super.failureText(failure);
    return failure.retrying && pending > 0 ? `${text} ${this.text.waiting(pending, formatted)}` : text;
  }

  /**
   * A request of ours failed: a refusal by the server is reported (event,
   * console line, banner) and, for the codes in BLOCKING, disables the
   * composer (`forbidden` only when `sending`). A lost connection is the
   * banner's already, and a discarded message's send ends as `aborted`, the
   * user's own doing: neither is reported. Returns whether it was.
   */
  private fail(error: unknown, sending = false): boolean {
    const failure = failureOf(error);
    if (failure.code === 'aborted' || error instanceof ConnectionError) return false;
    this.blocked ||= BLOCKING.includes(failure.code) && (sending || failure.code !== 'forbidden');
    this.errors.set(failure);
    return true;
  }

  private get handle(): Room | undefined {
    return this.room ? this.activeClient?.room(this.room) : undefined;
  }

  private get myId(): string {
    return this.me.value?.id ?? '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.loadedKey = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('room')) {
      this.roomState.refresh();
      this.threadId = this.pickerFor = this.confirmingDelete = this.activeKey = null;
      this.problem = null;
      this.blocked = this.historyFailed = false;
      this.errors.set(null);
      this.composer.reset();
      this.threadComposer.reset();
      this.history.reset();
    }
  }

  protected override updated(): void {
    this.captureUnread();
    this.scrollToUnread();
    // Loading and receipts change the store, which updates us again: do it after this update.
    queueMicrotask(() => {
      this.loadIfNeeded();
      this.markReadIfSeen();
      this.history.fill();
    });
  }

  /** Once per client and room: the newest page and the member list (then members' presence). */
  private loadIfNeeded(): void {
    const client = this.activeClient;
    const room = this.handle;
    if (!client || !room || this.connection.value !== 'online') return;
    if (this.loadedKey !== this.room || this.loadedClient !== client) {
      this.loadedKey = this.room;
      this.loadedClient = client;
      this.loadOlder().catch(() => undefined); // the banner says why
      room.members().catch(() => undefined); // names fall back to user ids
    }
    const members = this.roomState.value?.members;
    if (members && members !== this.presenceFor) {
      this.presenceFor = members;
      let asked = this.presenceAsked.get(client);
      if (!asked) this.presenceAsked.set(client, (asked = new Set()));
      requestMissingPresence(client, members, this.presence.value ?? {}, asked);
    }
  }

  /** Loads the page before the oldest loaded message; a failure shows in the banner. */
  private loadOlder(): Promise<unknown> {
    const room = this.handle;
    if (!room) return Promise.resolve();
    return room.loadOlder().then(
      () => {
        if (this.historyFailed) {
          this.historyFailed = this.blocked = false;
          this.errors.set(null);
        }
      },
      (error: unknown) => {
        if (this.fail(error, true)) this.historyFailed = true;
        throw error;
      },
    );
  }

  private captureUnread(): void {
    const info = this.roomState.value?.info;
    if (!info || this.unreadFor === this.room) return;
    this.unreadFor = this.room;
    this.unreadAfter = info.unread > 0 ? info.readSeq : null;
    this.showUnread = this.unreadAfter !== null;
  }

  /** Index in the main messages of the first unread one (the divider goes before it), or -1. */
  private unreadIndex(messages: readonly LocalMessage[]): number {
    const after = this.unreadAfter;
    return after === null ? -1 : messages.findIndex((m) => m.seq > after && m.sender !== this.myId);
  }

  /** On opening a room with unread messages, start reading at the divider rather than the bottom. */
  private scrollToUnread(): void {
    if (!this.showUnread) return;
    const messages = this.mainMessages();
    const index = this.unreadIndex(messages);
    if (index < 0) {
      // Not loaded yet; or the newest page holds no unread message (they were deleted): nothing to show.
      const newest = messages.reduce((max, m) => Math.max(max, m.seq), 0);
      if (newest > 0 && newest >= (this.roomState.value?.info?.lastSeq ?? Infinity)) this.showUnread = false;
      return;
    }
    const marker = this.renderRoot.querySelector<HTMLElement>('[part~="unread-marker"]');
    if (!marker) {
      this.history.reveal(index);
      return;
    }
    this.showUnread = false;
    this.history.showAt(marker);
  }

  private markReadIfSeen(): void {
    const info = this.roomState.value?.info;
    if (!info || this.showUnread || !this.history.atBottom || document.visibilityState !== 'visible') return;
    if (info.unread > 0 || info.lastSeq > info.readSeq) this.handle?.markRead();
  }

  private readonly onVisibility = (): void => {
    this.markReadIfSeen();
  };

  private jumpToLatest(): void {
    this.history.jumpToLatest();
    this.composer.focus();
  }

  // ---- names and lookups ----

  private nameOf(user: string): string {
    if (user === this.myId && this.me.value) return this.me.value.name || user;
    const members = this.roomState.value?.members ?? null;
    if (this.names.members !== members) this.names = { members, byId: new Map(members?.map((m) => [m.user, m.name])) };
    return this.names.byId.get(user) || user;
  }

  private mainMessages(): readonly LocalMessage[] {
    return this.roomState.value?.messages ?? [];
  }

  private find(id: string | null): LocalMessage | undefined {
    if (!id) return undefined;
    return this.mainMessages().find((m) => m.id === id || m.clientId === id);
  }

  private lastOwn(messages: readonly LocalMessage[]): LocalMessage | undefined {
    return [...messages].reverse().find((m) => m.sender === this.myId && m.kind === 'user' && m.deletedAt === null);
  }

  private presenceOf(user: string): PresenceStatus | null {
    if (user === this.myId) return this.connection.value === 'online' ? 'online' : null;
    return this.presence.value?.[user]?.status ?? null;
  }

  private attachmentUrl(id: string): string | null {
    const client = this.activeClient;
    if (!this.urls.has(id) && client) {
      this.urls.set(id, null);
      client.attachmentUrl(id).then(
        (url) => {
          this.urls.set(id, safeHref(url));
          this.requestUpdate();
        },
        () => this.urls.delete(id),
      );
    }
    return this.urls.get(id) ?? null;
  }

  /** The context object handed to the parts; getters read the element's current state. */
  private makeContext(): ChatContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- getters below need the element, not the literal
    const el = this;
    return {
      host: el,
      get text() {
        return el.text;
      },
      get roomId() {
        return el.room;
      },
      get room() {
        return el.handle;
      },
      get client() {
        return el.activeClient;
      },
      get myId() {
        return el.myId;
      },
      get members() {
        return el.roomState.value?.members ?? NO_MEMBERS;
      },
      get reactions() {
        return el.reactions;
      },
      get pickerFor() {
        return el.pickerFor;
      },
      get confirmingDelete() {
        return el.confirmingDelete;
      },
      nameOf: (user) => el.nameOf(user),
      presenceOf: (user) => el.presenceOf(user),
      find: (id) => el.find(id),
      attachmentUrl: (id) => el.attachmentUrl(id),
      report: (problem) => {
        el.problem = problem;
      },
      fail: (error, sending) => el.fail(error, sending),
      get blocked() {
        return el.blocked;
      },
      reply: (m, inThread) => (inThread ? el.threadComposer : el.composer).startReply(m),
      edit: (m, inThread) => (inThread ? el.threadComposer : el.composer).startEdit(m),
      openThread: (m) => el.openThread(m),
      togglePicker: (m) => {
        el.pickerFor = el.pickerFor === keyOf(m) ? null : keyOf(m);
      },
      react: (m, emoji) => el.toggleReaction(m, emoji),
      askDelete: (m) => el.askDelete(m),
      confirmDelete: (m) => el.confirmDelete(m),
      cancelDelete: (m) => el.cancelDelete(m),
    };
  }

  // ---- user actions ----

  private askDelete(message: LocalMessage): void {
    const key = keyOf(message);
    this.confirmingDelete = key;
    this.pickerFor = null;
    // The safe choice gets focus: a second Enter does not delete.
    void this.updateComplete.then(() => this.messageElement(key)?.querySelector<HTMLElement>('[part~="confirm-cancel"]')?.focus());
  }

  private confirmDelete(message: LocalMessage): void {
    const key = keyOf(message);
    this.confirmingDelete = null;
    const id = handleOf(message);
    if (this.dispatchEvent(new ParleyMessageDeleteEvent(this.room, id))) this.handle?.delete(id).catch((error: unknown) => this.fail(error));
    // The message stays as a tombstone (or goes, if it was never sent): keep focus in the list.
    void this.updateComplete.then(() => (this.messageElement(key) ?? this.logRef.value)?.focus());
  }

  private cancelDelete(message: LocalMessage): void {
    const key = keyOf(message);
    this.confirmingDelete = null;
    void this.updateComplete.then(() => this.messageElement(key)?.querySelector<HTMLElement>('[part~="delete"]')?.focus());
  }

  /** The rendered message with `key`: in the thread panel if focus is there, else in the log. */
  private messageElement(key: string): HTMLElement | undefined {
    const all = [...this.renderRoot.querySelectorAll<HTMLElement>('[part~="message"]')].filter((el) => el.dataset.key === key);
    const focused = (this.renderRoot as ShadowRoot).activeElement;
    return all.find((el) => focused && el.contains(focused)) ?? all[0];
  }

  private toggleReaction(message: LocalMessage, emoji: string): void {
    const on = !(message.reactions[emoji] ?? []).includes(this.myId);
    this.pickerFor = null;
    if (this.dispatchEvent(new ParleyReactionToggleEvent(this.room, message.id, emoji, on))) {
      this.handle?.react(message.id, emoji).catch((error: unknown) => this.fail(error));
    }
  }

  private openThread(message: LocalMessage): void {
    if (!this.dispatchEvent(new ParleyThreadOpenEvent(this.room, message.id))) return;
    if (this.threadId !== message.id) this.threadComposer.reset();
    this.threadId = message.id;
    void loadThreadPanel().then((module) => {
      this.threadPanel ??= new module.ThreadPanel(this, this.ctx, this.threadComposer, () => this.closeThread());
      this.requestUpdate();
      this.threadComposer.focus();
    });
    this.handle?.thread(message.id).catch((error: unknown) => this.fail(error));
  }

  private closeThread(): void {
    const id = this.threadId;
    this.threadId = null;
    // Back to where the thread was opened from.
    const parent = id ? this.find(id) : undefined;
    void this.updateComplete.then(() => {
      const target = parent ? this.logRef.value?.querySelector<HTMLElement>(`[data-id="${CSS.escape(parent.id)}"]`) : null;
      (target ?? this.logRef.value)?.focus();
    });
  }

  // ---- keyboard navigation ----

  /** Arrow keys, Home and End in the main log; the window moves to keep the target rendered. */
  private onLogKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      if (this.pickerFor) {
        const key = this.pickerFor;
        this.pickerFor = null;
        this.messageElement(key)?.focus();
        event.preventDefault();
      }
      return;
    }
    if (!NAV_KEYS.includes(event.key)) return;
    const item = (event.target as HTMLElement).closest<HTMLElement>('[part~="message"]');
    if (!item || (event.target as HTMLElement).tagName === 'TEXTAREA') return;
    const messages = this.mainMessages();
    const current = messages.findIndex((m) => keyOf(m) === item.dataset.key);
    if (current < 0) return;
    event.preventDefault();
    const last = messages.length - 1;
    const next = { ArrowUp: current - 1, ArrowDown: current + 1, Home: 0, End: last }[event.key] ?? current;
    const target = messages[Math.max(0, Math.min(last, next))];
    if (!target) return;
    if (event.key === 'Home') this.history.revealStart();
    else if (event.key === 'End') this.history.jumpToLatest();
    else this.history.reveal(Math.max(0, Math.min(last, next)));
    const key = keyOf(target);
    this.activeKey = key;
    void this.updateComplete.then(() => {
      const el = [...(this.logRef.value?.querySelectorAll<HTMLElement>('[data-key]') ?? [])].find((e) => e.dataset.key === key);
      el?.focus();
    });
  }

  private onPanelKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    if (this.threadId && !this.threadComposer.busy && !this.composer.busy && !this.pickerFor) {
      event.preventDefault();
      this.closeThread();
    }
  }

  private onFocusIn(event: FocusEvent): void {
    const key = (event.target as HTMLElement).closest<HTMLElement>('[part~="message"]')?.dataset.key;
    if (key && key !== this.activeKey) this.activeKey = key;
  }

  // ---- rendering ----

  protected override render(): TemplateResult {
    const t = this.text;
    const state = this.roomState.value;
    const name = state?.info?.name || this.room;
    const unseen = this.history.unseen;
    return html`
      <div part="base" @keydown=${(event: KeyboardEvent) => this.onPanelKeydown(event)}>
        <section class="main" aria-label=${name || t.roomLabel}>
          <header part="header">
            <slot name="header">
              <h2 class="title">${name}</h2>
              ${state?.info?.topic ? html`<span class="topic">${state.info.topic}</span>` : nothing}
            </slot>
            ${this.renderOnline(state)}
            <slot name="header-actions"></slot>
          </header>
          ${this.renderBanner()} ${this.renderLog(state)}
          ${!this.history.atBottom
            ? html`<button part="jump" type="button" @click=${() => this.jumpToLatest()}>
                ${unseen > 0 ? t.jumpToLatestCount(unseen, formatNumber(unseen, elementLocale(this))) : t.jumpToLatest}
              </button>`
            : nothing}
          ${this.renderTyping(state)} ${this.composer.render()}
        </section>
        ${this.threadId && this.threadPanel
          ? this.threadPanel.render(this.threadId, state?.messages ?? [])
          : nothing}
      </div>
    `;
  }

  /** "N online" for a room with members; the peer's status for a direct room. */
  private renderOnline(state: RoomState | undefined): TemplateResult | typeof nothing {
    const t = this.text;
    const info = state?.info;
    if (!info) return nothing;
    if (info.kind === 'direct' && info.peer) {
      const status = this.presenceOf(info.peer) ?? 'offline';
      const label = status === 'online' ? t.presenceOnline : status === 'away' ? t.presenceAway : t.presenceOffline;
      return html`<span part="online" data-status=${status}>
        <span part="presence" data-status=${status} aria-hidden="true"></span>${label}
      </span>`;
    }
    const members = state.members;
    if (!members) return nothing;
    const online = onlineMembers(members, this.presence.value ?? {}, this.myId, this.connection.value === 'online');
    const locale = elementLocale(this);
    return html`<span part="online" title=${formatList(online.map((u) => this.nameOf(u)), locale)}>
      ${t.onlineCount(online.length, formatNumber(online.length, locale))}
    </span>`;
  }

  /** Why the room cannot be used now (a failure, unless the host took it over), else offline or a local problem. */
  private renderBanner(): TemplateResult | typeof nothing {
    const t = this.text;
    const failure = this.errors.failure;
    let message: string | null;
    if (failure) message = this.errors.visible ? this.failureText(failure) : null;
    else if (!this.activeClient) message = this.server ? t.connecting : t.noClient;
    else if (this.connection.value === 'offline') message = this.failureText({ code: 'offline' } as Failure);
    else message = this.problem;
    return message ? html`<div part="banner" role="status" data-code=${failure?.code ?? nothing}>${message}</div>` : nothing;
  }

  private renderLog(state: RoomState | undefined): TemplateResult {
    const t = this.text;
    const messages = state?.messages ?? [];
    const { start, end } = this.history.range();
    const shown = messages.slice(start, end);
    const activeKey = this.activeKey && shown.some((m) => keyOf(m) === this.activeKey) ? this.activeKey : null;
    const lastShown = shown.at(-1);
    const rovingKey = activeKey ?? (lastShown ? keyOf(lastShown) : null);
    const markerAt = this.unreadIndex(messages);
    return html`
      <div
        part="messages"
        role="log"
        aria-live="polite"
        aria-label=${t.messagesLabel}
        aria-busy=${this.history.loading ? 'true' : 'false'}
        tabindex=${shown.length === 0 ? '0' : '-1'}
        ${ref(this.logRef)}
        @scroll=${() => this.history.onScroll()}
        @keydown=${(event: KeyboardEvent) => this.onLogKeydown(event)}
        @focusin=${(event: FocusEvent) => this.onFocusIn(event)}
      >
        ${state?.gap && start === 0 ? html`<div class="note">${t.gap(state.gap.to - state.gap.from + 1)}</div>` : nothing}
        ${!state
          ? html`<div class="note">${this.blocked ? nothing : t.loading}</div>`
          : start > 0 || state.hasOlder
            ? html`<div class="note">${this.history.loading ? t.loadingOlder : nothing}</div>`
            : messages.length > 0
              ? html`<div class="note">${t.historyStart}</div>`
              : html`<div class="note"><slot name="empty">${t.empty}</slot></div>`}
        ${repeat(
          shown,
          keyOf,
          (m, i) => html`${i + start === markerAt
            ? html`<div part="unread-marker" role="separator" aria-label=${t.newMessages}>${t.newMessages}</div>`
            : nothing}${renderMessage(this.ctx, m, { active: keyOf(m) === rovingKey, inThread: false })}`,
        )}
      </div>
    `;
  }

  private renderTyping(state: RoomState | undefined): TemplateResult {
    const t = this.text;
    const others = (state?.typing ?? []).filter((u) => u !== this.myId).map((u) => this.nameOf(u));
    const text =
      others.length === 0
        ? ''
        : others.length === 1
          ? t.typingOne(others[0])
          : others.length === 2
            ? t.typingTwo(others[0], others[1])
            : t.typingMany(others.length);
    return html`<div part="typing" aria-live="polite">${text}</div>`;
  }
}
