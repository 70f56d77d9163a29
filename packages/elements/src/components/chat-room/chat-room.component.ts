import { consume } from '@lit/context';
import { html, LitElement, nothing } from 'lit';
import type { PropertyValues, TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { createRef, ref } from 'lit/directives/ref.js';
import { live } from 'lit/directives/live.js';
import { repeat } from 'lit/directives/repeat.js';
import type { AttachmentInfo, LocalMessage, ParleyClient, Room, RoomState, TokenSource } from '@parley/sdk';
import { clientContext } from '../../context/client-context.js';
import { StoreController } from '../../controllers/store-controller.js';
import { ParleyMessageDeleteEvent } from '../../events/parley-message-delete.js';
import { ParleyMessageEditEvent } from '../../events/parley-message-edit.js';
import { ParleyMessageSendEvent } from '../../events/parley-message-send.js';
import { ParleyReactionToggleEvent } from '../../events/parley-reaction-toggle.js';
import { ParleyThreadOpenEvent } from '../../events/parley-thread-open.js';
import { defaultChatRoomStrings, mergeStrings } from '../../i18n/strings.js';
import type { ChatRoomStrings } from '../../i18n/strings.js';
import { elementLocale, formatDateTime, formatList, formatTime } from '../../internal/format.js';
import { renderInline, safeHref } from '../../internal/inline-markdown.js';
import { OwnedClient } from '../../internal/owned-client.js';
import { tokens } from '../../styles/tokens.styles.js';
import { styles } from './chat-room.styles.js';

/** The emoji offered by the reaction picker unless `reactions` is set. */
export const DEFAULT_REACTIONS: readonly string[] = ['👍', '❤️', '😂', '🎉', '😮', '😢'];

/** Distance from an edge (px) that still counts as "at" it. */
const EDGE = 48;

/** A stable key across the pending → committed switch (the id changes, the client id does not). */
function keyOf(message: LocalMessage): string {
  return message.clientId ? `${message.sender}:${message.clientId}` : message.id;
}

/** What `room.retry` / `discard` and own-message changes address. */
function handleOf(message: LocalMessage): string {
  return message.status === 'pending' || message.status === 'failed' ? (message.clientId ?? message.id) : message.id;
}

/**
 * @summary A complete chat for one room: history, composer, replies and
 * threads, reactions, edits, receipts, typing and offline state.
 *
 * Inside a `<parley-session>` it uses the session's client. Alone, it takes a
 * `client` property, or `server` + `user` with `dev` or a `token`.
 *
 * Stable hooks in the open shadow root: every message is `[part~="message"]`
 * with `data-status` (`pending`, `sent`, `delivered`, `read`, `failed`) and
 * `data-id`, and contains its text; the composer's `<textarea>` is
 * `part="input"`, the send button `part="send"`.
 *
 * Keyboard: arrow keys, Home and End move through messages; Enter sends,
 * Shift+Enter starts a new line, Escape cancels an edit or reply (or closes
 * the thread panel); ArrowUp in an empty composer edits your last message.
 *
 * @event parley-message-send - The user sends a message ({@link ParleyMessageSendEvent}; cancelable).
 * @event parley-message-edit - The user saves an edit ({@link ParleyMessageEditEvent}; cancelable).
 * @event parley-message-delete - The user deletes a message ({@link ParleyMessageDeleteEvent}; cancelable).
 * @event parley-reaction-toggle - The user toggles a reaction ({@link ParleyReactionToggleEvent}; cancelable).
 * @event parley-thread-open - The user opens a thread ({@link ParleyThreadOpenEvent}; cancelable).
 *
 * @slot header - Replaces the room name and topic.
 * @slot header-actions - Extra controls at the end of the header.
 * @slot empty - Shown when the room has no messages.
 *
 * @csspart base - The outer wrapper.
 * @csspart header - The header bar.
 * @csspart banner - The offline / error banner.
 * @csspart messages - The scrolling message log (`role="log"`).
 * @csspart message - One message (also `system-message` for system messages, `own` for yours).
 * @csspart sender - The sender's name.
 * @csspart time - The message time.
 * @csspart text - The message text.
 * @csspart tombstone - The "message deleted" text.
 * @csspart reply-quote - The quoted parent above a reply.
 * @csspart status - Delivery state of your messages.
 * @csspart error - Why a message failed.
 * @csspart actions - The per-message action buttons.
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
 * @csspart thread - The thread panel.
 *
 * @cssproperty --parley-chat-room-height - The element's height (default 100% of its container).
 * @cssproperty --parley-chat-room-own-bg - Background of your own messages.
 */
export class ChatRoom extends LitElement {
  static override styles = [tokens, styles];

  /** The room id. */
  @property({ reflect: true }) accessor room = '';
  /** Standalone: the server's base URL. */
  @property({ reflect: true }) accessor server = '';
  /** Standalone: the user id. */
  @property({ reflect: true }) accessor user = '';
  /** Standalone: display name for dev tokens. */
  @property({ attribute: 'user-name' }) accessor userName = '';
  /** Standalone: mint tokens from the server's dev endpoint. */
  @property({ type: Boolean, reflect: true }) accessor dev = false;
  /** Standalone: a token, or a function returning a fresh one. */
  @property({ attribute: false }) accessor token: TokenSource | undefined = undefined;
  /** A client to use instead of the session's (the element never disposes it). */
  @property({ attribute: false }) accessor client: ParleyClient | undefined = undefined;
  /** Overrides of the user-visible strings. */
  @property({ attribute: false }) accessor strings: Partial<ChatRoomStrings> | undefined = undefined;
  /** The emoji of the reaction picker. */
  @property({ attribute: false }) accessor reactions: readonly string[] = DEFAULT_REACTIONS;

  @consume({ context: clientContext, subscribe: true })
  @state()
  accessor contextClient: ParleyClient | undefined = undefined;

  @state() private accessor draft = '';
  @state() private accessor replyTo: string | null = null;
  @state() private accessor editing: string | null = null;
  @state() private accessor threadId: string | null = null;
  @state() private accessor pickerFor: string | null = null;
  @state() private accessor activeKey: string | null = null;
  @state() private accessor atBottom = true;
  @state() private accessor unseen = 0;
  @state() private accessor problem: string | null = null;
  @state() private accessor attachments: readonly AttachmentInfo[] = [];
  @state() private accessor uploading = false;

  private readonly owned = new OwnedClient(() => this.requestUpdate());
  private ownClient: ParleyClient | undefined = undefined;
  private readonly roomState = new StoreController(this, () => this.activeClient, (s) => s.rooms[this.room]);
  private readonly connection = new StoreController(this, () => this.activeClient, (s) => s.connection);
  private readonly pending = new StoreController(this, () => this.activeClient, (s) => s.pending);
  private readonly me = new StoreController(this, () => this.activeClient, (s) => s.user);

  private readonly logRef = createRef<HTMLElement>();
  private readonly inputRef = createRef<HTMLTextAreaElement>();
  private readonly fileRef = createRef<HTMLInputElement>();
  /** `client|room` pairs whose first page and members were requested. */
  private loadedKey = '';
  private membersKey = '';
  private loadingOlder = false;
  /** Read marker when the room was opened: the "New messages" divider goes after it. */
  private unreadAfter: number | null = null;
  private unreadFor = '';
  private snapshot: { height: number; top: number; first: string | undefined; last: string | undefined } | null = null;
  private renderedFirst: string | undefined;
  private readonly urls = new Map<string, string | null>();

  /** The client in use: the `client` property, the session's, or the element's own. */
  get activeClient(): ParleyClient | undefined {
    return this.client ?? this.contextClient ?? this.ownClient;
  }

  private get text(): ChatRoomStrings {
    return mergeStrings(defaultChatRoomStrings, this.strings);
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
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.owned.dispose();
    this.ownClient = undefined;
    this.loadedKey = '';
    this.membersKey = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const ownNeeded = !this.client && !this.contextClient && this.isConnected;
    this.ownClient = this.owned.sync(
      ownNeeded ? { server: this.server, user: this.user, userName: this.userName, dev: this.dev, token: this.token } : null,
    );
    if (changed.has('room')) {
      this.roomState.refresh();
      this.replyTo = this.editing = this.threadId = this.pickerFor = this.activeKey = null;
      this.atBottom = true;
      this.unseen = 0;
      this.problem = null;
      this.attachments = [];
    }
    this.trackScroll();
  }

  /** Notes the scroll position before the DOM changes, and counts messages arriving out of view. */
  private trackScroll(): void {
    const log = this.logRef.value;
    const messages = this.mainMessages();
    const last = messages.at(-1);
    const lastKey = last ? keyOf(last) : undefined;
    if (this.snapshot && !this.atBottom && lastKey !== this.snapshot.last && this.snapshot.last !== undefined) {
      const index = messages.findIndex((m) => keyOf(m) === this.snapshot?.last);
      if (index >= 0) this.unseen += messages.length - 1 - index;
    }
    // `first` is what the DOM shows now (the previous render), to detect a prepended page afterwards.
    this.snapshot = log ? { height: log.scrollHeight, top: log.scrollTop, first: this.renderedFirst, last: lastKey } : null;
  }

  protected override updated(): void {
    const log = this.logRef.value;
    const messages = this.mainMessages();
    if (log && this.snapshot) {
      const first = messages[0] ? keyOf(messages[0]) : undefined;
      if (this.atBottom) {
        log.scrollTop = log.scrollHeight;
      } else if (first !== this.snapshot.first && this.snapshot.first !== undefined) {
        // Older messages were prepended: keep what the reader was looking at in place.
        log.scrollTop = this.snapshot.top + (log.scrollHeight - this.snapshot.height);
      }
    } else if (log) {
      log.scrollTop = log.scrollHeight;
    }
    this.renderedFirst = messages[0] ? keyOf(messages[0]) : undefined;
    this.captureUnread();
    // Loading and receipts change the store, which updates us again: do it after this update.
    queueMicrotask(() => {
      this.loadIfNeeded();
      this.markReadIfSeen();
      if (log && log.scrollHeight <= log.clientHeight && this.roomState.value?.hasOlder) this.loadOlder();
    });
  }

  private loadIfNeeded(): void {
    const client = this.activeClient;
    const room = this.handle;
    if (!client || !room || this.connection.value !== 'online') return;
    const key = `${this.room}`;
    if (this.loadedKey !== key || this.loadedClient !== client) {
      this.loadedKey = key;
      this.loadedClient = client;
      this.loadOlder(true);
    }
    if (this.membersKey !== key || this.membersClient !== client) {
      this.membersKey = key;
      this.membersClient = client;
      room.members().catch(() => undefined); // names fall back to user ids
    }
  }

  private loadedClient: ParleyClient | undefined;
  private membersClient: ParleyClient | undefined;

  private loadOlder(first = false): void {
    const room = this.handle;
    if (!room || this.loadingOlder) return;
    if (!first && !this.roomState.value?.hasOlder) return;
    this.loadingOlder = true;
    room
      .loadOlder()
      .then(
        () => {
          this.problem = null;
        },
        (error: unknown) => {
          this.problem = error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => {
        this.loadingOlder = false;
        this.requestUpdate();
      });
  }

  private captureUnread(): void {
    const info = this.roomState.value?.info;
    const key = `${this.room}`;
    if (!info || this.unreadFor === key) return;
    this.unreadFor = key;
    this.unreadAfter = info.unread > 0 ? info.readSeq : null;
  }

  private markReadIfSeen(): void {
    const info = this.roomState.value?.info;
    if (!info || !this.atBottom || document.visibilityState !== 'visible') return;
    if (info.unread > 0 || info.lastSeq > info.readSeq) this.handle?.markRead();
  }

  private readonly onVisibility = (): void => {
    this.markReadIfSeen();
  };

  private onScroll(): void {
    const log = this.logRef.value;
    if (!log) return;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < EDGE;
    if (atBottom !== this.atBottom) this.atBottom = atBottom;
    if (atBottom) {
      this.unseen = 0;
      this.markReadIfSeen();
    }
    if (log.scrollTop < EDGE) this.loadOlder();
  }

  private jumpToLatest(): void {
    const log = this.logRef.value;
    if (log) log.scrollTop = log.scrollHeight;
    this.atBottom = true;
    this.unseen = 0;
    this.inputRef.value?.focus();
  }

  // ---- names and lookups ----

  private nameOf(user: string): string {
    if (user === this.myId && this.me.value) return this.me.value.name || user;
    return this.roomState.value?.members?.find((m) => m.user === user)?.name || user;
  }

  private mainMessages(): readonly LocalMessage[] {
    return this.roomState.value?.messages ?? [];
  }

  private find(id: string | null): LocalMessage | undefined {
    if (!id) return undefined;
    return this.mainMessages().find((m) => m.id === id || m.clientId === id);
  }

  // ---- user actions ----

  private send(): void {
    const room = this.handle;
    if (!room) return;
    const text = this.draft;
    if (this.editing) {
      const target = this.find(this.editing);
      if (target && text.trim() !== '' && text !== target.text) {
        const id = handleOf(target);
        if (this.dispatchEvent(new ParleyMessageEditEvent(this.room, id, text))) room.edit(id, text).catch(() => undefined);
      }
      this.cancelCompose();
      return;
    }
    const attachments = this.attachments;
    if (text.trim() === '' && attachments.length === 0) return;
    const parentId = this.replyTo;
    const event = new ParleyMessageSendEvent(this.room, text, parentId);
    if (this.dispatchEvent(event)) {
      const options = { ...(parentId ? { parentId } : {}), ...(attachments.length ? { attachments: [...attachments] } : {}) };
      room.send(text, options).catch(() => undefined); // a refusal shows as a failed message
    }
    this.draft = '';
    this.replyTo = null;
    this.attachments = [];
    this.atBottom = true;
  }

  private cancelCompose(): void {
    if (this.editing) this.draft = '';
    this.editing = null;
    this.replyTo = null;
  }

  private onInputKeydown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.send();
    } else if (event.key === 'Escape' && (this.editing || this.replyTo)) {
      event.preventDefault();
      event.stopPropagation();
      this.cancelCompose();
    } else if (event.key === 'ArrowUp' && this.draft === '' && !this.editing) {
      const mine = [...this.mainMessages()]
        .reverse()
        .find((m) => m.sender === this.myId && m.kind === 'user' && m.deletedAt === null);
      if (mine) {
        event.preventDefault();
        this.startEdit(mine);
      }
    }
  }

  private onInput(event: InputEvent): void {
    this.draft = (event.target as HTMLTextAreaElement).value;
    if (!this.editing) this.handle?.setTyping(this.draft.trim() !== '');
  }

  private startEdit(message: LocalMessage): void {
    this.editing = handleOf(message);
    this.replyTo = null;
    this.draft = message.text;
    void this.updateComplete.then(() => this.inputRef.value?.focus());
  }

  private startReply(message: LocalMessage): void {
    this.replyTo = message.id;
    if (this.editing) this.draft = '';
    this.editing = null;
    void this.updateComplete.then(() => this.inputRef.value?.focus());
  }

  private deleteMessage(message: LocalMessage): void {
    const id = handleOf(message);
    if (this.dispatchEvent(new ParleyMessageDeleteEvent(this.room, id))) this.handle?.delete(id).catch(() => undefined);
  }

  private toggleReaction(message: LocalMessage, emoji: string): void {
    const on = !(message.reactions[emoji] ?? []).includes(this.myId);
    this.pickerFor = null;
    if (this.dispatchEvent(new ParleyReactionToggleEvent(this.room, message.id, emoji, on))) {
      this.handle?.react(message.id, emoji).catch(() => undefined);
    }
  }

  private openThread(message: LocalMessage): void {
    if (!this.dispatchEvent(new ParleyThreadOpenEvent(this.room, message.id))) return;
    this.threadId = message.id;
    this.handle?.thread(message.id).catch((error: unknown) => {
      this.problem = error instanceof Error ? error.message : String(error);
    });
  }

  private async attach(): Promise<void> {
    const input = this.fileRef.value;
    const client = this.activeClient;
    if (!input?.files || !client || !this.room) return;
    const files = [...input.files];
    input.value = '';
    this.uploading = true;
    try {
      for (const file of files) {
        try {
          const info = await client.upload(this.room, file, file.name);
          this.attachments = [...this.attachments, info];
        } catch {
          this.problem = this.text.uploadFailed(file.name);
        }
      }
    } finally {
      this.uploading = false;
    }
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

  // ---- keyboard navigation in the log ----

  private onLogKeydown(event: KeyboardEvent): void {
    if (!['ArrowUp', 'ArrowDown', 'Home', 'End', 'Escape'].includes(event.key)) return;
    const root = this.renderRoot as ShadowRoot;
    const items = [...(this.logRef.value?.querySelectorAll<HTMLElement>('[part~="message"]') ?? [])];
    if (event.key === 'Escape') {
      if (this.pickerFor) {
        const key = this.pickerFor;
        this.pickerFor = null;
        items.find((el) => el.dataset.key === key)?.focus();
        event.preventDefault();
      }
      return;
    }
    const current = items.findIndex((el) => el === root.activeElement || el.contains(root.activeElement));
    if (current < 0 || (event.target as HTMLElement).tagName === 'TEXTAREA') return;
    const moves: Record<string, number> = {
      ArrowUp: Math.max(0, current - 1),
      ArrowDown: Math.min(items.length - 1, current + 1),
      Home: 0,
      End: items.length - 1,
    };
    const next = moves[event.key] ?? current;
    event.preventDefault();
    const target = items[next];
    if (!target) return;
    this.activeKey = target.dataset.key ?? null;
    target.focus();
    if (event.key === 'Home') this.loadOlder();
  }

  private onPanelKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape' && !this.editing && !this.replyTo && !this.pickerFor && this.threadId) {
      event.preventDefault();
      this.threadId = null;
    }
  }

  // ---- rendering ----

  protected override render(): TemplateResult {
    const t = this.text;
    const state = this.roomState.value;
    const name = state?.info?.name || this.room;
    return html`
      <div part="base" @keydown=${(event: KeyboardEvent) => this.onPanelKeydown(event)}>
        <section class="main" aria-label=${name || t.roomLabel}>
          <header part="header">
            <slot name="header">
              <h2 class="title">${name}</h2>
              ${state?.info?.topic ? html`<span class="topic">${state.info.topic}</span>` : nothing}
            </slot>
            <slot name="header-actions"></slot>
          </header>
          ${this.renderBanner()} ${this.renderLog(state)}
          ${!this.atBottom
            ? html`<button part="jump" type="button" @click=${() => this.jumpToLatest()}>
                ${this.unseen > 0 ? `${t.jumpToLatest} (${this.unseen})` : t.jumpToLatest}
              </button>`
            : nothing}
          ${this.renderTyping(state)} ${this.renderComposer()}
        </section>
        ${this.threadId ? this.renderThread(state, this.threadId) : nothing}
      </div>
    `;
  }

  private renderBanner(): TemplateResult | typeof nothing {
    const t = this.text;
    const client = this.activeClient;
    let message: string | null = null;
    if (!client) message = this.owned.error ? t.connectionFailed : this.server ? t.connecting : t.noClient;
    else if (this.connection.value === 'offline') message = t.offline(this.pending.value ?? 0);
    else if (this.connection.value === 'failed' || this.owned.error) message = t.connectionFailed;
    else if (this.problem) message = this.problem;
    return message ? html`<div part="banner" role="status">${message}</div>` : nothing;
  }

  private renderLog(state: RoomState | undefined): TemplateResult {
    const t = this.text;
    const messages = state?.messages ?? [];
    const activeKey = this.activeKey && messages.some((m) => keyOf(m) === this.activeKey) ? this.activeKey : null;
    const lastKey = messages.at(-1) ? keyOf(messages.at(-1) as LocalMessage) : null;
    const rovingKey = activeKey ?? lastKey;
    const markerAt =
      this.unreadAfter === null ? -1 : messages.findIndex((m) => m.seq > (this.unreadAfter ?? 0) && m.sender !== this.myId);
    return html`
      <div
        part="messages"
        role="log"
        aria-live="polite"
        aria-label=${t.messagesLabel}
        tabindex=${messages.length === 0 ? '0' : '-1'}
        ${ref(this.logRef)}
        @scroll=${() => this.onScroll()}
        @keydown=${(event: KeyboardEvent) => this.onLogKeydown(event)}
        @focusin=${(event: FocusEvent) => this.onLogFocus(event)}
      >
        ${state?.gap ? html`<div class="note">${t.gap(state.gap.to - state.gap.from + 1)}</div>` : nothing}
        ${!state
          ? html`<div class="note">${t.loading}</div>`
          : state.hasOlder
            ? html`<div class="note">${this.loadingOlder ? t.loadingOlder : nothing}</div>`
            : messages.length > 0
              ? html`<div class="note">${t.historyStart}</div>`
              : html`<div class="note"><slot name="empty">${t.empty}</slot></div>`}
        ${repeat(
          messages,
          keyOf,
          (m, i) => html`${i === markerAt
            ? html`<div part="unread-marker" role="separator" aria-label=${t.newMessages}>${t.newMessages}</div>`
            : nothing}${this.renderMessage(m, keyOf(m) === rovingKey, false)}`,
        )}
      </div>
    `;
  }

  private onLogFocus(event: FocusEvent): void {
    const item = (event.target as HTMLElement).closest<HTMLElement>('[part~="message"]');
    const key = item?.dataset.key;
    if (key && key !== this.activeKey) this.activeKey = key;
  }

  private renderMessage(m: LocalMessage, active: boolean, inThread: boolean): TemplateResult {
    const t = this.text;
    const locale = elementLocale(this);
    const tab = active ? '0' : '-1';
    const key = keyOf(m);
    if (m.kind === 'system') {
      return html`<div part="message system-message" role="article" data-status=${m.status} data-id=${m.id} data-key=${key} tabindex=${tab}>
        ${this.systemText(m)}
      </div>`;
    }
    const own = m.sender === this.myId;
    const deleted = m.deletedAt !== null;
    const mentioned = m.mentions.includes(this.myId) && !own;
    const parent = !inThread && m.parentId ? this.find(m.parentId) : undefined;
    const classes = `${own ? 'own' : ''} ${mentioned ? 'mentioned' : ''}`;
    return html`<div
      part=${own ? 'message own' : 'message'}
      class=${classes}
      role="article"
      aria-label=${`${this.nameOf(m.sender)}, ${formatTime(m.createdAt, locale)}`}
      data-status=${m.status}
      data-id=${m.id}
      data-key=${key}
      tabindex=${tab}
    >
      ${m.parentId && !inThread
        ? html`<button part="reply-quote" type="button" tabindex=${tab} @click=${() => parent && this.openThread(parent)}>
            ↪ ${parent ? `${this.nameOf(parent.sender)}: ${parent.deletedAt !== null ? t.deleted : parent.text.slice(0, 80)}` : t.reply}
          </button>`
        : nothing}
      <div class="meta">
        <span part="sender">${this.nameOf(m.sender)}</span>
        <time part="time" datetime=${new Date(m.createdAt).toISOString()} title=${formatDateTime(m.createdAt, locale)}
          >${formatTime(m.createdAt, locale)}</time
        >
        ${m.editedAt !== null && !deleted ? html`<span>${t.edited}</span>` : nothing}
        ${own ? html`<span part="status">${this.statusText(m)}</span>` : nothing}
      </div>
      ${deleted
        ? html`<div part="tombstone">${t.deleted}</div>`
        : html`<div part="text">${renderInline(m.text, { mentions: m.mentions, me: this.myId })}</div>`}
      ${deleted ? nothing : this.renderAttachments(m, tab)} ${deleted ? nothing : this.renderReactions(m, tab)}
      ${m.status === 'failed'
        ? html`<div class="row">
            <span part="error">${t.failedReason(m.error?.message ?? t.statusFailed)}</span>
            <button type="button" tabindex=${tab} @click=${() => this.handle?.retry(handleOf(m))}>${t.retry}</button>
            <button type="button" tabindex=${tab} @click=${() => this.handle?.discard(handleOf(m))}>${t.discard}</button>
          </div>`
        : nothing}
      ${!inThread && m.replyCount > 0
        ? html`<div class="row">
            <button part="thread-link" type="button" tabindex=${tab} @click=${() => this.openThread(m)}>
              ${t.openThread(m.replyCount)}
            </button>
          </div>`
        : nothing}
      ${deleted ? nothing : this.renderActions(m, own, tab)}
      ${this.pickerFor === key
        ? html`<div part="reaction-picker" role="group" aria-label=${t.react}>
            ${this.reactions.map(
              (emoji) =>
                html`<button type="button" aria-label=${t.reactWith(emoji)} @click=${() => this.toggleReaction(m, emoji)}>
                  ${emoji}
                </button>`,
            )}
          </div>`
        : nothing}
    </div>`;
  }

  private renderActions(m: LocalMessage, own: boolean, tab: string): TemplateResult {
    const t = this.text;
    const key = keyOf(m);
    const committed = m.status !== 'pending' && m.status !== 'failed';
    return html`<div part="actions">
      ${committed
        ? html`<button type="button" tabindex=${tab} aria-label=${t.reply} title=${t.reply} @click=${() => this.startReply(m)}>
              ↩
            </button>
            <button
              type="button"
              tabindex=${tab}
              aria-label=${t.react}
              title=${t.react}
              aria-expanded=${this.pickerFor === key ? 'true' : 'false'}
              @click=${() => {
                this.pickerFor = this.pickerFor === key ? null : key;
              }}
            >
              ☺
            </button>`
        : nothing}
      ${own
        ? html`<button type="button" tabindex=${tab} aria-label=${t.edit} title=${t.edit} @click=${() => this.startEdit(m)}>
              ✎
            </button>
            <button type="button" tabindex=${tab} aria-label=${t.delete} title=${t.delete} @click=${() => this.deleteMessage(m)}>
              🗑
            </button>`
        : nothing}
    </div>`;
  }

  private renderReactions(m: LocalMessage, tab: string): TemplateResult | typeof nothing {
    const entries = Object.entries(m.reactions).filter(([, users]) => users.length > 0);
    if (entries.length === 0) return nothing;
    const locale = elementLocale(this);
    return html`<div class="row">
      ${entries.map(([emoji, users]) => {
        const label = this.text.reactedBy(emoji, formatList(users.map((u) => this.nameOf(u)), locale));
        return html`<button
          part="reaction"
          type="button"
          tabindex=${tab}
          aria-pressed=${users.includes(this.myId) ? 'true' : 'false'}
          aria-label=${label}
          title=${label}
          @click=${() => this.toggleReaction(m, emoji)}
        >
          ${emoji} ${users.length}
        </button>`;
      })}
    </div>`;
  }

  private renderAttachments(m: LocalMessage, tab: string): TemplateResult | typeof nothing {
    if (m.attachments.length === 0) return nothing;
    return html`<div class="row">
      ${m.attachments.map((a) => {
        const url = m.status === 'pending' ? null : this.attachmentUrl(a.id);
        if (!url) return html`<span part="attachment">${this.text.attachment(a.name)}</span>`;
        return html`<a part="attachment" href=${url} target="_blank" rel="noopener noreferrer" tabindex=${tab}>
          ${a.type.startsWith('image/') ? html`<img part="attachment-image" src=${url} alt=${a.name} />` : this.text.attachment(a.name)}
        </a>`;
      })}
    </div>`;
  }

  private statusText(m: LocalMessage): string {
    const t = this.text;
    switch (m.status) {
      case 'pending':
        return t.statusPending;
      case 'sent':
        return t.statusSent;
      case 'delivered':
        return t.statusDelivered;
      case 'read':
        return t.statusRead;
      default:
        return t.statusFailed;
    }
  }

  private systemText(m: LocalMessage): string {
    const t = this.text;
    const system = m.system;
    if (!system) return m.text;
    const actor = this.nameOf(system.actor);
    const target = system.target ? this.nameOf(system.target) : '';
    switch (system.event) {
      case 'created':
        return t.systemCreated(actor);
      case 'joined':
        return t.systemJoined(actor);
      case 'left':
        return t.systemLeft(actor);
      case 'invited':
        return t.systemInvited(actor, target);
      case 'kicked':
        return t.systemKicked(actor, target);
      case 'banned':
        return t.systemBanned(actor, target);
      case 'renamed':
        return t.systemRenamed(actor, system.name ?? '');
      default:
        return m.text;
    }
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

  private renderComposer(): TemplateResult {
    const t = this.text;
    const replying = this.find(this.replyTo);
    const bar = this.editing
      ? html`<div part="composer-bar">
          <span>${t.editing}</span>
          <button type="button" @click=${() => this.cancelCompose()}>${t.cancelEdit}</button>
        </div>`
      : replying
        ? html`<div part="composer-bar">
            <span>${t.replyingTo(this.nameOf(replying.sender))}</span>
            <button type="button" @click=${() => this.cancelCompose()}>${t.cancelReply}</button>
          </div>`
        : nothing;
    return html`<form
      part="composer"
      @submit=${(event: Event) => {
        event.preventDefault();
        this.send();
      }}
    >
      ${bar}
      ${this.attachments.length > 0 || this.uploading
        ? html`<div class="row">
            ${this.attachments.map((a) => html`<span part="attachment">${t.attachment(a.name)}</span>`)}
            ${this.uploading ? html`<span>${t.uploading}</span>` : nothing}
          </div>`
        : nothing}
      <div class="compose-row">
        <input class="file-input" type="file" multiple tabindex="-1" aria-hidden="true" ${ref(this.fileRef)} @change=${() => void this.attach()} />
        <button part="attach" type="button" aria-label=${t.attach} title=${t.attach} @click=${() => this.fileRef.value?.click()}>
          <svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d="M21 11.5 12.5 20a5.5 5.5 0 0 1-7.8-7.8l8.5-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.5 8.5a1.8 1.8 0 0 1-2.6-2.6L15 7" />
          </svg>
        </button>
        <textarea
          part="input"
          rows="1"
          aria-label=${t.inputLabel}
          placeholder=${t.inputPlaceholder}
          .value=${live(this.draft)}
          ${ref(this.inputRef)}
          @input=${(event: InputEvent) => this.onInput(event)}
          @keydown=${(event: KeyboardEvent) => this.onInputKeydown(event)}
        ></textarea>
        <button part="send" type="submit">${this.editing ? t.save : t.send}</button>
      </div>
    </form>`;
  }

  private renderThread(state: RoomState | undefined, threadId: string): TemplateResult {
    const t = this.text;
    const messages = state?.messages ?? [];
    const parent = messages.find((m) => m.id === threadId);
    const replies = messages.filter((m) => m.parentId === threadId);
    return html`<aside part="thread" aria-label=${t.threadTitle}>
      <header part="header">
        <h3 class="title">${t.threadTitle}</h3>
        <button type="button" aria-label=${t.closeThread} title=${t.closeThread} @click=${() => (this.threadId = null)}>✕</button>
      </header>
      <div class="thread-list" role="log" aria-live="polite" aria-label=${t.threadTitle}>
        ${parent ? this.renderMessage(parent, false, true) : html`<div class="note">${t.loading}</div>`}
        ${replies.length === 0 ? html`<div class="note">${t.threadEmpty}</div>` : nothing}
        ${repeat(replies, keyOf, (m) => this.renderMessage(m, false, true))}
      </div>
      ${parent
        ? html`<div class="row" style="padding: var(--_space)">
            <button type="button" @click=${() => this.startReply(parent)}>${t.reply}</button>
          </div>`
        : nothing}
    </aside>`;
  }
}
