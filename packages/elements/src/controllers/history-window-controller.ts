import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Distance from an edge (px) that still counts as "at" it. */
const EDGE = 48;

/** What the controller needs from its host. */
export interface HistoryWindowOptions<T> {
  /** The scrolling element (role="log"); its items carry `data-key`. */
  log(): HTMLElement | undefined;
  /** Every loaded item, oldest first. */
  items(): readonly T[];
  keyOf(item: T): string;
  /** More items exist before the first loaded one. */
  hasOlder(): boolean;
  /** Loads the page before the first item; resolves when the store has it. */
  loadOlder(): Promise<unknown>;
  /** Loading may be tried now (e.g. the client is online). */
  canLoad(): boolean;
  /** The reader reached the newest item (e.g. mark the room read). */
  reachedLatest?(): void;
  /** Most items rendered at once (default 150). */
  windowSize?: number;
  /** Items added or dropped at a time when the window moves (default 50). */
  step?: number;
}

/** Where the reader is, recorded before an update and restored after it. */
type Anchor = { kind: 'bottom' } | { kind: 'item'; key: string; offset: number } | null;

/**
 * The history of a chat log: which slice of the loaded items is in the DOM,
 * where the reader is, and when to load older items.
 *
 * **Windowing.** At most `windowSize` items are rendered: following the
 * newest ones while the reader is at the bottom, pinned to a first item while
 * they read older ones. Scrolling near the top moves the window up by `step`
 * (dropping as many at the bottom) and, once the first loaded item shows,
 * loads the previous page; scrolling near the bottom moves it down again. We
 * render a contiguous slice without spacer elements, so no item height is
 * ever estimated; the price is a scrollbar that spans the rendered slice
 * only, which a chat log already has with paged history. This keeps real DOM
 * order (the `role="log"`, roving focus and find-in-page keep working) and
 * costs no dependency (the script-tag budget is 45 KB gzip).
 *
 * **Scroll anchoring.** Before each update it notes the first visible item
 * and its offset (or that the reader is at the bottom) and restores that
 * after the update, so prepended pages, window moves and new messages never
 * move what the reader is looking at. Native `overflow-anchor` is turned off
 * by the element's styles so the two never fight.
 *
 * It also counts items that arrived while the reader was scrolled away
 * (`unseen`, for "Jump to latest").
 */
export class HistoryWindowController<T> implements ReactiveController {
  /** The reader is at the newest item. */
  atBottom = true;
  /** Items that arrived below the reader since they scrolled away. */
  unseen = 0;
  /** A page of older items is being loaded. */
  loading = false;

  /** The first rendered item, or null to follow the newest items. */
  private firstKey: string | null = null;
  private anchor: Anchor = null;
  private lastKey: string | undefined;
  /** A load failed: no automatic retry until the reader scrolls again. */
  private stalled = false;
  /**
   * The reader reached the top while a load could not start (one was running,
   * or the client was not online yet): retried after the next update.
   */
  private wanted = false;
  private readonly size: number;
  private readonly step: number;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: HistoryWindowOptions<T>,
  ) {
    this.size = options.windowSize ?? 150;
    this.step = Math.min(options.step ?? 50, this.size);
    host.addController(this);
  }

  /** The slice of `items()` to render: `[start, end)`. */
  range(): { start: number; end: number } {
    const items = this.options.items();
    const n = items.length;
    const pinned = this.firstKey === null ? -1 : items.findIndex((item) => this.options.keyOf(item) === this.firstKey);
    const start = pinned >= 0 ? pinned : Math.max(0, n - this.size);
    return { start, end: Math.min(n, start + this.size) };
  }

  /** Forgets position and window (a different room). */
  reset(): void {
    this.firstKey = null;
    this.atBottom = true;
    this.unseen = 0;
    this.anchor = null;
    this.lastKey = undefined;
    this.stalled = false;
    this.host.requestUpdate();
  }

  /** @internal Lit lifecycle: runs before render. */
  hostUpdate(): void {
    const items = this.options.items();
    const last = items.at(-1);
    const lastKey = last ? this.options.keyOf(last) : undefined;
    if (!this.atBottom && this.lastKey !== undefined && lastKey !== this.lastKey) {
      const index = items.findIndex((item) => this.options.keyOf(item) === this.lastKey);
      if (index >= 0) this.unseen += items.length - 1 - index;
    }
    this.lastKey = lastKey;
    this.anchor = this.capture();
  }

  /** @internal Lit lifecycle: runs after the DOM changed. */
  hostUpdated(): void {
    const log = this.options.log();
    const anchor = this.anchor;
    this.anchor = null;
    if (!log) return;
    this.retryWanted(log);
    if (anchor === null || anchor.kind === 'bottom') {
      if (this.atBottom) this.toBottom(log);
      return;
    }
    const item = this.itemElement(log, anchor.key);
    if (!item) return;
    const delta = item.getBoundingClientRect().top - log.getBoundingClientRect().top - anchor.offset;
    if (Math.abs(delta) >= 1) log.scrollTop += delta;
  }

  /** Call from the log's `scroll` event. */
  onScroll(): void {
    const log = this.options.log();
    if (!log) return;
    this.stalled = false;
    const { start, end } = this.range();
    const n = this.options.items().length;
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < EDGE;
    const atBottom = nearBottom && end === n;
    if (atBottom !== this.atBottom) {
      this.atBottom = atBottom;
      this.host.requestUpdate();
    }
    if (atBottom) {
      this.firstKey = null;
      if (this.unseen !== 0) {
        this.unseen = 0;
        this.host.requestUpdate();
      }
      this.options.reachedLatest?.();
    } else if (this.firstKey === null) {
      this.pin(start);
    }
    if (nearBottom && end < n) this.moveTo(start + this.step);
    else if (log.scrollTop < EDGE) this.older();
  }

  /** Shows the newest items and scrolls to them. */
  jumpToLatest(): void {
    this.firstKey = null;
    this.atBottom = true;
    this.unseen = 0;
    this.host.requestUpdate();
    this.options.reachedLatest?.();
  }

  /**
   * Makes sure item `index` of `items()` is rendered (keyboard navigation,
   * the unread divider); the caller focuses or scrolls to it after the update.
   */
  reveal(index: number): void {
    const { start, end } = this.range();
    if (index < start) this.moveTo(index);
    else if (index >= end) this.moveTo(index - this.size + 1);
  }

  /**
   * Scrolls so `element` (a rendered child of the log) is at the top, and
   * stops following the newest items unless that is already the bottom.
   */
  showAt(element: HTMLElement): void {
    const log = this.options.log();
    if (!log) return;
    log.scrollTop += element.getBoundingClientRect().top - log.getBoundingClientRect().top;
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < EDGE;
    if (nearBottom && this.range().end === this.options.items().length) return;
    // Decided now, not on the scroll event: an update before it would scroll back to the bottom.
    this.atBottom = false;
    if (this.firstKey === null) this.pin(this.range().start);
    this.host.requestUpdate();
  }

  /** Reveals the first loaded item and loads the page before it. */
  revealStart(): void {
    this.reveal(0);
    this.older(true);
  }

  /** Loads older items when the log does not fill its box yet (nothing to scroll). */
  fill(): void {
    const log = this.options.log();
    if (log && log.scrollHeight <= log.clientHeight && this.range().start === 0) this.older();
  }

  /** Moves the window up a step, or loads the page before the first loaded item. */
  private older(force = false): void {
    const { start } = this.range();
    if (start > 0) {
      this.moveTo(start - this.step);
      return;
    }
    if (!this.options.hasOlder() || (this.stalled && !force)) return;
    if (this.loading || !this.options.canLoad()) {
      this.wanted = true;
      return;
    }
    this.wanted = false;
    this.loading = true;
    this.host.requestUpdate();
    this.options
      .loadOlder()
      .then(
        () => {
          // Show the page the reader asked for (the window was pinned at the old first item).
          if (this.firstKey !== null) this.moveTo(this.range().start - this.step);
        },
        () => {
          this.stalled = true;
        },
      )
      .finally(() => {
        this.loading = false;
        this.host.requestUpdate();
      });
  }

  /** A wanted load starts once it can, if the reader is still at the top. */
  private retryWanted(log: HTMLElement): void {
    if (!this.wanted || this.loading || !this.options.canLoad()) return;
    this.wanted = false;
    if (log.scrollTop < EDGE && this.range().start === 0) this.older();
  }

  /** Pins the window's first item at `start` (clamped). */
  private moveTo(start: number): void {
    const items = this.options.items();
    const clamped = Math.max(0, Math.min(start, items.length - this.size));
    const item = items[clamped];
    if (clamped + this.size >= items.length && this.atBottom) this.firstKey = null;
    else this.pin(clamped, item);
    this.host.requestUpdate();
  }

  private pin(start: number, item = this.options.items()[start]): void {
    this.firstKey = item ? this.options.keyOf(item) : null;
  }

  private capture(): Anchor {
    const log = this.options.log();
    if (!log) return null;
    if (this.atBottom) return { kind: 'bottom' };
    const top = log.getBoundingClientRect().top;
    for (const item of log.querySelectorAll<HTMLElement>('[data-key]')) {
      const rect = item.getBoundingClientRect();
      if (rect.bottom > top) return { kind: 'item', key: item.dataset.key ?? '', offset: rect.top - top };
    }
    return null;
  }

  private itemElement(log: HTMLElement, key: string): HTMLElement | undefined {
    for (const item of log.querySelectorAll<HTMLElement>('[data-key]')) if (item.dataset.key === key) return item;
    return undefined;
  }

  private toBottom(log: HTMLElement): void {
    const bottom = log.scrollHeight - log.clientHeight;
    if (log.scrollTop < bottom) log.scrollTop = bottom;
  }
}
