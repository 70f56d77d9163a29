/**
 * The composer of `<chat-room>` as a reactive controller, so the main room
 * and the thread panel each have one with the same behaviour: Enter sends,
 * Shift+Enter adds a line, Escape closes the mention list or cancels an edit
 * or reply, ArrowUp in an empty field edits your last message; attachments
 * upload before sending; `@` opens member completion.
 *
 * It renders into the element's own shadow root (not a nested element), so
 * the stable hooks `part="input"` / `part="send"` stay queryable there.
 */
import { html, nothing } from 'lit';
import type { ReactiveController, ReactiveControllerHost, TemplateResult } from 'lit';
import { createRef, ref } from 'lit/directives/ref.js';
import { live } from 'lit/directives/live.js';
import { ErrorCode } from '@parley/sdk';
import type { AttachmentInfo, LocalMessage, MemberInfo } from '@parley/sdk';
import { ParleyMessageEditEvent } from '../../events/parley-message-edit.js';
import { ParleyMessageSendEvent } from '../../events/parley-message-send.js';
import { elementLocale, formatNumber } from '../../internal/format.js';
import type { ChatContext } from './chat-context.js';
import { handleOf } from './message-keys.js';
import type * as MentionModule from './mention-completion.js';
import type { MentionCompletion } from './mention-completion.js';

let mentionModule: Promise<typeof MentionModule> | undefined;

/**
 * `@` completion is loaded on first focus of a composer: in the script-tag
 * bundle it is a separate chunk, outside the chat-only size budget.
 */
function loadMentions(): Promise<typeof MentionModule> {
  return (mentionModule ??= import('./mention-completion.js'));
}

/** How one composer differs from the other. */
export interface ComposerOptions {
  /** `main` uses the stable parts `composer`, `input`, `send`; `thread` uses `thread-composer`, `thread-input`, `thread-send`. */
  kind: 'main' | 'thread';
  /** The message every send replies to (the thread panel's parent), or null. */
  thread(): string | null;
  /** Your newest message this composer may edit with ArrowUp. */
  lastOwn(): LocalMessage | undefined;
  /** After a send: e.g. follow the log to the newest message. */
  sent?(): void;
}

/** See the module comment. */
export class ComposerController implements ReactiveController {
  draft = '';
  /** The handle (id or client id) of the message being edited. */
  editing: string | null = null;
  /** The message a main-composer send replies to. */
  replyTo: string | null = null;
  attachments: readonly AttachmentInfo[] = [];
  uploading = false;
  /** The file being uploaded now and how far it got. */
  progress: { name: string; sent: number; total: number } | null = null;
  /** Local previews of attached images (object URLs), by attachment id; revoked when the attachment goes. */
  private readonly previews = new Map<string, string>();
  private uploadAbort: AbortController | null = null;

  /** Null until the completion module has loaded. */
  private mentions: MentionCompletion | null = null;
  private readonly idPrefix: string;
  private readonly inputRef = createRef<HTMLTextAreaElement>();
  private readonly fileRef = createRef<HTMLInputElement>();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly ctx: ChatContext,
    private readonly options: ComposerOptions,
  ) {
    this.idPrefix = `${options.kind}-composer`;
    host.addController(this);
  }

  /** @internal Lit lifecycle. */
  hostDisconnected(): void {
    this.mentions?.close();
    this.uploadAbort?.abort();
    this.dropPreviews();
  }

  private dropPreviews(keep: readonly AttachmentInfo[] = []): void {
    for (const [id, url] of this.previews) {
      if (keep.some((a) => a.id === id)) continue;
      URL.revokeObjectURL(url);
      this.previews.delete(id);
    }
  }

  /** Takes an attachment off the message being written. */
  removeAttachment(id: string): void {
    this.attachments = this.attachments.filter((a) => a.id !== id);
    this.dropPreviews(this.attachments);
    this.host.requestUpdate();
    this.focus();
  }

  /** Stops the upload in progress (files already uploaded stay attached). */
  cancelUpload(): void {
    this.uploadAbort?.abort();
  }

  /** Forgets the draft, reply, edit and attachments (the room changed). */
  reset(): void {
    this.draft = '';
    this.editing = this.replyTo = null;
    this.uploadAbort?.abort();
    this.attachments = [];
    this.dropPreviews();
    this.mentions?.close();
    this.host.requestUpdate();
  }

  /** True while there is an edit or reply that Escape would cancel. */
  get busy(): boolean {
    return this.editing !== null || this.replyTo !== null || this.mentions?.open === true;
  }

  focus(): void {
    void this.host.updateComplete.then(() => this.inputRef.value?.focus());
  }

  startEdit(message: LocalMessage): void {
    this.editing = handleOf(message);
    this.replyTo = null;
    this.draft = message.text;
    this.mentions?.close();
    this.host.requestUpdate();
    this.focus();
  }

  startReply(message: LocalMessage): void {
    if (this.options.thread() === null) this.replyTo = message.id;
    if (this.editing) this.draft = '';
    this.editing = null;
    this.host.requestUpdate();
    this.focus();
  }

  cancel(): void {
    if (this.editing) this.draft = '';
    this.editing = null;
    this.replyTo = null;
    this.mentions?.close();
    this.host.requestUpdate();
  }

  send(): void {
    const { ctx } = this;
    const room = ctx.room;
    if (!room) return;
    const text = this.draft;
    this.mentions?.close();
    if (this.editing) {
      const target = ctx.find(this.editing);
      if (target && text.trim() !== '' && text !== target.text) {
        const id = handleOf(target);
        if (ctx.host.dispatchEvent(new ParleyMessageEditEvent(ctx.roomId, id, text))) {
          room.edit(id, text).catch((error: unknown) => this.refused(error, '', false));
        }
      }
      this.cancel();
      return;
    }
    const attachments = this.attachments;
    if (text.trim() === '' && attachments.length === 0) return;
    const parentId = this.options.thread() ?? this.replyTo;
    if (ctx.host.dispatchEvent(new ParleyMessageSendEvent(ctx.roomId, text, parentId))) {
      const options = { ...(parentId ? { parentId } : {}), ...(attachments.length ? { attachments: [...attachments] } : {}) };
      // A refusal by the server shows as a failed message with Retry; only
      // checks made before queueing (the text length) need handling here.
      room.send(text, options).catch((error: unknown) => this.refused(error, text, true));
    }
    this.draft = '';
    this.replyTo = null;
    this.attachments = [];
    // The sent message shows the server's copy; the local previews are no longer needed.
    this.dropPreviews();
    this.host.requestUpdate();
    this.options.sent?.();
  }

  /**
   * A send or edit failed: one the SDK refused before queueing it (too
   * long) gets its text back; a refusal by the server (not a member, may not
   * post…) is reported by the element, which may disable the composer.
   */
  private refused(error: unknown, text: string, sending: boolean): void {
    if ((error as { code?: unknown } | null)?.code !== ErrorCode.TextTooLong) {
      this.ctx.fail(error, sending);
      return;
    }
    const max = this.ctx.client?.limits?.maxTextLength ?? 0;
    this.ctx.report(this.ctx.text.tooLong(max, formatNumber(max, elementLocale(this.ctx.host))));
    if (text && this.draft === '') {
      this.draft = text;
      this.host.requestUpdate();
    }
  }

  private onKeydown(event: KeyboardEvent): void {
    const picked = this.mentions?.keydown(event) ?? null;
    if (picked !== null) {
      event.preventDefault();
      if (event.key === 'Escape') event.stopPropagation();
      if (picked !== 'handled') this.accept(picked);
      this.host.requestUpdate();
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.send();
    } else if (event.key === 'Escape' && (this.editing || this.replyTo)) {
      event.preventDefault();
      event.stopPropagation();
      this.cancel();
    } else if (event.key === 'ArrowUp' && this.draft === '' && !this.editing) {
      const mine = this.options.lastOwn();
      if (mine) {
        event.preventDefault();
        this.startEdit(mine);
      }
    }
  }

  private onInput(event: Event): void {
    const field = event.target as HTMLTextAreaElement;
    this.draft = field.value;
    this.complete(field);
    if (!this.editing) this.ctx.room?.setTyping(this.draft.trim() !== '');
    this.host.requestUpdate();
  }

  /** Updates the completion list for the field's text and caret (loading it first if needed). */
  private complete(field: HTMLTextAreaElement): void {
    if (this.mentions) {
      this.mentions.update(field.value, field.selectionStart, this.ctx.members, this.ctx.myId);
      return;
    }
    void loadMentions().then((module) => {
      this.mentions ??= new module.MentionCompletion(this.idPrefix);
      if (field.isConnected && field.value === this.draft) this.complete(field);
      this.host.requestUpdate();
    });
  }

  private accept(member: MemberInfo): void {
    const next = this.mentions?.accept(this.draft, member);
    if (!next) return;
    this.draft = next.value;
    this.host.requestUpdate();
    void this.host.updateComplete.then(() => {
      const field = this.inputRef.value;
      field?.focus();
      field?.setSelectionRange(next.caret, next.caret);
    });
  }

  private async attach(): Promise<void> {
    const input = this.fileRef.value;
    const client = this.ctx.client;
    if (!input?.files || !client || !this.ctx.roomId) return;
    const files = [...input.files];
    input.value = '';
    const abort = (this.uploadAbort = new AbortController());
    this.uploading = true;
    this.host.requestUpdate();
    try {
      for (const file of files) {
        if (abort.signal.aborted) break;
        this.progress = { name: file.name, sent: 0, total: file.size };
        this.host.requestUpdate();
        try {
          const info = await client.upload(this.ctx.roomId, file, file.name, {
            signal: abort.signal,
            onProgress: (sent, total) => {
              this.progress = { name: file.name, sent, total };
              this.host.requestUpdate();
            },
          });
          if (file.type.startsWith('image/')) this.previews.set(info.id, URL.createObjectURL(file));
          this.attachments = [...this.attachments, info];
        } catch {
          if (!abort.signal.aborted) this.ctx.report(this.ctx.text.uploadFailed(file.name));
        }
        this.host.requestUpdate();
      }
    } finally {
      if (this.uploadAbort === abort) this.uploadAbort = null;
      this.uploading = false;
      this.progress = null;
      this.host.requestUpdate();
    }
  }

  /** Attached files (with image previews) and the upload in progress. */
  private renderAttachments(): TemplateResult | typeof nothing {
    const t = this.ctx.text;
    const progress = this.progress;
    if (this.attachments.length === 0 && !progress) return nothing;
    const locale = elementLocale(this.ctx.host);
    const percent = progress && progress.total > 0 ? Math.floor((progress.sent / progress.total) * 100) : 0;
    return html`<div class="row attachments">
      ${this.attachments.map((a) => {
        const preview = this.previews.get(a.id);
        return html`<span part="attachment">
          ${preview ? html`<img part="attachment-preview" src=${preview} alt="" />` : nothing}
          <span>${t.attachment(a.name)}</span>
          <button type="button" part="attachment-remove" aria-label=${t.removeAttachment(a.name)} @click=${() => this.removeAttachment(a.id)}>×</button>
        </span>`;
      })}
      ${progress
        ? html`<span part="upload">
            <span>${t.uploadProgress(progress.name, formatNumber(percent / 100, locale, { style: 'percent' }))}</span>
            <progress part="upload-progress" max=${progress.total || 1} .value=${progress.sent} aria-label=${t.uploading}></progress>
            <button type="button" part="upload-cancel" @click=${() => this.cancelUpload()}>${t.cancelUpload}</button>
          </span>`
        : nothing}
    </div>`;
  }

  /** The composer form. */
  render(): TemplateResult {
    const { ctx } = this;
    const t = ctx.text;
    const main = this.options.kind === 'main';
    const replying = ctx.find(this.replyTo);
    const bar = this.editing
      ? html`<div part="composer-bar">
          <span>${t.editing}</span>
          <button type="button" @click=${() => this.cancel()}>${t.cancelEdit}</button>
        </div>`
      : replying
        ? html`<div part="composer-bar">
            <span>${t.replyingTo(ctx.nameOf(replying.sender))}</span>
            <button type="button" @click=${() => this.cancel()}>${t.cancelReply}</button>
          </div>`
        : nothing;
    const mentions = this.mentions;
    return html`<form
      part=${main ? 'composer' : 'thread-composer'}
      class="composer"
      @submit=${(event: Event) => {
        event.preventDefault();
        this.send();
      }}
    >
      ${bar}
      ${this.renderAttachments()}
      ${mentions
        ? mentions.render(t.mentionSuggestions, (user) => ctx.nameOf(user), (member) => {
            this.accept(member);
            this.host.requestUpdate();
          })
        : html`<div part="mentions" id=${`${this.idPrefix}-mentions`} role="listbox" aria-label=${t.mentionSuggestions} hidden></div>`}
      <div class="compose-row">
        <input class="file-input" type="file" multiple tabindex="-1" aria-hidden="true" ${ref(this.fileRef)} @change=${() => void this.attach()} />
        <button part="attach" type="button" aria-label=${t.attach} title=${t.attach} ?disabled=${ctx.blocked} @click=${() => this.fileRef.value?.click()}>
          <svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d="M21 11.5 12.5 20a5.5 5.5 0 0 1-7.8-7.8l8.5-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.5 8.5a1.8 1.8 0 0 1-2.6-2.6L15 7" />
          </svg>
        </button>
        <textarea
          part=${main ? 'input' : 'thread-input'}
          rows="1"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded=${mentions?.open ? 'true' : 'false'}
          aria-controls=${`${this.idPrefix}-mentions`}
          aria-activedescendant=${mentions?.activeId ?? nothing}
          aria-label=${main ? t.inputLabel : t.threadInputLabel}
          placeholder=${main ? t.inputPlaceholder : t.threadInputPlaceholder}
          .value=${live(this.draft)}
          ?disabled=${ctx.blocked}
          ${ref(this.inputRef)}
          @input=${(event: Event) => this.onInput(event)}
          @keydown=${(event: KeyboardEvent) => this.onKeydown(event)}
          @focus=${(event: FocusEvent) => this.complete(event.target as HTMLTextAreaElement)}
          @blur=${() => {
            if (!mentions?.open) return;
            mentions.close();
            this.host.requestUpdate();
          }}
        ></textarea>
        <button part=${main ? 'send' : 'thread-send'} type="submit" ?disabled=${ctx.blocked}>${this.editing ? t.save : t.send}</button>
      </div>
    </form>`;
  }
}
