import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PresenceStatus, ServerFrame } from '@parley/sdk/protocol';
import { createRoom, metricsText, startServer } from './helpers.js';
import type { TestClient, TestServer } from './helpers.js';

type PresenceEvent = Extract<ServerFrame, { type: 'presence' }>;

function presenceOf(client: TestClient, user: string, status: PresenceStatus): Promise<PresenceEvent> {
  return client.waitFor<PresenceEvent>((f) => f.type === 'presence' && f.user === user && f.status === status);
}

/** Waits until the server's connection gauge shows `count` open sockets (bounded). */
async function waitForConnections(ts: TestServer, count: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const text = await metricsText(`${ts.url}`);
    const match = /^parley_connections (\d+)/m.exec(text);
    if (match && Number(match[1]) === count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the server never reported ${count} connections`);
}

describe('presence', () => {
  it('goes online on connect, away and back on request, offline at once on a clean close', async () => {
    const ts = await startServer({ timing: { presenceTimeoutMs: 60_000 } });
    try {
      const ada = await ts.connect('ada');
      const bobFirst = await ts.connect('bob');
      await createRoom(ada, ['bob']);
      await bobFirst.close();
      await presenceOf(ada, 'bob', 'offline');

      const bob = await ts.connect('bob');
      await presenceOf(ada, 'bob', 'online');
      await bob.request('presence.set', { status: 'away' });
      await presenceOf(ada, 'bob', 'away');
      const { presence } = await ada.request('presence.get', { users: ['bob', 'nobody'] });
      assert.equal(presence[0].status, 'away');
      assert.ok(presence[0].lastSeen !== null);
      assert.deepEqual(presence[1], { user: 'nobody', status: 'offline', lastSeen: null });
      await bob.request('presence.set', { status: 'online' });
      await ada.waitFor((f) => f.type === 'presence' && f.user === 'bob' && f.status === 'online' && ada.events('presence').filter((e) => e.user === 'bob' && e.status === 'online').length === 2);

      const offlineBefore = ada.events('presence').filter((e) => e.user === 'bob' && e.status === 'offline').length;
      await bob.close();
      await ada.waitFor(() => ada.events('presence').filter((e) => e.user === 'bob' && e.status === 'offline').length === offlineBefore + 1);
      const after = await ada.request('presence.get', { users: ['bob'] });
      assert.equal(after.presence[0].status, 'offline');
    } finally {
      await ts.close();
    }
  });

  it('shows status and last-seen only to people who share a room and have not blocked each other', async () => {
    const ts = await startServer({ timing: { presenceTimeoutMs: 60_000 } });
    try {
      const ada = await ts.connect('ada');
      const bob = await ts.connect('bob');
      const stranger = await ts.connect('stranger');
      await createRoom(ada, ['bob']);
      const hidden = { user: 'bob', status: 'offline', lastSeen: null };
      assert.deepEqual((await stranger.request('presence.get', { users: ['bob'] })).presence, [hidden], 'a stranger learns nothing');
      assert.equal((await ada.request('presence.get', { users: ['bob'] })).presence[0].status, 'online');
      assert.equal((await bob.request('presence.get', { users: ['bob'] })).presence[0].status, 'online', 'one’s own status');

      await bob.request('user.block', { user: 'ada' });
      assert.deepEqual((await ada.request('presence.get', { users: ['bob'] })).presence, [hidden], 'blocked by bob: ada learns nothing');
      assert.deepEqual((await bob.request('presence.get', { users: ['ada'] })).presence, [{ ...hidden, user: 'ada' }], 'nor the other way');
    } finally {
      await ts.close();
    }
  });

  it('stays online after an unclean drop until the heartbeat times out', async () => {
    const ts = await startServer({ timing: { presenceTimeoutMs: 60_000 } });
    try {
      const ada = await ts.connect('ada');
      const bob = await ts.connect('bob');
      await createRoom(ada, ['bob']);
      bob.terminate();
      await waitForConnections(ts, 1);
      const { presence } = await ada.request('presence.get', { users: ['bob'] });
      assert.equal(presence[0].status, 'online');
    } finally {
      await ts.close();
    }
  });

  it('turns a silent user offline after the timeout, and a ping brings them back', async () => {
    const ts = await startServer({ timing: { presenceTimeoutMs: 300, presenceSweepMs: 50 } });
    try {
      const ada = await ts.connect('ada');
      const bob = await ts.connect('bob');
      await createRoom(ada, ['bob']);
      await presenceOf(ada, 'bob', 'offline');
      await bob.request('ping', {});
      await presenceOf(ada, 'bob', 'online');
    } finally {
      await ts.close();
    }
  });
});

describe('typing', () => {
  it('publishes typing to the room, throttles repeats, always acks', async () => {
    const ts = await startServer({ timing: { typingThrottleMs: 60_000 } });
    try {
      const ada = await ts.connect('ada');
      const bob = await ts.connect('bob');
      const room = await createRoom(ada, ['bob']);
      assert.deepEqual(await ada.request('typing', { room, typing: true }), {});
      await bob.waitFor((f) => f.type === 'typing' && f.room === room && f.user === 'ada' && f.typing);
      assert.deepEqual(await ada.request('typing', { room, typing: true }), {});
      assert.deepEqual(await ada.request('typing', { room, typing: true }), {});
      await ada.request('typing', { room, typing: false });
      await bob.waitFor((f) => f.type === 'typing' && f.room === room && f.user === 'ada' && !f.typing);
      const typed = bob.events('typing').filter((f) => f.room === room);
      assert.deepEqual(typed.map((f) => f.typing), [true, false]);
      await ada.request('typing', { room, typing: true });
      await bob.waitFor(() => bob.events('typing').filter((f) => f.room === room).length === 3);
    } finally {
      await ts.close();
    }
  });
});
