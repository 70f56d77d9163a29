import { html, nothing } from 'lit';
import type { PropertyValues, TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ParleyClient, RoomInfo } from '@parley/sdk';
import { ParleyElement } from '../../base/parley-element.js';
import { StoreController } from '../../controllers/store-controller.js';
import { ParleyRoomSelectEvent } from '../../events/parley-room-select.js';
import { sameSummaries, selectRoomSummaries } from './room-summary.js';
import type { RoomSummary } from './room-summary.js';
import { roomListStrings } from './room-list.strings.js';
import type { RoomListStrings } from './room-list.strings.js';
import { styles } from './room-list.styles.js';

type Panel = 'none' | 'create' | 'browse';
type CreatableKind = 'group' | 'public';

/** Unread counts above this show as "99+" (the accessible label keeps the exact count). */
const BADGE_CAP = 99;
const DISCOVER_LIMIT = 50;

/**
 * The user's rooms: name, last activity, unread count and, for direct
 * messages, the peer's presence. Arrow keys move through the list, Enter or
 * Space selects; the user can also create a room and join a public one.
 * Gets its client from its `client` property, else an enclosing
 * `<parley-session>`, else makes its own from `server` + `user` with `token`
 * or `dev` (like a session).
 *
 * @summary The signed-in user's rooms, with unread badges, room creation and public room discovery.
 *
 * @event {ParleyRoomSelectEvent} parley-room-select - The user picked a room (also after creating or joining one). Cancelable: `preventDefault()` keeps the current selection.
 *
 * @slot header - Replaces the "Rooms" heading.
 * @slot empty - Shown instead of the default text when the user has no rooms.
 * @slot actions - Extra controls beside the "New room" and "Browse public rooms" buttons.
 *
 * @csspart base - The wrapper of everything.
 * @csspart header - The header row (heading and actions).
 * @csspart title - The default heading.
 * @csspart list - The list of rooms (`role="listbox"`).
 * @csspart room - One room (`role="option"`, `aria-selected`, `data-kind`, `data-unread` when it has unread messages).
 * @csspart room-name - A room's name.
 * @csspart activity - A room's last activity time.
 * @csspart badge - A room's unread count.
 * @csspart presence - The presence dot of a direct room's peer (`data-status` online, away or offline).
 * @csspart actions - The row of action buttons.
 * @csspart button - Every button.
 * @csspart panel - The create and browse panels.
 * @csspart input - Every text field and select.
 * @csspart results - The list of discovered public rooms.
 * @csspart error - The error message of a failed create, join or search.
 *
 * @cssproperty --room-list-selected-bg - Background of the selected room (default: the surface token).
 * @cssproperty --room-list-presence-online - Presence dot colour for online (default: #1f8a4c, in dark #4cc38a).
 * @cssproperty --room-list-presence-away - Presence dot colour for away (default: #b7791f, in dark #e0a84b).
 * @cssproperty --room-list-presence-offline - Presence dot colour for offline (default: the muted text token).
 */
export class RoomList extends ParleyElement {
  static override styles = styles;

  /** The selected room's id. Set it to follow the room shown beside the list. */
  @property({ reflect: true }) accessor selected = '';

  /** `light` or `dark`; without it the element follows `prefers-color-scheme`. */
  @property({ reflect: true }) accessor theme: 'light' | 'dark' | undefined = undefined;

  /** Overrides of any user-visible string (merged over the English defaults). */
  @property({ attribute: false }) accessor strings: Partial<RoomListStrings> = {};

  /** Hides the "New room" and "Browse public rooms" actions. */
  @property({ type: Boolean, attribute: 'no-actions', reflect: true }) accessor noActions = false;

  @state() private accessor focusedId = '';
  @state() private accessor panel: Panel = 'none';
  @state() private accessor busy = false;
  @state() private accessor error = '';
  @state() private accessor results: RoomInfo[] | null = null;

  @query('[part~="list"]') private accessor listEl: HTMLElement | null = null;
  @query('#create-name') private accessor createNameEl: HTMLInputElement | null = null;
  @query('#discover-query') private accessor discoverQueryEl: HTMLInputElement | null = null;

  private readonly rooms = new StoreController(this, () => this.activeClient, selectRoomSummaries, sameSummaries);
  private readonly connection = new StoreController(this, () => this.activeClient, (s) => s.connection);
  /** Rooms and peers already looked up for this client, so each is asked for once. */
  private readonly lookedUp = new WeakMap<ParleyClient, Set<string>>();

  private get t(): RoomListStrings {
    return { ...roomListStrings, ...this.strings };
  }

  protected override get errorStrings(): RoomListStrings {
    return this.t;
  }

  private get locale(): string | undefined {
    return this.lang || document.documentElement.lang || undefined;
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    this.lookUpDirectPeers();
    if (changed.has('panel')) {
      if (this.panel === 'create') this.createNameEl?.focus();
      if (this.panel === 'browse') this.discoverQueryEl?.focus();
    }
  }

  protected override render(): TemplateResult {
    const t = this.t;
    const rooms = this.rooms.value ?? [];
    return html`
      <div part="base">
        <div part="header">
          <slot name="header"><h2 part="title">${t.title}</h2></slot>
        </div>
        ${this.renderList(rooms)} ${this.noActions ? nothing : this.renderActions()}
        ${this.renderError()}
        ${this.panel === 'create' ? this.renderCreate() : nothing} ${this.panel === 'browse' ? this.renderBrowse() : nothing}
      </div>
    `;
  }

  /** A failed action, else why the list cannot load (a failed connection, unless the host took it over: `parley-error`). */
  private renderError(): TemplateResult | typeof nothing {
    const failure = this.errors.failure;
    const message = this.error || (failure && this.errors.visible ? this.failureText(failure) : '');
    return message ? html`<p part="error" role="alert" data-code=${(!this.error && failure?.code) || nothing}>${message}</p>` : nothing;
  }

  private renderList(rooms: readonly RoomSummary[]): TemplateResult {
    const t = this.t;
    if (rooms.length === 0) {
      const connection = this.connection.value;
      const loading = this.activeClient === undefined || connection === 'connecting' || connection === 'syncing';
      return html`<p class="empty" role="status">
        ${loading ? t.loading : html`<slot name="empty">${t.empty}</slot>`}
      </p>`;
    }
    const focused = rooms.some((r) => r.id === this.focusedId)
      ? this.focusedId
      : rooms.some((r) => r.id === this.selected)
        ? this.selected
        : rooms[0].id;
    return html`
      <ul part="list" role="listbox" aria-label=${t.listLabel} @keydown=${this.onListKeydown}>
        ${repeat(
          rooms,
          (room) => room.id,
          (room) => this.renderRoom(room, room.id === focused),
        )}
      </ul>
    `;
  }

  // Keys reach the options through the listbox's keydown handler (roving focus), not per option.
  /* eslint-disable lit-a11y/click-events-have-key-events */
  private renderRoom(room: RoomSummary, focusable: boolean): TemplateResult {
    const t = this.t;
    const name = room.name || t.unnamedRoom;
    const selected = room.id === this.selected;
    const when = room.lastActivity === null ? null : this.formatTime(room.lastActivity);
    const count = new Intl.NumberFormat(this.locale).format(room.unread);
    return html`
      <li
        part="room"
        role="option"
        id=${`room-${room.id}`}
        data-room=${room.id}
        data-kind=${room.kind}
        ?data-unread=${room.unread > 0}
        aria-selected=${selected ? 'true' : 'false'}
        tabindex=${focusable ? '0' : '-1'}
        @click=${() => this.choose(room.id)}
        @focus=${() => (this.focusedId = room.id)}
      >
        ${room.peer === null
          ? nothing
          : html`<span part="presence" data-status=${room.presence ?? 'offline'} aria-hidden="true"></span>`}
        <span part="room-name">${name}</span>
        ${room.peer === null ? nothing : html`<span class="visually-hidden">, ${this.presenceLabel(room)}</span>`}
        ${when === null
          ? nothing
          : html`<time part="activity" aria-hidden="true" datetime=${new Date(room.lastActivity ?? 0).toISOString()}>${when}</time
              ><span class="visually-hidden">, ${t.lastActivity(when)}</span>`}
        ${room.unread > 0
          ? html`<span part="badge" aria-hidden="true">${room.unread > BADGE_CAP ? `${BADGE_CAP}+` : count}</span
              ><span class="visually-hidden">, ${t.unread(room.unread, count)}</span>`
          : nothing}
      </li>
    `;
  }
  /* eslint-enable lit-a11y/click-events-have-key-events */

  private renderActions(): TemplateResult {
    const t = this.t;
    return html`
      <div part="actions">
        <button
          part="button"
          type="button"
          aria-expanded=${this.panel === 'create' ? 'true' : 'false'}
          aria-controls="create-panel"
          @click=${() => this.toggle('create')}
        >
          ${t.newRoom}
        </button>
        <button
          part="button"
          type="button"
          aria-expanded=${this.panel === 'browse' ? 'true' : 'false'}
          aria-controls="browse-panel"
          @click=${() => this.toggle('browse')}
        >
          ${t.browse}
        </button>
        <slot name="actions"></slot>
      </div>
    `;
  }

  private renderCreate(): TemplateResult {
    const t = this.t;
    return html`
      <form part="panel" id="create-panel" aria-label=${t.createTitle} @submit=${this.onCreate} @keydown=${this.onPanelKeydown}>
        <label for="create-name">${t.roomName}</label>
        <input part="input" id="create-name" name="name" required maxlength="100" autocomplete="off" />
        <label for="create-kind">${t.roomKind}</label>
        <select part="input" id="create-kind" name="kind">
          <option value="group">${t.kindGroup}</option>
          <option value="public">${t.kindPublic}</option>
        </select>
        <div class="row">
          <button part="button" class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? t.working : t.create}</button>
          <button part="button" type="button" @click=${() => this.toggle('none')}>${t.cancel}</button>
        </div>
      </form>
    `;
  }

  private renderBrowse(): TemplateResult {
    const t = this.t;
    const results = this.results;
    return html`
      <section part="panel" id="browse-panel" aria-label=${t.browseTitle} @keydown=${this.onPanelKeydown}>
        <form role="search" @submit=${this.onDiscover}>
          <label for="discover-query">${t.searchLabel}</label>
          <div class="row">
            <input
              part="input"
              id="discover-query"
              name="query"
              type="search"
              autocomplete="off"
              placeholder=${t.searchPlaceholder}
            />
            <button part="button" type="submit" ?disabled=${this.busy}>${t.search}</button>
          </div>
        </form>
        ${results === null
          ? nothing
          : results.length === 0
            ? html`<p role="status">${t.noResults}</p>`
            : html`<ul part="results" aria-label=${t.browseTitle}>
                ${results.map((room) => this.renderResult(room))}
              </ul>`}
      </section>
    `;
  }

  private renderResult(room: RoomInfo): TemplateResult {
    const t = this.t;
    const name = room.name || t.unnamedRoom;
    const members = t.members(room.memberCount, new Intl.NumberFormat(this.locale).format(room.memberCount));
    return html`
      <li data-room=${room.id}>
        <span class="result-text">
          <span class="result-name">${name}</span>
          <span class="muted">${room.topic ? `${room.topic} · ` : ''}${members}</span>
        </span>
        <button part="button" type="button" aria-label=${t.joinRoom(name)} ?disabled=${this.busy} @click=${() => this.join(room.id)}>
          ${t.join}
        </button>
      </li>
    `;
  }

  private presenceLabel(room: RoomSummary): string {
    const t = this.t;
    if (room.presence === 'online') return t.presenceOnline;
    if (room.presence === 'away') return t.presenceAway;
    return t.presenceOffline;
  }

  private formatTime(time: number): string {
    const date = new Date(time);
    const now = new Date();
    const sameDay = date.toDateString() === now.toDateString();
    const options: Intl.DateTimeFormatOptions = sameDay
      ? { hour: 'numeric', minute: '2-digit' }
      : date.getFullYear() === now.getFullYear()
        ? { month: 'short', day: 'numeric' }
        : { dateStyle: 'medium' };
    return new Intl.DateTimeFormat(this.locale, options).format(date);
  }

  /** Selects a room for the user, unless a listener cancels the event. */
  private choose(room: string): void {
    this.focusedId = room;
    const event = new ParleyRoomSelectEvent(room);
    if (this.dispatchEvent(event)) this.selected = room;
  }

  private toggle(panel: Panel): void {
    this.panel = this.panel === panel ? 'none' : panel;
    this.error = '';
    this.results = null;
  }

  private onListKeydown = (event: KeyboardEvent): void => {
    const options = [...(this.listEl?.querySelectorAll<HTMLElement>('[role="option"]') ?? [])];
    if (options.length === 0) return;
    const current = options.findIndex((o) => o === this.shadowRoot?.activeElement);
    let next: number;
    switch (event.key) {
      case 'ArrowDown':
        next = Math.min(current + 1, options.length - 1);
        break;
      case 'ArrowUp':
        next = Math.max(current - 1, 0);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = options.length - 1;
        break;
      case 'Enter':
      case ' ': {
        event.preventDefault();
        const room = options[current]?.dataset.room;
        if (room) this.choose(room);
        return;
      }
      default:
        return;
    }
    event.preventDefault();
    const target = options[next < 0 ? 0 : next];
    this.focusedId = target.dataset.room ?? '';
    target.focus();
  };

  private onPanelKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    this.toggle('none');
  };

  private onCreate = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = field(data, 'name');
    const kind: CreatableKind = data.get('kind') === 'public' ? 'public' : 'group';
    const client = this.activeClient;
    if (!name || !client) return;
    const room = await this.run(() => client.createRoom({ kind, name }));
    if (room) {
      this.toggle('none');
      this.choose(room.id);
    }
  };

  private onDiscover = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const client = this.activeClient;
    if (!client) return;
    const query = field(new FormData(event.currentTarget as HTMLFormElement), 'query');
    const found = await this.run(() => client.discoverRooms(query || undefined, DISCOVER_LIMIT));
    if (found) this.results = found.filter((room) => room.role === null);
  };

  private async join(id: string): Promise<void> {
    const client = this.activeClient;
    if (!client) return;
    const room = await this.run(() => client.joinRoom(id));
    if (room) {
      this.toggle('none');
      this.choose(room.id);
    }
  }

  /** Runs one user action, showing progress and a readable error; resolves undefined on failure. */
  private async run<T>(action: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    this.error = '';
    try {
      return await action();
    } catch (error) {
      this.error = this.t.failed(describe(error));
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** Loads, once per room and client, what a direct room needs: the peer's name and presence. */
  private lookUpDirectPeers(): void {
    const client = this.activeClient;
    const rooms = this.rooms.value;
    if (!client || !rooms || this.connection.value !== 'online') return;
    let seen = this.lookedUp.get(client);
    if (!seen) this.lookedUp.set(client, (seen = new Set()));
    const peers: string[] = [];
    for (const room of rooms) {
      if (room.needsMembers && !seen.has(room.id)) {
        seen.add(room.id);
        client
          .room(room.id)
          .members()
          .catch(() => undefined);
      }
      if (room.peer !== null && room.presence === null && !seen.has(`@${room.peer}`)) {
        seen.add(`@${room.peer}`);
        peers.push(room.peer);
      }
    }
    if (peers.length > 0) client.fetchPresence(peers).catch(() => undefined);
  }
}

/** A form field's trimmed text ('' when absent or a file). */
function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/** A readable reason for a failed action. */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
}
