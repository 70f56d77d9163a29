/**
 * <room-list> in real Chromium against a real Parley server (started by the
 * test runner): the rooms a user sees, keyboard selection, creating and
 * joining rooms, direct-message presence, standalone use, and axe in both themes.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { createClient } from '@parley/sdk';
import type { ParleyClient } from '@parley/sdk';
import './room-list.js';
import type { ParleyRoomSelectEvent } from '../../events/parley-room-select.js';
import type { RoomList } from './room-list.component.js';
import { unique, until } from '../../../../../test-support/browser.js';

const SERVER = 'room-list';

async function serverUrl(): Promise<string> {
  return executeServerCommand<string, { name: string }>('parley-server-url', { name: SERVER });
}

const open: ParleyClient[] = [];

/** An online client for a fresh user (memory storage: nothing outlives the test). */
async function signIn(user: string, userName = user): Promise<ParleyClient> {
  const url = await serverUrl();
  const token = await executeServerCommand<string, { name: string; user: string; userName: string }>('parley-token', {
    name: SERVER,
    user,
    userName,
  });
  const client = createClient({ url, token, offline: 'memory', reconnect: { baseMs: 50, capMs: 500 } });
  open.push(client);
  await client.connect();
  await client.whenOnline();
  return client;
}

function options(el: RoomList): HTMLElement[] {
  return [...(el.shadowRoot?.querySelectorAll<HTMLElement>('[role="option"]') ?? [])];
}

function option(el: RoomList, room: string): HTMLElement | undefined {
  return options(el).find((o) => o.dataset.room === room);
}

function accessibleText(node: HTMLElement): string {
  return (node.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function button(el: RoomList, label: string): HTMLButtonElement {
  const found = [...(el.shadowRoot?.querySelectorAll('button') ?? [])].find(
    (b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim() === label,
  );
  if (!found) throw new Error(`no button "${label}"`);
  return found;
}

function key(target: HTMLElement, name: string): void {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true, composed: true }));
}

/** The next `parley-room-select` the element fires. */
function nextSelect(el: RoomList): Promise<ParleyRoomSelectEvent> {
  return new Promise((resolve) => el.addEventListener('parley-room-select', resolve, { once: true }));
}

function focused(el: RoomList): Element | null {
  return el.shadowRoot?.activeElement ?? null;
}

describe('<room-list>', () => {
  afterEach(async () => {
    for (const client of open.splice(0)) await client.logout();
  });

  it('lists the rooms with unread counts and selects with the keyboard; accessible in both themes', async () => {
    const ada = await signIn(unique('ada'), 'Ada');
    const bob = await signIn(unique('bob'), 'Bob');
    const adaId = ada.state.user?.id ?? '';
    const quiet = await bob.createRoom({ kind: 'group', name: 'Quiet corner', members: [adaId] });
    const busy = await bob.createRoom({ kind: 'group', name: 'Busy <b>hall</b>', members: [adaId] });
    for (const text of ['one', 'two', 'three']) busy.send(text);
    await until(() => ada.state.rooms[busy.id]?.info?.unread === 3, 'three unread messages for Ada');

    const el = await fixture<RoomList>(html`<room-list .client=${ada}></room-list>`);
    await until(() => options(el).length === 2, 'two rooms listed');
    await el.updateComplete;

    // Newest activity first; names are text, never markup.
    const [first, second] = options(el);
    expect(first.dataset.room).to.equal(busy.id);
    expect(second.dataset.room).to.equal(quiet.id);
    expect(first.querySelector('[part="room-name"]')?.textContent).to.equal('Busy <b>hall</b>');
    expect(first.querySelector('b')).to.equal(null);
    expect(first.querySelector('[part="badge"]')?.textContent?.trim()).to.equal('3');
    expect(accessibleText(first)).to.contain('3 unread messages');
    expect(second.querySelector('[part="badge"]')).to.equal(null);
    expect(el.shadowRoot?.querySelector('[role="listbox"]')?.getAttribute('aria-label')).to.equal('Your rooms');

    // One tab stop; arrows move focus, Enter selects.
    expect(options(el).filter((o) => o.tabIndex === 0)).to.have.length(1);
    first.focus();
    key(first, 'ArrowDown');
    expect(focused(el)).to.equal(option(el, quiet.id));
    key(first, 'ArrowUp');
    expect(focused(el)).to.equal(option(el, busy.id));
    key(first, 'End');
    expect(focused(el)).to.equal(option(el, quiet.id));
    const picked = nextSelect(el);
    key(option(el, quiet.id) as HTMLElement, 'Enter');
    const event = await picked;
    expect(event.room).to.equal(quiet.id);
    await el.updateComplete;
    expect(el.selected).to.equal(quiet.id);
    expect(el.getAttribute('selected')).to.equal(quiet.id);
    expect(option(el, quiet.id)?.getAttribute('aria-selected')).to.equal('true');
    expect(option(el, busy.id)?.getAttribute('aria-selected')).to.equal('false');

    // A click selects too; a listener may veto the selection.
    el.addEventListener('parley-room-select', (e) => e.preventDefault(), { once: true });
    option(el, busy.id)?.click();
    await el.updateComplete;
    expect(el.selected).to.equal(quiet.id);

    // Setting `selected` programmatically fires nothing.
    let fired = 0;
    el.addEventListener('parley-room-select', () => fired++);
    el.selected = busy.id;
    await el.updateComplete;
    expect(option(el, busy.id)?.getAttribute('aria-selected')).to.equal('true');
    expect(fired).to.equal(0);

    // Reading the room clears its badge.
    await ada.room(busy.id).markRead();
    await until(() => option(el, busy.id)?.querySelector('[part="badge"]') === null, 'badge cleared after reading');

    await expect(el).to.be.accessible();
    el.theme = 'dark';
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });

  it('creates a room and selects it', async () => {
    const ada = await signIn(unique('ada'), 'Ada');
    const el = await fixture<RoomList>(html`<room-list .client=${ada}></room-list>`);
    await until(() => (el.shadowRoot?.textContent ?? '').includes('No rooms yet'), 'the empty state');

    button(el, 'New room').click();
    await el.updateComplete;
    const name = el.shadowRoot?.querySelector<HTMLInputElement>('#create-name');
    const kind = el.shadowRoot?.querySelector<HTMLSelectElement>('#create-kind');
    expect(focused(el)).to.equal(name);
    await expect(el).to.be.accessible();
    if (!name || !kind) throw new Error('create form missing');
    name.value = 'Book club';
    kind.value = 'public';
    const picked = nextSelect(el);
    button(el, 'Create').click();
    const event = await picked;

    expect(ada.state.rooms[event.room]?.info?.kind).to.equal('public');
    await until(() => option(el, event.room) !== undefined, 'the new room listed');
    expect(option(el, event.room)?.querySelector('[part="room-name"]')?.textContent).to.equal('Book club');
    expect(el.selected).to.equal(event.room);
    expect(el.shadowRoot?.querySelector('#create-name')).to.equal(null);
  });

  it('finds a public room and joins it', async () => {
    const ada = await signIn(unique('ada'), 'Ada');
    const bob = await signIn(unique('bob'), 'Bob');
    const tag = crypto.randomUUID().slice(0, 6);
    const room = await bob.createRoom({ kind: 'public', name: `Gardening ${tag}`, topic: 'Tomatoes' });
    const el = await fixture<RoomList>(html`<room-list .client=${ada} theme="dark"></room-list>`);

    button(el, 'Browse public rooms').click();
    await el.updateComplete;
    const search = el.shadowRoot?.querySelector<HTMLInputElement>('#discover-query');
    if (!search) throw new Error('search field missing');
    expect(focused(el)).to.equal(search);
    search.value = `Gardening ${tag}`;
    button(el, 'Search').click();
    await until(() => el.shadowRoot?.querySelector(`[part="results"] [data-room="${room.id}"]`) != null, 'the search result');
    expect(el.shadowRoot?.querySelector('[part="results"]')?.textContent).to.contain('Tomatoes');
    await expect(el).to.be.accessible();

    const picked = nextSelect(el);
    button(el, `Join Gardening ${tag}`).click();
    expect((await picked).room).to.equal(room.id);
    await until(() => option(el, room.id) !== undefined, 'the joined room listed');
    expect(ada.state.rooms[room.id]?.info?.role).to.equal('member');

    // Escape closes the panel without choosing anything.
    button(el, 'Browse public rooms').click();
    await el.updateComplete;
    const field = el.shadowRoot?.querySelector<HTMLInputElement>('#discover-query');
    if (!field) throw new Error('search field missing');
    key(field, 'Escape');
    await el.updateComplete;
    expect(el.shadowRoot?.querySelector('#discover-query')).to.equal(null);
  });

  it('names a direct room after the peer and shows their presence', async () => {
    const ada = await signIn(unique('ada'), 'Ada');
    const grace = await signIn(unique('grace'), 'Grace Hopper');
    const graceId = grace.state.user?.id ?? '';
    const direct = await ada.directRoom(graceId);
    const el = await fixture<RoomList>(html`<room-list .client=${ada}></room-list>`);

    await until(
      () => option(el, direct.id)?.querySelector('[part="room-name"]')?.textContent === 'Grace Hopper',
      "the peer's name",
    );
    await until(
      () => option(el, direct.id)?.querySelector('[part="presence"]')?.getAttribute('data-status') === 'online',
      'the peer online',
    );
    expect(accessibleText(option(el, direct.id) as HTMLElement)).to.contain('online');
    await expect(el).to.be.accessible();

    await grace.disconnect();
    await until(
      () => option(el, direct.id)?.querySelector('[part="presence"]')?.getAttribute('data-status') === 'offline',
      'the peer offline after a clean close',
    );
  });

  it('works alone with its own client from server and user attributes', async () => {
    const url = await serverUrl();
    const user = unique('solo');
    const bob = await signIn(unique('bob'), 'Bob');
    const room = await bob.createRoom({ kind: 'group', name: 'Solo room', members: [user] });
    const el = await fixture<RoomList>(html`<room-list server=${url} user=${user} dev></room-list>`);
    await until(() => option(el, room.id) !== undefined, 'the room listed by the own client');
    const own = el.activeClient;
    expect(own?.state.user?.id).to.equal(user);
    el.remove();
    await until(() => own?.state.connection === 'idle', 'the own client disposed on removal');
  });
});
