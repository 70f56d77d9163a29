/**
 * Every Parley element finds its SDK client the same way (`ParleyElement`):
 * its `client` property, else the enclosing `<parley-session>`'s, else one of
 * its own from `server` + `user` + `dev`, made again after a move in the DOM
 * and disposed when it leaves. Checked on each of the five tags against a
 * real server.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { createClient } from '@parley/sdk';
import type { ParleyClient } from '@parley/sdk';
import '../components/call-panel/call-panel.js';
import '../components/chat-room/chat-room.js';
import '../components/parley-session/parley-session.js';
import '../components/room-list/room-list.js';
import '../components/workspace-editor/workspace-editor.js';
import type { ParleySession } from '../components/parley-session/parley-session.component.js';
import type { ParleyErrorEvent } from '../events/parley-error.js';
import type { ParleyElement } from './parley-element.js';
import { unique, until } from '../../../../test-support/browser.js';

const SERVER = 'elements-base';
const TAGS = ['parley-session', 'chat-room', 'room-list', 'call-panel', 'workspace-editor'] as const;
const open: ParleyClient[] = [];

async function serverUrl(): Promise<string> {
  return executeServerCommand<string, { name: string }>('parley-server-url', { name: SERVER });
}

/** A client the test owns, online as `user`. */
async function hostClient(user: string): Promise<ParleyClient> {
  const token = await executeServerCommand<string, { name: string; user: string }>('parley-token', { name: SERVER, user });
  const client = createClient({ url: await serverUrl(), token });
  open.push(client);
  await client.connect();
  await client.whenOnline();
  return client;
}

/** `<tag server user dev>`, made with the DOM API so one helper serves every tag. */
async function standalone(tag: string, user: string): Promise<ParleyElement> {
  const el = document.createElement(tag) as ParleyElement;
  el.setAttribute('server', await serverUrl());
  el.setAttribute('user', user);
  el.setAttribute('dev', '');
  return fixture<ParleyElement>(el);
}

/** Waits until `el` uses a client of its own that is online as `user`, and returns it. */
async function ownClientOnline(el: ParleyElement, user: string, what: string): Promise<ParleyClient> {
  await until(() => el.activeClient?.state.connection === 'online' && el.activeClient.state.user?.id === user, what);
  const own = el.activeClient as ParleyClient;
  open.push(own);
  return own;
}

afterEach(async () => {
  for (const client of open.splice(0)) await client.logout();
});

describe('ParleyElement: how each element gets its client', () => {
  for (const tag of TAGS) {
    it(`<${tag}> alone connects its own client, makes a new one after a move, and disposes it on removal`, async () => {
      const user = unique('solo');
      const el = await standalone(tag, user);
      const first = await ownClientOnline(el, user, `<${tag}>'s own client online`);

      const elsewhere = document.createElement('div');
      document.body.append(elsewhere);
      elsewhere.append(el); // a move: disconnected, then connected again
      await until(() => first.state.connection === 'idle', `the first own client of <${tag}> disposed by the move`);
      const second = await ownClientOnline(el, user, `<${tag}>'s new own client online after the move`);
      expect(second).to.not.equal(first);

      elsewhere.remove();
      await until(() => second.state.connection === 'idle', `<${tag}>'s own client disposed on removal`);
    });
  }

  for (const tag of TAGS.filter((t) => t !== 'parley-session')) {
    it(`<${tag}> inside a <parley-session> uses the session's client, and its client property wins`, async () => {
      const session = await fixture<ParleySession>(html`<parley-session></parley-session>`);
      const shared = await hostClient(unique('ada'));
      session.client = shared;
      const el = document.createElement(tag) as ParleyElement;
      el.setAttribute('server', await serverUrl()); // ignored while a session provides a client
      el.setAttribute('user', unique('ignored'));
      el.setAttribute('dev', '');
      session.append(el);
      await until(() => el.activeClient === shared, `<${tag}> takes the session's client`);

      const own = await hostClient(unique('bob'));
      el.client = own;
      await until(() => el.activeClient === own, `<${tag}>'s client property wins over the session's`);
      el.remove();
      session.remove();
      await session.updateComplete;
      expect(own.state.connection, 'a host client is never disposed by the element').to.equal('online');
      expect(shared.state.connection, "a host client is never disposed by the session").to.equal('online');
    });
  }

  it('a <parley-session> inside another keeps a client of its own', async () => {
    const outer = await fixture<ParleySession>(html`<parley-session></parley-session>`);
    const shared = await hostClient(unique('ada'));
    outer.client = shared;
    const user = unique('inner');
    const inner = document.createElement('parley-session');
    inner.setAttribute('server', await serverUrl());
    inner.setAttribute('user', user);
    inner.setAttribute('dev', '');
    outer.append(inner);
    const own = await ownClientOnline(inner, user, "the inner session's own client online");
    expect(own).to.not.equal(shared);
    outer.remove();
    await until(() => own.state.connection === 'idle', "the inner session's own client disposed on removal");
  });
});

describe('ParleyElement: failures', () => {
  const WRONG_SECRET = 'not-the-server-secret-but-long-enough';
  let lines: string[] = [];
  let events: ParleyErrorEvent[] = [];
  let undo: () => void = () => undefined;

  beforeEach(() => {
    lines = [];
    events = [];
    const warn = console.warn;
    const onError = (event: ParleyErrorEvent): void => void events.push(event);
    console.warn = (...args: unknown[]) => {
      if (String(args[0]).startsWith('Parley <')) lines.push(String(args[0]));
      else warn(...args);
    };
    document.addEventListener('parley-error', onError);
    undo = () => {
      console.warn = warn;
      document.removeEventListener('parley-error', onError);
    };
  });

  afterEach(() => undo());

  /** A token the server cannot verify. */
  function badToken(user: string): Promise<string> {
    return executeServerCommand<string, { user: string; secret: string }>('parley-signed-token', { user, secret: WRONG_SECRET });
  }

  /** The element's text for `code` (a banner or error part with `data-code`), once shown. */
  async function shown(el: Element, code: string): Promise<string> {
    const find = (): HTMLElement | null | undefined => el.shadowRoot?.querySelector<HTMLElement>(`[data-code="${code}"]`);
    await until(() => (find()?.textContent?.trim() ?? '') !== '', `<${el.localName}> shows ${code}`);
    return find()?.textContent?.trim() ?? '';
  }

  for (const tag of TAGS.filter((t) => t !== 'parley-session')) {
    it(`<${tag}> says the server refused the token, fires parley-error and writes one console line`, async () => {
      const el = document.createElement(tag) as ParleyElement;
      el.setAttribute('server', await serverUrl());
      el.setAttribute('user', unique('erin'));
      el.setAttribute('room', 'lobby');
      el.token = await badToken(unique('erin'));
      await fixture(el);
      expect(await shown(el, 'auth_failed')).to.equal('The chat server did not accept your sign-in.');
      expect(events.map((e) => [e.target, e.code, e.fatal, e.retrying])).to.deep.equal([[el, 'auth_failed', true, false]]);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.equal(
        `Parley <${tag}>: auth_failed: the token could not be verified — sign tokens with the server’s secret or key, and its \`issuer\` and \`audience\` if set`,
      );
    });
  }

  it('elements that share a session’s failing client each show it, with one console line between them', async () => {
    const session = document.createElement('parley-session') as ParleySession;
    session.setAttribute('server', await serverUrl());
    session.setAttribute('user', unique('erin'));
    session.token = await badToken(unique('erin'));
    session.innerHTML = '<room-list></room-list><chat-room room="lobby"></chat-room>';
    await fixture(session);
    const [list, room] = [session.querySelector('room-list'), session.querySelector('chat-room')] as Element[];
    const sentence = 'The chat server did not accept your sign-in.';
    expect(await shown(list, 'auth_failed')).to.equal(sentence);
    expect(await shown(room, 'auth_failed')).to.equal(sentence);
    await until(() => events.length === 3, 'an event from the session and each element');
    expect(events.map((e) => (e.target as Element).localName).sort()).to.deep.equal(['chat-room', 'parley-session', 'room-list']);
    expect(lines, 'one client, one cause: one line').to.have.length(1);
  });

  it('a <parley-session> whose token function fails without a user id says so in the elements inside', async () => {
    const session = document.createElement('parley-session') as ParleySession;
    session.setAttribute('server', await serverUrl());
    session.token = () => Promise.reject(new Error('the session endpoint answered 500'));
    session.innerHTML = '<chat-room room="lobby"></chat-room>';
    await fixture(session);
    const room = session.querySelector('chat-room') as Element;
    expect(await shown(room, 'token_unavailable')).to.equal('Could not sign in to the chat. Retrying…');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.contain('the token function failed: the session endpoint answered 500');
  });
});
