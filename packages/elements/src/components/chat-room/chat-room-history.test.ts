/**
 * `<chat-room>` history against a real server: the unread divider and
 * jump-to-latest, and windowing of long rooms (the DOM holds at most one
 * window of messages however far back the reader scrolls).
 */
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { ParleyClient } from '@parley/sdk';
import type { ChatRoom } from './chat-room.component.js';
import { client, closeClients, focused, messages, pair, repeatUntil, root, texts, unique, until } from '../../../test-support/chat-room.js';

afterEach(closeClients);

/** Most messages `<chat-room>` renders at once. */
const WINDOW = 150;
const SERVER = 'elements-history';

function log(el: ChatRoom): HTMLElement {
  return root(el).querySelector('[part~="messages"]') as HTMLElement;
}

function jump(el: ChatRoom): HTMLButtonElement | null {
  return root(el).querySelector<HTMLButtonElement>('[part~="jump"]');
}

/** The message is at least partly inside the log's visible box. */
function inView(el: ChatRoom, item: Element | undefined): boolean {
  if (!item) return false;
  const box = log(el).getBoundingClientRect();
  const rect = item.getBoundingClientRect();
  return rect.bottom > box.top && rect.top < box.bottom;
}

/** Sends `count` messages `m1`… from `sender` (pipelined: the outbox keeps their order); returns the last seq. */
async function fill(sender: ParleyClient, room: string, count: number, prefix = 'm'): Promise<number> {
  const sent = await Promise.all(Array.from({ length: count }, (_, i) => sender.room(room).send(`${prefix}${i + 1}`)));
  return Math.max(...sent.map((m) => m.seq));
}

describe('<chat-room> history', () => {
  it('opens at the unread divider, and jump-to-latest shows the newest and marks the room read', async () => {
    const ada = await client(SERVER, unique('ada'));
    const bob = await client(SERVER, unique('bob'));
    const room = await ada.createRoom({ kind: 'group', name: 'Unread', members: [bob.state.user?.id ?? ''] });
    const info = () => bob.state.rooms[room.id]?.info;
    const readSeq = await fill(ada, room.id, 5, 'read');
    await until(() => info()?.lastSeq === readSeq, 'bob has the first ones');
    bob.room(room.id).markRead();
    await until(() => info()?.readSeq === readSeq && info()?.unread === 0, 'bob read the first ones');
    const lastSeq = await fill(ada, room.id, 40, 'new');
    await until(() => info()?.lastSeq === lastSeq && (info()?.unread ?? 0) > 0, 'bob has unread messages');

    const b = await fixture<ChatRoom>(html`<chat-room .client=${bob} room=${room.id} style="height: 320px"></chat-room>`);
    await until(() => texts(b).includes('new40'), 'the newest page shows');
    const marker = () => root(b).querySelector<HTMLElement>('[part~="unread-marker"]');
    await until(() => marker() !== null, 'the divider shows');
    // The divider sits right before the first unread message, and the reader starts there.
    const next = marker()?.nextElementSibling as HTMLElement;
    expect(next.querySelector('[part~="text"]')?.textContent).to.equal('new1');
    expect(marker()?.previousElementSibling?.querySelector('[part~="text"]')?.textContent).to.equal('read5');
    await until(() => inView(b, marker() ?? undefined), 'the divider is in view');
    expect(inView(b, messages(b).at(-1)), 'the newest is below the fold').to.equal(false);
    await until(() => jump(b) !== null, 'a jump button');
    expect(info()?.readSeq, 'not read while the reader is at the divider').to.equal(readSeq);
    expect(info()?.unread).to.be.greaterThan(0);

    // New messages while reading older ones are counted on the button.
    await fill(ada, room.id, 2, 'later');
    await until(() => (jump(b)?.textContent ?? '').includes('2 new'), 'the button counts new messages');

    jump(b)?.click();
    await until(() => inView(b, messages(b).at(-1)), 'the newest is in view');
    expect(texts(b).at(-1)).to.equal('later2');
    await until(() => jump(b) === null, 'the button goes');
    await until(() => info()?.unread === 0 && info()?.readSeq === info()?.lastSeq, 'the room is read');
    expect(focused(b), 'focus goes to the composer').to.equal(root(b).querySelector('[part="input"]'));
  });

  it('keeps at most one window of messages in the DOM, loads older on scroll and jumps back to the latest', async () => {
    const ada = await client(SERVER, unique('ada'));
    const room = await ada.createRoom({ kind: 'group', name: 'Long', members: [] });
    await fill(ada, room.id, 600);
    const sent = Array.from({ length: 600 }, (_, i) => `m${i + 1}`);
    const a = await fixture<ChatRoom>(html`<chat-room .client=${ada} room=${room.id} style="height: 400px"></chat-room>`);
    await until(() => texts(a).includes('m600'), 'the newest page shows');

    // Scroll to the top until the start of the room shows, loading page after page.
    const atStart = (): boolean => (root(a).textContent ?? '').includes('This is the beginning of the conversation.');
    let largest = 0;
    // Twelve pages of history, each a round trip: a generous bound.
    await repeatUntil(
      () => {
        largest = Math.max(largest, messages(a).length);
        log(a).scrollTop = 0;
      },
      atStart,
      'the start of the room after scrolling up',
      { timeoutMs: 60_000 },
    );
    largest = Math.max(largest, messages(a).length);
    expect(texts(a)[0]).to.equal('m1');
    expect(largest, 'never more than one window in the DOM').to.be.at.most(WINDOW);
    expect(messages(a).length).to.be.at.most(WINDOW);
    expect(texts(a).includes('m600')).to.equal(false);
    // The rendered slice is contiguous and in order.
    const shown = texts(a);
    expect(shown.join(' ')).to.equal(sent.slice(0, shown.length).join(' '));
    expect(log(a).getAttribute('role')).to.equal('log');

    // Keyboard: the roving tab stop moves down past the window's end, which follows.
    const first = messages(a)[0] as HTMLElement;
    first.focus();
    await sendKeys({ press: 'End' });
    await until(() => (focused(a) as HTMLElement | null)?.querySelector('[part~="text"]')?.textContent === 'm600', 'End focuses the newest');
    expect(messages(a).length).to.be.at.most(WINDOW);

    // Back to the top with Home (the room's first item is the "created" system message),
    // then "Jump to latest" brings the newest back.
    await sendKeys({ press: 'Home' });
    await until(() => (focused(a)?.textContent ?? '').includes('created the room'), 'Home focuses the oldest');
    expect(texts(a)[0]).to.equal('m1');
    await until(() => jump(a) !== null, 'a jump button');
    jump(a)?.click();
    await until(() => texts(a).at(-1) === 'm600' && inView(a, messages(a).at(-1)), 'the newest in view');
    expect(messages(a).length).to.be.at.most(WINDOW);

    // Scrolling down from older messages moves the window back down, still bounded.
    await repeatUntil(
      () => {
        log(a).scrollTop = 0;
      },
      () => texts(a)[0] === 'm301',
      'the window three steps up',
    );
    expect(texts(a)).to.not.include('m600');
    await repeatUntil(
      () => {
        expect(messages(a).length).to.be.at.most(WINDOW);
        log(a).scrollTop = log(a).scrollHeight;
      },
      () => texts(a).includes('m600') && jump(a) === null,
      'the newest again after scrolling down',
    );
    expect(messages(a).length).to.be.at.most(WINDOW);
    expect(texts(a).at(-1)).to.equal('m600');
    expect(jump(a)).to.equal(null);
  });

  it('follows new messages at the bottom without growing past the window', async () => {
    const { ada, a, room } = await pair(SERVER);
    a.style.height = '300px';
    await fill(ada, room, WINDOW + 20);
    await until(() => texts(a).at(-1) === `m${WINDOW + 20}`, 'the newest shows');
    expect(messages(a).length).to.be.at.most(WINDOW);
    expect(inView(a, messages(a).at(-1))).to.equal(true);
    expect(jump(a)).to.equal(null);
  });
});
