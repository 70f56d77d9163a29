/** What every e2e test file needs: a chat server, a static server, a browser, clean teardown. */
import type { Browser } from 'playwright-core';
import { ChatTab, chatUrl } from './chat-page.js';
import { launchChromium } from './chromium.js';
import { ParleyServerProcess } from './parley-server.js';
import { StaticServer } from './static-server.js';

/** Where a user's page comes from. */
export type PageHost =
  /** the chat server itself, as `npm start` serves the examples */
  | 'chat-server'
  /** the test's static server, which stays up while the chat server is down */
  | 'static-server';

/** A chat server, a static server, a browser and the tabs opened in them, closed together. */
export class E2eFixture {
  readonly statics = new StaticServer();
  #server: ParleyServerProcess | null = null;
  #browser: Browser | null = null;
  readonly #tabs: ChatTab[] = [];

  /** The chat server process (after `setUp()`). */
  get server(): ParleyServerProcess {
    if (!this.#server) throw new Error('E2eFixture.setUp() has not run');
    return this.#server;
  }

  /** Starts both servers and launches Chromium. */
  async setUp(): Promise<void> {
    await this.statics.listen();
    this.#server = new ParleyServerProcess({ extraOrigins: [this.statics.origin] });
    await this.#server.start();
    this.#browser = await launchChromium();
  }

  /** Opens `user`'s tab on the script-tag page in `room`, in a fresh browser context. */
  async open(user: string, room: string, host: PageHost = 'chat-server'): Promise<ChatTab> {
    if (!this.#browser) throw new Error('E2eFixture.setUp() has not run');
    const pageOrigin = host === 'chat-server' ? this.server.url : this.statics.origin;
    const tab = await ChatTab.open(this.#browser, chatUrl(pageOrigin, this.server.url, user, room));
    this.#tabs.push(tab);
    return tab;
  }

  /** Uncaught errors of every page so far (a test asserts there were none). */
  pageErrors(): string[] {
    return this.#tabs.flatMap((tab) => tab.errors);
  }

  /** Closes every tab, the browser and both servers, and removes the data directory. */
  async tearDown(): Promise<void> {
    await Promise.allSettled(this.#tabs.map((tab) => tab.close()));
    await this.#browser?.close();
    this.#browser = null;
    await this.#server?.dispose();
    await this.statics.close();
  }
}
