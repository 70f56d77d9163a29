import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PresenceInfo, ServerFrame } from '@parley/sdk/protocol';
import { createRoom, startServer } from './helpers.js';
import type { TestClient } from './helpers.js';

/** Every presence entry `client` received, from single and batched events, in order. */
function presenceHeard(client: TestClient): PresenceInfo[] {
  return client.frames.flatMap((f: ServerFrame): PresenceInfo[] => {
    if (f.type === 'presence') return [{ user: f.user, status: f.status, lastSeen: f.lastSeen }];
    if (f.type === 'presence.batch') return f.presence;
    return [];
  });
}

describe('presence fan-out', () => {
  it('gathers one recipient’s changes into one presence.batch frame', async () => {
    const ts = await startServer({ timing: { presenceBatchMs: 2_000 } });
    try {
      const ada = await ts.connect('ada');
      const first = await Promise.all(['bob', 'carol', 'dave'].map((user) => ts.connect(user)));
      await createRoom(ada, ['bob', 'carol', 'dave']);
      await Promise.all(first.map((client) => client.close()));
      // Their offline changes are heard first (in one or more frames); then all three come back together.
      await ada.waitFor(() => ['bob', 'carol', 'dave'].every((u) => presenceHeard(ada).some((p) => p.user === u && p.status === 'offline')));
      const before = ada.frames.length;
      await Promise.all(['bob', 'carol', 'dave'].map((user) => ts.connect(user)));
      const batch = await ada.waitFor<Extract<ServerFrame, { type: 'presence.batch' }>>(
        (f) => f.type === 'presence.batch' && ada.frames.indexOf(f) >= before,
      );
      assert.deepEqual(batch.presence.map((p) => p.user).sort(), ['bob', 'carol', 'dave']);
      assert.ok(batch.presence.every((p) => p.status === 'online' && p.lastSeen !== null));
      const later = ada.frames.slice(before).filter((f) => f.type === 'presence' || f.type === 'presence.batch');
      assert.equal(later.length, 1, 'one frame for the three changes');
    } finally {
      await ts.close();
    }
  });

  it('pushes presence only through rooms up to presencePushMaxMembers; presence.get still answers for everyone', async () => {
    const ts = await startServer({ presencePushMaxMembers: 3, timing: { presenceBatchMs: 20 } });
    try {
      const ada = await ts.connect('ada');
      await createRoom(ada, ['bob', 'carol', 'dave']); // 4 members: above the threshold
      await createRoom(ada, ['erin']); // 2 members: pushed
      await ts.connect('bob');
      await ts.connect('erin');
      await ada.waitFor(() => presenceHeard(ada).some((p) => p.user === 'erin' && p.status === 'online'));
      // bob connected before erin, and changes go out in order: had bob been pushed, it would be here by now.
      assert.deepEqual(
        presenceHeard(ada).filter((p) => p.user === 'bob'),
        [],
      );
      const { presence } = await ada.request('presence.get', { users: ['bob', 'carol'] });
      assert.deepEqual(
        presence.map((p) => [p.user, p.status]),
        [
          ['bob', 'online'],
          ['carol', 'offline'],
        ],
      );
    } finally {
      await ts.close();
    }
  });
});
