/**
 * The thread panel of `<chat-room>`: the parent message, its replies (live:
 * replies arriving in the room's messages show at once) and a composer whose
 * sends reply in the thread. The element loads this module when a thread is
 * first opened (a separate chunk in the script-tag bundle).
 */
import { html, nothing } from 'lit';
import type { ReactiveControllerHost, TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { LocalMessage } from '@parley/sdk';
import type { ChatContext } from './chat-context.js';
import type { ComposerController } from './composer.js';
import { keyOf } from './message-keys.js';
import { renderMessage } from './message-view.js';

const MOVES: Record<string, (current: number, last: number) => number> = {
  ArrowUp: (i) => i - 1,
  ArrowDown: (i) => i + 1,
  Home: () => 0,
  End: (_, last) => last,
};

/** The panel and its roving tab stop; see the module comment. */
export class ThreadPanel {
  /** Key of the message holding the list's tab stop (the newest when unset). */
  private activeKey: string | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly ctx: ChatContext,
    private readonly composer: ComposerController,
    private readonly close: () => void,
  ) {}

  /** The panel for the thread of `threadId`, taken from the room's loaded `messages`. */
  render(threadId: string, messages: readonly LocalMessage[]): TemplateResult {
    const { ctx } = this;
    const t = ctx.text;
    const parent = messages.find((m) => m.id === threadId);
    const replies = messages.filter((m) => m.parentId === threadId);
    const shown = parent ? [parent, ...replies] : replies;
    const newest = shown.at(-1);
    const active = shown.some((m) => keyOf(m) === this.activeKey) ? this.activeKey : newest && keyOf(newest);
    const item = (m: LocalMessage): TemplateResult => renderMessage(ctx, m, { active: keyOf(m) === active, inThread: true });
    return html`<aside part="thread" aria-label=${t.threadTitle}>
      <header part="header">
        <h3 class="title">${t.threadTitle}</h3>
        <button type="button" aria-label=${t.closeThread} title=${t.closeThread} @click=${this.close}>✕</button>
      </header>
      <div
        class="thread-list"
        part="thread-messages"
        role="log"
        aria-live="polite"
        aria-label=${t.threadTitle}
        @keydown=${(event: KeyboardEvent) => this.keydown(event)}
        @focusin=${(event: FocusEvent) => this.focusin(event)}
      >
        ${parent ? item(parent) : html`<div class="note">${t.loading}</div>`}
        ${replies.length === 0 ? html`<div class="note">${t.threadEmpty}</div>` : nothing} ${repeat(replies, keyOf, item)}
      </div>
      ${parent && parent.deletedAt === null ? this.composer.render() : nothing}
    </aside>`;
  }

  /** Arrow keys, Home and End move between the panel's messages. */
  private keydown(event: KeyboardEvent): void {
    const move = MOVES[event.key];
    const list = event.currentTarget as HTMLElement;
    const items = [...list.querySelectorAll<HTMLElement>('[part~="message"]')];
    const current = items.findIndex((el) => el.contains(event.target as Node));
    if (!move || current < 0) return;
    event.preventDefault();
    const target = items[Math.max(0, Math.min(items.length - 1, move(current, items.length - 1)))];
    target?.focus();
  }

  private focusin(event: FocusEvent): void {
    const key = (event.target as HTMLElement).closest<HTMLElement>('[part~="message"]')?.dataset.key;
    if (key && key !== this.activeKey) {
      this.activeKey = key;
      this.host.requestUpdate();
    }
  }
}
