/**
 * `@` completion for the composer: finds the `@word` being typed at the
 * caret, offers matching room members in a listbox, and inserts the pick as
 * `@userId` — the form the server recognises as a mention (an `@` at the
 * start or after a character that is not a letter, digit, `_` or `@`,
 * followed by the id up to the next space).
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { MemberInfo } from '@parley/sdk';

/** Most members the listbox offers at once. */
export const MAX_MENTION_OPTIONS = 8;

/** The `@word` under the caret: `start` is the index of the `@`, `end` the caret. */
export interface MentionQuery {
  start: number;
  end: number;
  /** What follows the `@` (may be empty). */
  text: string;
}

/** Same boundary rule as the server's mention parser. */
const QUERY_AT_CARET = /(?:^|[^\p{L}\p{N}_@])@([^\s@]*)$/u;

/** The mention being typed when the caret is at `caret` in `value`, or null. */
export function mentionQueryAt(value: string, caret: number): MentionQuery | null {
  const match = QUERY_AT_CARET.exec(value.slice(0, caret));
  if (!match) return null;
  const text = match[1] ?? '';
  return { start: caret - text.length - 1, end: caret, text };
}

/**
 * Members whose id or name contains `query` (case-insensitive), those that
 * start with it first, without `exclude` (the signed-in user), at most `limit`.
 */
export function matchMembers(
  members: readonly MemberInfo[],
  query: string,
  exclude: string,
  limit = MAX_MENTION_OPTIONS,
): MemberInfo[] {
  const q = query.toLowerCase();
  const scored: { member: MemberInfo; score: number }[] = [];
  for (const member of members) {
    if (member.user === exclude) continue;
    const id = member.user.toLowerCase();
    const name = member.name.toLowerCase();
    const score = id.startsWith(q) || name.startsWith(q) ? 0 : id.includes(q) || name.includes(q) ? 1 : -1;
    if (score >= 0) scored.push({ member, score });
  }
  scored.sort((a, b) => a.score - b.score || a.member.name.localeCompare(b.member.name));
  return scored.slice(0, limit).map((s) => s.member);
}

/** `value` with the query replaced by `@userId ` and where the caret goes after it. */
export function insertMention(value: string, query: MentionQuery, user: string): { value: string; caret: number } {
  const inserted = `@${user} `;
  const rest = value.slice(query.end).replace(/^ /, '');
  return { value: value.slice(0, query.start) + inserted + rest, caret: query.start + inserted.length };
}

/**
 * The open/closed state of one composer's completion list. The composer
 * feeds it the field's value and caret on input, and gives it keys first.
 */
export class MentionCompletion {
  /** The query being completed, or null when the list is closed. */
  query: MentionQuery | null = null;
  options: readonly MemberInfo[] = [];
  /** Index of the highlighted option. */
  active = 0;

  constructor(
    /** Prefix of the listbox and option element ids (unique per composer in the shadow root). */
    readonly idPrefix: string,
  ) {}

  /** True while the listbox shows options. */
  get open(): boolean {
    return this.query !== null && this.options.length > 0;
  }

  /** The listbox's element id (the field's `aria-controls`). */
  get listId(): string {
    return `${this.idPrefix}-mentions`;
  }

  /** The highlighted option's element id (the field's `aria-activedescendant`). */
  get activeId(): string | undefined {
    return this.open ? this.optionId(this.active) : undefined;
  }

  optionId(index: number): string {
    return `${this.idPrefix}-mention-${index}`;
  }

  /** Recomputes the list for the field's text and caret. */
  update(value: string, caret: number, members: readonly MemberInfo[], me: string): void {
    const query = mentionQueryAt(value, caret);
    const options = query ? matchMembers(members, query.text, me) : [];
    const same = options.length === this.options.length && options.every((o, i) => o.user === this.options[i]?.user);
    this.query = query;
    if (!same) {
      this.options = options;
      this.active = 0;
    }
  }

  /** The draft with the open query replaced by `member` as `@id `, and the caret after it; null when closed. */
  accept(value: string, member: MemberInfo): { value: string; caret: number } | null {
    const query = this.query;
    this.close();
    return query ? insertMention(value, query, member.user) : null;
  }

  close(): void {
    this.query = null;
    this.options = [];
    this.active = 0;
  }

  /**
   * Handles ArrowUp/Down (move), Enter/Tab (accept: returns the member) and
   * Escape (close) while open. Returns 'handled', the accepted member, or
   * null when the key is not for the list.
   */
  keydown(event: KeyboardEvent): MemberInfo | 'handled' | null {
    if (!this.open || event.isComposing) return null;
    const count = this.options.length;
    switch (event.key) {
      case 'ArrowDown':
        this.active = (this.active + 1) % count;
        return 'handled';
      case 'ArrowUp':
        this.active = (this.active - 1 + count) % count;
        return 'handled';
      case 'Enter':
      case 'Tab':
        if (event.shiftKey) return null;
        return this.options[this.active] ?? null;
      case 'Escape':
        this.close();
        return 'handled';
      default:
        return null;
    }
  }

  /**
   * The listbox. It is always in the DOM (hidden while closed) so the
   * field's `aria-controls` always points at an element. Options are picked
   * with the keyboard through the field, or with the pointer (`mousedown`
   * keeps focus in the field).
   */
  render(label: string, nameOf: (user: string) => string, pick: (member: MemberInfo) => void): TemplateResult {
    return html`<div part="mentions" id=${this.listId} role="listbox" aria-label=${label} ?hidden=${!this.open}>
      ${this.open
        ? this.options.map(
            (member, i) => html`<div
              part=${i === this.active ? 'mention-option mention-option-active' : 'mention-option'}
              id=${this.optionId(i)}
              role="option"
              aria-selected=${i === this.active ? 'true' : 'false'}
              @mousedown=${(event: MouseEvent) => {
                event.preventDefault();
                pick(member);
              }}
            >
              <span class="mention-name">${nameOf(member.user)}</span>
              ${member.name && member.name !== member.user ? html`<span class="mention-id">@${member.user}</span>` : nothing}
            </div>`,
          )
        : nothing}
    </div>`;
  }
}
