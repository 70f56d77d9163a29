/** `<parley-session>` against a real Parley server in dev mode. */
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { createClient } from '@parley/sdk';
import type { ParleyClient } from '@parley/sdk';
import './parley-session.js';
import '../chat-room/chat-room.js';
import type { ChatRoom } from '../chat-room/chat-room.component.js';
import type { ParleySession } from './parley-session.component.js';
import { unique, until } from '../../../../../test-support/browser.js';

const SERVER = 'elements-session';
const open: ParleyClient[] = [];

async function serverUrl(): Promise<string> {
  return executeServerCommand<string, { name: string }>('parley-server-url', { name: SERVER });
}

async function client(user: string): Promise<ParleyClient> {
  const token = await executeServerCommand<string, { name: string; user: string }>('parley-token', { name: SERVER, user });
  const c = createClient({ url: await serverUrl(), token });
  open.push(c);
  await c.connect();
  await c.whenOnline();
  return c;
}

function texts(room: ChatRoom): string[] {
  return [...(room.shadowRoot?.querySelectorAll('[part~="message"] [part~="text"]') ?? [])].map((t) => t.textContent?.trim() ?? '');
}

afterEach(async () => {
  for (const c of open.splice(0)) await c.logout();
});

describe('<parley-session>', () => {
  it('mints a dev token, connects, and shares its client with a <chat-room> inside', async () => {
    const ada = await client(unique('ada'));
    const bobId = unique('bob');
    const room = await ada.createRoom({ kind: 'group', name: 'Session', members: [bobId] });
    await room.send('welcome bob');

    const session = await fixture<ParleySession>(html`
      <parley-session server=${await serverUrl()} user=${bobId} user-name="Bob" dev>
        <chat-room room=${room.id}></chat-room>
      </parley-session>
    `);
    const chat = session.querySelector('chat-room') as ChatRoom;
    await until(() => session.activeClient?.state.connection === 'online', 'session online');
    expect(chat.activeClient).to.equal(session.activeClient);
    expect(session.activeClient?.state.user?.name).to.equal('Bob');
    await until(() => texts(chat).includes('welcome bob'), 'history shows in the room');

    await session.activeClient?.room(room.id).send('thanks ada');
    await until(() => ada.state.rooms[room.id]?.messages.some((m) => m.text === 'thanks ada') === true, 'ada receives');

    // Leaving the DOM disposes the session's own client.
    const owned = session.activeClient as ParleyClient;
    session.remove();
    await until(() => owned.state.connection === 'idle', 'disconnected');
    await owned.logout();
  });

  it('provides a client the host passes in, and never disposes it', async () => {
    const ada = await client(unique('ada'));
    const room = await ada.createRoom({ kind: 'group', name: 'Hosted' });
    await room.send('from the host client');
    const session = await fixture<ParleySession>(html`
      <parley-session .client=${ada}><chat-room room=${room.id}></chat-room></parley-session>
    `);
    const chat = session.querySelector('chat-room') as ChatRoom;
    expect(chat.activeClient).to.equal(ada);
    await until(() => texts(chat).includes('from the host client'), 'history shows');
    session.remove();
    await session.updateComplete;
    expect(ada.state.connection).to.equal('online');
  });

  it('passes a token function through for refresh', async () => {
    const user = unique('cy');
    let calls = 0;
    const token = async (): Promise<string> => {
      calls += 1;
      return executeServerCommand<string, { name: string; user: string }>('parley-token', { name: SERVER, user });
    };
    const session = await fixture<ParleySession>(html`<parley-session server=${await serverUrl()} user=${user} .token=${token}></parley-session>`);
    await until(() => session.activeClient?.state.connection === 'online', 'online with a token function');
    expect(calls).to.be.greaterThan(0);
    expect(session.activeClient?.state.user?.id).to.equal(user);
    const owned = session.activeClient as ParleyClient;
    session.remove();
    await until(() => owned.state.connection === 'idle', 'disconnected');
    await owned.logout();
  });
});
