/**
 * The SDK in a real browser: real IndexedDB, real WebSocket, real server
 * (started by the test runner; see web-test-runner.config.mjs).
 */
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { createClient } from '../../src/index.js';
import type { ParleyClient } from '../../src/index.js';
import { unique, until } from '../../../../test-support/browser.js';

function texts(client: ParleyClient, room: string): string[] {
  return (client.state.rooms[room]?.messages ?? []).filter((m) => m.kind === 'user').map((m) => m.text);
}

interface Credentials {
  url: string;
  token: string;
}

async function credentials(server: string, user: string): Promise<Credentials> {
  const url = await executeServerCommand<string, { name: string }>('parley-server-url', { name: server });
  const token = await executeServerCommand<string, { name: string; user: string }>('parley-token', { name: server, user });
  return { url, token };
}

/** A client with the browser's defaults: global WebSocket, IndexedDB storage. */
function clientFor({ url, token }: Credentials): ParleyClient {
  return createClient({ url, token, reconnect: { baseMs: 50, capMs: 500 } });
}

async function client(server: string, user: string): Promise<ParleyClient> {
  return clientFor(await credentials(server, user));
}

describe('SDK in the browser', () => {
  const open: ParleyClient[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) await c.logout();
  });

  it('two clients chat', async () => {
    const ada = await client('chat', unique('ada'));
    const bob = await client('chat', unique('bob'));
    open.push(ada, bob);
    await Promise.all([ada.connect(), bob.connect()]);
    await Promise.all([ada.whenOnline(), bob.whenOnline()]);
    const bobId = bob.state.user?.id ?? '';

    const room = await ada.createRoom({ kind: 'group', name: 'Browser', members: [bobId] });
    await room.send('hello from Chromium');
    await until(() => texts(bob, room.id).includes('hello from Chromium'), 'bob receives');
    await bob.room(room.id).send('hi ada');
    await until(() => texts(ada, room.id).length === 2, 'ada receives the reply');
    expect(texts(ada, room.id)).to.deep.equal(['hello from Chromium', 'hi ada']);
    expect(texts(bob, room.id)).to.deep.equal(['hello from Chromium', 'hi ada']);
  });

  it('logout deletes everything the client stored on the device', async () => {
    const user = unique('eve');
    const eve = await client('chat', user);
    await eve.connect();
    await eve.whenOnline();
    const room = await eve.createRoom({ kind: 'group', name: 'Private' });
    await room.send('secret');
    const databases = async (): Promise<string[]> => (await indexedDB.databases()).map((d) => d.name ?? '');
    const name = (await databases()).find((n) => n.endsWith(`:${user}`));
    expect(name, 'an IndexedDB database for this user').to.be.a('string');
    await eve.logout();
    expect(eve.state.rooms).to.deep.equal({});
    expect(eve.state.pending).to.equal(0);
    expect(await databases()).not.to.include(name);
  });

  it('keeps the outbox in IndexedDB across a reload and delivers exactly once, in order', async () => {
    const server = 'reload';
    const adaCredentials = await credentials(server, unique('ada'));
    const ada1 = clientFor(adaCredentials);
    const bob = await client(server, unique('bob'));
    open.push(bob);
    await Promise.all([ada1.connect(), bob.connect()]);
    await Promise.all([ada1.whenOnline(), bob.whenOnline()]);
    const room = await ada1.createRoom({ kind: 'group', name: 'Outbox', members: [bob.state.user?.id ?? ''] });
    await until(() => bob.state.rooms[room.id]?.info != null, 'bob knows the room');

    await executeServerCommand('parley-server-stop', { name: server });
    await until(() => ada1.state.connection === 'offline' && bob.state.connection === 'offline', 'both offline');

    const expected = ['m1', 'm2', 'm3', 'm4', 'm5'];
    for (const text of expected) void room.send(text).catch(() => undefined);
    expect(ada1.state.pending).to.equal(5);
    await ada1.dispose();

    // "Reload": a new client for the same user finds the same database.
    const ada2 = clientFor(adaCredentials);
    open.push(ada2);
    await ada2.connect();
    expect(texts(ada2, room.id)).to.deep.equal(expected);
    expect(ada2.state.pending).to.equal(5);
    expect(ada2.state.rooms[room.id].messages.map((m) => m.status)).to.deep.equal(Array(5).fill('pending'));

    await executeServerCommand('parley-server-start', { name: server });
    await ada2.whenOnline();
    await until(() => ada2.state.pending === 0, 'outbox drained');
    await until(() => texts(bob, room.id).length >= 5, 'bob receives');
    // Give a duplicate every chance to show up before checking there is none.
    await bob.room(room.id).loadOlder();
    expect(texts(ada2, room.id)).to.deep.equal(expected);
    expect(texts(bob, room.id)).to.deep.equal(expected);
    expect(ada2.state.rooms[room.id].messages.map((m) => m.status).every((s) => s !== 'pending')).to.equal(true);
    const history = await bob.request('message.history', { room: room.id });
    expect(history.messages.filter((m) => m.kind === 'user').map((m) => m.text)).to.deep.equal(expected);
  });
});
