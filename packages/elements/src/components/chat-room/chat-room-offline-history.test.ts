/**
 * `<chat-room>` opened offline on a device cache that holds only the newest
 * messages (so the room has older history on the server). Regression test:
 * the element used to retry loading that history after every render, and
 * offline each attempt fails at once, so the retries never yielded to the
 * event loop and the tab froze (seen in the Storybook stories).
 */
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { createClient, MemoryOfflineStore } from '@parley/sdk';
import type { ClientOptions, ParleyClient } from '@parley/sdk';
import './chat-room.js';
import type { ChatRoom } from './chat-room.component.js';
import { unique, until } from '../../../../../test-support/browser.js';

const SERVER = 'elements-chat-offline-history';
/** More history requests than this means a retry loop; the spy then stops answering to end it. */
const LOOP = 20;

const open: ParleyClient[] = [];

function texts(el: ChatRoom): string[] {
  const items = el.shadowRoot?.querySelectorAll('[part~="messages"] [part~="message"]:not([part~="system-message"])') ?? [];
  return [...items].map((m) => m.querySelector('[part~="text"]')?.textContent?.trim() ?? '');
}

function banner(el: ChatRoom): string {
  return el.shadowRoot?.querySelector('[part~="banner"]')?.textContent?.trim() ?? '';
}

afterEach(async () => {
  for (const c of open.splice(0)) await c.logout();
  await executeServerCommand('parley-server-start', { name: SERVER });
});

describe('<chat-room> offline with older history', () => {
  it('shows the cached messages without retrying history in a loop, and loads the rest once back online', async () => {
    const url = await executeServerCommand<string, { name: string }>('parley-server-url', { name: SERVER });
    const user = unique('ada');
    const token = await executeServerCommand<string, { name: string; user: string }>('parley-token', { name: SERVER, user });
    const store = new MemoryOfflineStore();
    const options: ClientOptions = {
      url,
      userId: user,
      token,
      offline: store,
      // The device keeps the two newest messages of a room.
      historyCacheSize: 2,
      reconnect: { baseMs: 50, capMs: 500 },
    };

    // Online: five messages; then the page closes and the server becomes unreachable.
    const earlier = createClient(options);
    await earlier.connect();
    await earlier.whenOnline();
    const room = await earlier.createRoom({ kind: 'group', name: 'Cached' });
    for (const text of ['m1', 'm2', 'm3', 'm4', 'm5']) await room.send(text);
    await earlier.dispose();
    await executeServerCommand('parley-server-stop', { name: SERVER });

    // The next visit, offline, on the same device cache.
    const ada = createClient(options);
    open.push(ada);
    const handle = ada.room(room.id);
    const loadOlder = handle.loadOlder.bind(handle);
    let requests = 0;
    handle.loadOlder = (limit) => {
      requests++;
      return requests > LOOP ? new Promise(() => undefined) : loadOlder(limit);
    };
    await ada.connect();
    const el = await fixture<ChatRoom>(html`<chat-room .client=${ada} room=${room.id} style="height: 400px"></chat-room>`);
    // The server is down: after a few attempts in a row the banner says so (rather than "You are offline").
    await until(() => ada.state.connection === 'offline' && banner(el).startsWith('Cannot reach the chat server'), 'the unreachable banner');
    await until(() => texts(el).join() === 'm4,m5', 'the cached messages');
    // Let any retry that the last render queued run before counting.
    await el.updateComplete;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(requests, 'history requests while offline').to.be.at.most(1);
    expect(banner(el)).to.match(/^Cannot reach the chat server/);

    await executeServerCommand('parley-server-start', { name: SERVER });
    await until(() => texts(el).join() === 'm1,m2,m3,m4,m5', 'the older messages once back online');
    expect(requests).to.be.at.most(LOOP);
  });
});
