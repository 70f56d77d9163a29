/**
 * Renders one message of `<chat-room>`: sender, time, delivery state, text
 * (inline markdown as Lit text nodes, never HTML), attachments, reactions,
 * the failed-send row, actions and the inline delete confirmation. Used by
 * the main log and the thread panel.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { LocalMessage } from '@parley/sdk';
import { elementLocale, formatDateTime, formatList, formatTime } from '../../internal/format.js';
import { renderInline } from '../../internal/inline-markdown.js';
import type { ChatContext } from './chat-context.js';
import { handleOf, keyOf } from './message-keys.js';

/** Where and how a message is shown. */
export interface MessageViewOptions {
  /** The roving tab stop of its list. */
  active: boolean;
  /** Shown in the thread panel (no reply quote, no thread link). */
  inThread: boolean;
}

/** One message as a template; see the module comment. */
export function renderMessage(ctx: ChatContext, m: LocalMessage, options: MessageViewOptions): TemplateResult {
  const t = ctx.text;
  const locale = elementLocale(ctx.host);
  const tab = options.active ? '0' : '-1';
  const key = keyOf(m);
  if (m.kind === 'system') {
    return html`<div part="message system-message" role="article" data-status=${m.status} data-id=${m.id} data-key=${key} tabindex=${tab}>
      ${systemText(ctx, m)}
    </div>`;
  }
  const own = m.sender === ctx.myId;
  const deleted = m.deletedAt !== null;
  const mentioned = m.mentions.includes(ctx.myId) && !own;
  const parent = !options.inThread && m.parentId ? ctx.find(m.parentId) : undefined;
  const presence = own ? null : ctx.presenceOf(m.sender);
  return html`<div
    part=${own ? 'message own' : 'message'}
    class=${`${own ? 'own' : ''} ${mentioned ? 'mentioned' : ''}`}
    role="article"
    aria-label=${`${ctx.nameOf(m.sender)}, ${formatTime(m.createdAt, locale)}`}
    data-status=${m.status}
    data-id=${m.id}
    data-key=${key}
    tabindex=${tab}
  >
    ${m.parentId && !options.inThread
      ? html`<button part="reply-quote" type="button" tabindex=${tab} @click=${() => parent && ctx.openThread(parent)}>
          ↪ ${parent ? `${ctx.nameOf(parent.sender)}: ${parent.deletedAt !== null ? t.deleted : parent.text.slice(0, 80)}` : t.reply}
        </button>`
      : nothing}
    <div class="meta">
      ${presence === 'online' || presence === 'away'
        ? html`<span part="presence" data-status=${presence} aria-hidden="true"></span>`
        : nothing}
      <span part="sender">${ctx.nameOf(m.sender)}</span>
      <time part="time" datetime=${new Date(m.createdAt).toISOString()} title=${formatDateTime(m.createdAt, locale)}
        >${formatTime(m.createdAt, locale)}</time
      >
      ${m.editedAt !== null && !deleted ? html`<span>${t.edited}</span>` : nothing}
      ${own ? html`<span part="status">${statusText(ctx, m)}</span>` : nothing}
    </div>
    ${deleted
      ? html`<div part="tombstone">${t.deleted}</div>`
      : html`<div part="text">${renderInline(m.text, { mentions: m.mentions, me: ctx.myId })}</div>`}
    ${deleted ? nothing : renderAttachments(ctx, m, tab)} ${deleted ? nothing : renderReactions(ctx, m, tab)}
    ${m.status === 'failed'
      ? html`<div class="row">
          <span part="error">${t.failedReason(m.error?.message ?? t.statusFailed)}</span>
          <button part="retry" type="button" tabindex=${tab} @click=${() => ctx.room?.retry(handleOf(m))}>${t.retry}</button>
          <button type="button" tabindex=${tab} @click=${() => ctx.room?.discard(handleOf(m))}>${t.discard}</button>
        </div>`
      : nothing}
    ${!options.inThread && m.replyCount > 0
      ? html`<div class="row">
          <button part="thread-link" type="button" tabindex=${tab} @click=${() => ctx.openThread(m)}>${t.openThread(m.replyCount)}</button>
        </div>`
      : nothing}
    ${deleted ? nothing : ctx.confirmingDelete === key ? renderDeleteConfirm(ctx, m) : renderActions(ctx, m, own, tab, options.inThread)}
    ${ctx.pickerFor === key && !deleted
      ? html`<div part="reaction-picker" role="group" aria-label=${t.react}>
          ${ctx.reactions.map(
            (emoji) =>
              html`<button type="button" aria-label=${t.reactWith(emoji)} @click=${() => ctx.react(m, emoji)}>${emoji}</button>`,
          )}
        </div>`
      : nothing}
  </div>`;
}

function renderActions(ctx: ChatContext, m: LocalMessage, own: boolean, tab: string, inThread: boolean): TemplateResult {
  const t = ctx.text;
  const committed = m.status !== 'pending' && m.status !== 'failed';
  return html`<div part="actions">
    ${committed
      ? html`<button type="button" tabindex=${tab} aria-label=${t.reply} title=${t.reply} @click=${() => ctx.reply(m, inThread)}>
            ↩
          </button>
          <button
            type="button"
            tabindex=${tab}
            aria-label=${t.react}
            title=${t.react}
            aria-expanded=${ctx.pickerFor === keyOf(m) ? 'true' : 'false'}
            @click=${() => ctx.togglePicker(m)}
          >
            ☺
          </button>`
      : nothing}
    ${own
      ? html`<button type="button" tabindex=${tab} aria-label=${t.edit} title=${t.edit} @click=${() => ctx.edit(m, inThread)}>
            ✎
          </button>
          <button
            part="delete"
            type="button"
            tabindex=${tab}
            aria-label=${t.delete}
            title=${t.delete}
            @click=${() => ctx.askDelete(m)}
          >
            🗑
          </button>`
      : nothing}
  </div>`;
}

/**
 * The inline "Delete this message?" question. Escape or Cancel leave the
 * message alone; the element moves focus in and back out.
 */
function renderDeleteConfirm(ctx: ChatContext, m: LocalMessage): TemplateResult {
  const t = ctx.text;
  return html`<div
    part="confirm"
    class="row"
    role="group"
    aria-label=${t.confirmDelete}
    @keydown=${(event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      event.stopPropagation();
      ctx.cancelDelete(m);
    }}
  >
    <span>${t.confirmDelete}</span>
    <button part="confirm-delete" type="button" @click=${() => ctx.confirmDelete(m)}>${t.delete}</button>
    <button part="confirm-cancel" type="button" @click=${() => ctx.cancelDelete(m)}>${t.cancel}</button>
  </div>`;
}

function renderReactions(ctx: ChatContext, m: LocalMessage, tab: string): TemplateResult | typeof nothing {
  const entries = Object.entries(m.reactions).filter(([, users]) => users.length > 0);
  if (entries.length === 0) return nothing;
  const locale = elementLocale(ctx.host);
  return html`<div class="row">
    ${entries.map(([emoji, users]) => {
      const label = ctx.text.reactedBy(emoji, formatList(users.map((u) => ctx.nameOf(u)), locale));
      return html`<button
        part="reaction"
        type="button"
        tabindex=${tab}
        aria-pressed=${users.includes(ctx.myId) ? 'true' : 'false'}
        aria-label=${label}
        title=${label}
        @click=${() => ctx.react(m, emoji)}
      >
        ${emoji} ${users.length}
      </button>`;
    })}
  </div>`;
}

function renderAttachments(ctx: ChatContext, m: LocalMessage, tab: string): TemplateResult | typeof nothing {
  if (m.attachments.length === 0) return nothing;
  return html`<div class="row">
    ${m.attachments.map((a) => {
      const url = m.status === 'pending' ? null : ctx.attachmentUrl(a.id);
      if (!url) return html`<span part="attachment">${ctx.text.attachment(a.name)}</span>`;
      return html`<a part="attachment" href=${url} target="_blank" rel="noopener noreferrer" tabindex=${tab}>
        ${a.type.startsWith('image/') ? html`<img part="attachment-image" src=${url} alt=${a.name} />` : ctx.text.attachment(a.name)}
      </a>`;
    })}
  </div>`;
}

function statusText(ctx: ChatContext, m: LocalMessage): string {
  const t = ctx.text;
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

function systemText(ctx: ChatContext, m: LocalMessage): string {
  const t = ctx.text;
  const system = m.system;
  if (!system) return m.text;
  const actor = ctx.nameOf(system.actor);
  const target = system.target ? ctx.nameOf(system.target) : '';
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
