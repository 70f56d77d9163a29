/**
 * Misconfiguration is visible: each reason `<chat-room>` cannot work shows
 * its own sentence in the banner, fires one `parley-error` with its own code
 * and writes one console line, not one per retry; a room the user cannot use
 * disables the composer without an unhandled rejection. Against the real
 * servers of web-test-runner.config.mjs: stopped, refusing the page's origin,
 * or given tokens it cannot verify or that have expired.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { createClient } from '@parley/sdk';
import type { ParleyClient, TokenSource, WebSocketConstructor } from '@parley/sdk';
import type { ChatRoom } from './chat-room.component.js';
import type { ParleyErrorEvent } from '../../events/parley-error.js';
import { client, closeClients, input, root, say, unique, until } from '../../../test-support/chat-room.js';

const SERVER = 'elements-errors';

/** What the page saw: `parley-error` events and the elements' console lines. */
interface Seen {
  events: ParleyErrorEvent[];
  lines: string[];
  unhandled: unknown[];
}

let seen: Seen;
let restore: Array<() => void> = [];
const owned: ParleyClient[] = [];

beforeEach(() => {
  seen = { events: [], lines: [], unhandled: [] };
  const onError = (event: ParleyErrorEvent): void => void seen.events.push(event);
  const onUnhandled = (event: PromiseRejectionEvent): void => {
    seen.unhandled.push(event.reason);
    event.preventDefault();
  };
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (String(args[0]).startsWith('Parley <')) seen.lines.push(String(args[0]));
    else warn(...args);
  };
  document.addEventListener('parley-error', onError);
  window.addEventListener('unhandledrejection', onUnhandled);
  restore = [
    () => document.removeEventListener('parley-error', onError),
    () => window.removeEventListener('unhandledrejection', onUnhandled),
    () => (console.warn = warn),
  ];
});

afterEach(async () => {
  for (const undo of restore) undo();
  for (const c of owned.splice(0)) await c.dispose();
  await closeClients();
});

async function serverUrl(name: string, allowedOrigins?: string[]): Promise<string> {
  return executeServerCommand<string, { name: string; allowedOrigins?: string[] }>('parley-server-url', { name, allowedOrigins });
}

function signed(user: string, options: { expiresInSeconds?: number; secret?: string } = {}): Promise<string> {
  return executeServerCommand<string, { user: string; expiresInSeconds?: number; secret?: string }>('parley-signed-token', { user, ...options });
}

function banner(el: ChatRoom): HTMLElement | null {
  return root(el).querySelector<HTMLElement>('[part~="banner"]');
}

/** `<chat-room server user>` with a `token`, as a page embeds it. */
async function standalone(server: string, token: TokenSource, room = 'lobby'): Promise<ChatRoom> {
  const el = document.createElement('chat-room') as ChatRoom;
  el.setAttribute('server', server);
  el.setAttribute('user', unique('erin'));
  el.setAttribute('room', room);
  el.token = token;
  return fixture<ChatRoom>(el);
}

/** Waits for the banner of `code` and returns its text; checks the one event and the one console line. */
async function reported(el: ChatRoom, code: string, flags: { fatal: boolean; retrying: boolean }): Promise<string> {
  await until(() => banner(el)?.dataset.code === code, `the banner of ${code}`);
  const text = banner(el)?.textContent?.trim() ?? '';
  const events = seen.events.filter((e) => e.target === el);
  expect(events.map((e) => e.code)).to.deep.equal([code]);
  expect(events[0].message).to.equal(text);
  expect({ fatal: events[0].fatal, retrying: events[0].retrying }).to.deep.equal(flags);
  expect((events[0].cause as { code?: string }).code).to.equal(code);
  expect(seen.lines).to.have.length(1);
  expect(seen.lines[0]).to.contain(`<chat-room>: ${code}:`);
  return text;
}

describe('<chat-room> errors', () => {
  it('a wrong server URL says the server is unreachable: one event and one line over many retries, again after it came back and went', async () => {
    const name = `${SERVER}-down`;
    const url = await serverUrl(name);
    const user = unique('erin');
    const token = await executeServerCommand<string, { name: string; user: string }>('parley-token', { name, user });
    // A room of hers, for when the server is back.
    const earlier = await client(name, user, { offline: 'memory' });
    const { id: room } = await earlier.createRoom({ kind: 'group', name: 'Hers', members: [] });
    await executeServerCommand('parley-server-stop', { name });
    let attempts = 0;
    const Counting = class extends WebSocket {
      constructor(target: string) {
        super(target);
        attempts++;
      }
    } as unknown as WebSocketConstructor;
    const erin = createClient({ url, token, offline: 'memory', WebSocket: Counting, reconnect: { baseMs: 20, capMs: 100 } });
    owned.push(erin);
    void erin.connect();
    const el = await fixture<ChatRoom>(html`<chat-room .client=${erin} room=${room}></chat-room>`);

    const text = await reported(el, 'unreachable', { fatal: false, retrying: true });
    expect(text).to.contain('Cannot reach the chat server');
    const before = attempts;
    await until(() => attempts >= before + 5, 'five more attempts');
    await el.updateComplete;
    expect(seen.events, 'no event per retry').to.have.length(1);
    expect(seen.lines, 'no line per retry').to.have.length(1);
    expect(seen.lines[0]).to.contain('check the `server` URL');

    await executeServerCommand('parley-server-start', { name });
    await until(() => erin.state.connection === 'online' && banner(el) === null, 'online, no banner');
    await executeServerCommand('parley-server-stop', { name });
    await until(() => seen.lines.length === 2, 'a second line once the server is gone again');
    expect(seen.events.map((e) => e.code)).to.deep.equal(['unreachable', 'unreachable']);
    await executeServerCommand('parley-server-start', { name });
  });

  it('a bad token, an expired token, a failing token function and a refused origin each say their own thing', async () => {
    const url = await serverUrl(SERVER);
    const strict = await serverUrl(`${SERVER}-strict`, ['https://app.example']);
    const shown = new Map<string, string>();
    const cases: Array<{ code: string; server: string; token: () => Promise<TokenSource>; fatal: boolean }> = [
      { code: 'auth_failed', server: url, token: () => signed(unique('erin'), { secret: 'not-the-server-secret-but-long-enough' }), fatal: true },
      { code: 'token_expired', server: url, token: () => signed(unique('erin'), { expiresInSeconds: -60 }), fatal: true },
      {
        code: 'token_unavailable',
        server: url,
        token: () => Promise.resolve(() => Promise.reject(new Error('the session endpoint answered 500'))),
        fatal: false,
      },
      { code: 'origin_forbidden', server: strict, token: () => signed(unique('erin')), fatal: true },
    ];
    for (const { code, server, token, fatal } of cases) {
      seen.events.length = seen.lines.length = 0;
      const el = await standalone(server, await token());
      shown.set(code, await reported(el, code, { fatal, retrying: !fatal }));
      el.remove();
    }
    expect(shown.get('auth_failed')).to.contain('did not accept your sign-in');
    expect(shown.get('token_expired')).to.contain('expired');
    expect(shown.get('token_unavailable')).to.contain('Could not sign in');
    expect(shown.get('origin_forbidden')).to.contain('This site may not use');
    expect(new Set(shown.values()).size, 'four different sentences').to.equal(4);
  });

  it('a token function that keeps failing writes one line, however often it is called', async () => {
    let calls = 0;
    const el = await standalone(await serverUrl(SERVER), () => {
      calls++;
      return Promise.reject(new Error('no session'));
    });
    await reported(el, 'token_unavailable', { fatal: false, retrying: true });
    const before = calls;
    await until(() => calls >= before + 2, 'two more calls of the token function');
    await el.updateComplete;
    expect(seen.events).to.have.length(1);
    expect(seen.lines).to.have.length(1);
    expect(seen.lines[0]).to.contain('the token function failed: no session');
  });

  it('cancelling parley-error leaves the banner and the console to the host', async () => {
    document.addEventListener('parley-error', (event) => event.preventDefault(), { once: true });
    const el = await standalone(await serverUrl(SERVER), await signed(unique('erin'), { secret: 'not-the-server-secret-but-long-enough' }));
    await until(() => seen.events.length === 1, 'the event');
    await until(() => el.activeClient?.state.connection === 'failed', 'the connection failed');
    await el.updateComplete;
    expect(seen.events[0].code).to.equal('auth_failed');
    expect(banner(el), 'no banner').to.equal(null);
    expect(seen.lines, 'no console line').to.deep.equal([]);
  });

  it('a public room the user has not joined says so, disables the composer and leaves no unhandled rejection', async () => {
    const ada = await client(SERVER, unique('ada'));
    const bob = await client(SERVER, unique('bob'));
    const room = await ada.createRoom({ kind: 'public', name: 'Open to join', members: [] });
    const el = await fixture<ChatRoom>(html`<chat-room .client=${bob} room=${room.id}></chat-room>`);
    const text = await reported(el, 'not_member', { fatal: true, retrying: false });
    expect(text).to.equal('You are not a member of this room.');
    expect(input(el).disabled, 'the field').to.equal(true);
    expect(root(el).querySelector<HTMLButtonElement>('[part="send"]')?.disabled, 'the send button').to.equal(true);
    // A round trip to the server: many tasks after the one an unhandled rejection would be reported in.
    await bob.request('ping', {});
    expect(seen.unhandled.map(String)).to.deep.equal([]);
    expect(seen.lines[0]).to.contain('add the user to the room');

    // Another room that does exist and is his: usable again.
    const own = await bob.createRoom({ kind: 'group', name: 'Mine', members: [] });
    el.room = own.id;
    await until(() => banner(el) === null && !input(el).disabled, 'the composer enabled in his own room');
  });

  it('a room that does not exist says so and disables the composer', async () => {
    const bob = await client(SERVER, unique('bob'));
    const el = await fixture<ChatRoom>(html`<chat-room .client=${bob} room=${unique('no-such-room')}></chat-room>`);
    const text = await reported(el, 'not_found', { fatal: true, retrying: false });
    expect(text).to.equal('This room does not exist.');
    expect(input(el).disabled).to.equal(true);
    await bob.request('ping', {});
    expect(seen.unhandled.map(String)).to.deep.equal([]);
  });

  it('a refused send in a broadcast room says the user may not post and disables the composer', async () => {
    const ada = await client(SERVER, unique('ada'));
    const bob = await client(SERVER, unique('bob'));
    const room = await ada.createRoom({ kind: 'broadcast', name: 'Announcements', members: [bob.state.user?.id ?? ''] });
    await until(() => bob.state.rooms[room.id]?.info != null, 'bob is a member');
    const el = await fixture<ChatRoom>(html`<chat-room .client=${bob} room=${room.id}></chat-room>`);
    await until(() => (root(el).textContent ?? '').includes('beginning of the conversation'), 'the history');
    expect(input(el).disabled, 'members may try').to.equal(false);
    await say(el, 'may I?');
    const text = await reported(el, 'forbidden', { fatal: true, retrying: false });
    expect(text).to.equal('You may not do that in this room.');
    await until(() => input(el).disabled, 'the composer disabled');
    await bob.request('ping', {});
    expect(seen.unhandled.map(String)).to.deep.equal([]);
  });
});
