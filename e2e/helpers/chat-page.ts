/**
 * One user's tab on the script-tag example page, read and driven through the
 * documented hooks of `<chat-room>`: each message is `part="message"` with
 * `data-status` and its text; the composer is `part="input"` and
 * `part="send"`. Playwright's CSS selectors pierce open shadow roots.
 */
import type { BrowserContext, Browser, Page } from 'playwright-core';
import { PAGE_ACTION_MS } from './bounds.js';
import { eventually, type EventuallyOptions } from './eventually.js';

const MESSAGE = 'chat-room [part~="message"]';
const INPUT = 'chat-room [part~="input"]';
const SEND = 'chat-room [part~="send"]';

/** A message as the user sees it. */
export interface ShownMessage {
  /** Its visible text, whitespace collapsed (sender, time and status included). */
  text: string;
  /** `data-status`: pending, sent, delivered, read or failed. */
  status: string;
}

/**
 * The script-tag example page on `pageOrigin` for `user` in `room`, talking
 * to the chat server at `server` (named only when it is another origin).
 */
export function chatUrl(pageOrigin: string, server: string, user: string, room: string): string {
  const params = new URLSearchParams({ user, room });
  if (server !== pageOrigin) params.set('server', server);
  return `${pageOrigin}/script-tag/?${params.toString()}`;
}

/** A user's browser context (own profile: own IndexedDB and storage) and page. */
export class ChatTab {
  readonly errors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly url: string,
  ) {
    // Uncaught page errors are kept so a failing test can show them.
    page.on('pageerror', (error) => this.errors.push(error.message));
  }

  /**
   * Opens `url` in a fresh context (its own profile). `options.prepare` sets the
   * context up first (routes, say); `options.watch` sees the page before it loads anything.
   */
  static async open(
    browser: Browser,
    url: string,
    options: { prepare?: (context: BrowserContext) => Promise<void>; watch?: (page: Page) => void } = {},
  ): Promise<ChatTab> {
    const { prepare, watch } = options;
    const context = await browser.newContext();
    context.setDefaultTimeout(PAGE_ACTION_MS);
    await prepare?.(context);
    const tab = new ChatTab(context, await context.newPage(), url);
    watch?.(tab.page);
    await tab.page.goto(url);
    return tab;
  }

  /** Every message shown, in display order. */
  messages(): Promise<ShownMessage[]> {
    return this.page.locator(MESSAGE).evaluateAll((elements) =>
      elements.map((element) => ({
        text: (element.textContent ?? '').replace(/\s+/g, ' ').trim(),
        status: element.getAttribute('data-status') ?? '',
      })),
    );
  }

  /**
   * Waits until the page shows the room with a usable composer and no
   * "Joining…" or error line (on a first visit the page joins the room first).
   */
  async ready(): Promise<void> {
    await eventually(
      'the page to show the room and its composer',
      () =>
        this.page.evaluate(() => ({
          room: document.querySelector('chat-room')?.getAttribute('room') ?? '',
          status: document.getElementById('status')?.textContent ?? '',
        })),
      ({ room, status }) => room !== '' && status === '',
    );
    await this.page.locator(INPUT).waitFor({ state: 'visible' });
    await this.page.locator(SEND).waitFor({ state: 'visible' });
  }

  /** Types `text` into the composer and presses the send button, as a user would. */
  async send(text: string): Promise<void> {
    const input = this.page.locator(INPUT);
    await input.fill(text);
    await this.page.locator(SEND).click();
    await eventually('the composer to clear after sending', () => input.inputValue(), (value) => value === '');
  }

  /**
   * Waits until every one of `texts` is shown exactly once, in this order, with
   * a status that `status` accepts, and returns those messages.
   */
  async waitForMessages(
    texts: readonly string[],
    status: (status: string) => boolean = () => true,
    options?: EventuallyOptions,
  ): Promise<ShownMessage[]> {
    const shown = await eventually(
      `${texts.length} message(s) in order: ${JSON.stringify(texts)}`,
      () => this.messages(),
      (messages) => findInOrder(messages, texts, status) !== null,
      options,
    );
    return findInOrder(shown, texts, status) ?? [];
  }

  /** Reloads the page and waits for its `load` event. */
  async reload(): Promise<void> {
    await this.page.reload();
  }

  /** Closes the context (and with it the page and its profile). */
  close(): Promise<void> {
    return this.context.close();
  }
}

/**
 * The shown messages matching `texts` (each contained in exactly one shown
 * message, in the same order, with an accepted status), or `null`.
 */
export function findInOrder(
  shown: readonly ShownMessage[],
  texts: readonly string[],
  status: (status: string) => boolean = () => true,
): ShownMessage[] | null {
  const found: ShownMessage[] = [];
  let previous = -1;
  for (const text of texts) {
    const indexes = shown.flatMap((message, index) => (message.text.includes(text) ? [index] : []));
    const index = indexes[0];
    if (indexes.length !== 1 || index === undefined || index <= previous) return null;
    const message = shown[index];
    if (!message || !status(message.status)) return null;
    found.push(message);
    previous = index;
  }
  return found;
}

/** `count` distinct message texts; the trailing period keeps "#1." from matching inside "#10.". */
export function numberedTexts(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix} #${index + 1}.`);
}
