/**
 * A call across two server nodes (PostgreSQL + Redis), in real Chromium with
 * its fake camera and microphone: one user connected to node 0, the other to
 * node 1, both in one call. The call's router lives on the first joiner's
 * node; the other node forwards signalling, and media goes from each browser
 * straight to the owning node. Each decodes the other's video, per WebRTC's
 * own statistics. Skipped when PostgreSQL or Redis cannot be reached.
 */
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { createClient } from '../../src/index.js';
import type { Call, ParleyClient } from '../../src/index.js';
import { eventually, unique, until } from '../../../../test-support/browser.js';

async function client(node: number, user: string): Promise<ParleyClient> {
  const url = await executeServerCommand<string | null, { node: number }>('parley-cluster-url', { node });
  if (!url) throw new Error('no cluster');
  const token = await executeServerCommand<string, { user: string }>('parley-cluster-token', { user });
  const c = createClient({ url, token, offline: 'memory', reconnect: { baseMs: 50, capMs: 500 } });
  await c.connect();
  await c.whenOnline();
  return c;
}

/**
 * Whether the two nodes run (false when PostgreSQL or Redis cannot be
 * reached), asking again while they start: a fresh database and two nodes
 * may take longer than one server command may.
 */
async function clusterReady(): Promise<boolean> {
  let status = 'starting';
  await eventually(
    async () => (status = await executeServerCommand<string, undefined>('parley-cluster-status')) !== 'starting',
    'the two nodes to start',
    { timeoutMs: 120_000, intervalMs: 0 },
  );
  return status === 'ready';
}

function gauges(node: number): Promise<Record<string, number>> {
  return executeServerCommand<Record<string, number>, { node: number }>('parley-cluster-gauges', { node });
}

describe('a call across two server nodes', function () {
  // Media set-up takes many round trips and handshakes; on a busy machine several times longer.
  this.timeout(240_000);
  const open: ParleyClient[] = [];
  const calls: Call[] = [];
  afterEach(async () => {
    for (const call of calls.splice(0)) await call.leave();
    for (const c of open.splice(0)) await c.logout();
  });

  it('users on different nodes decode each other’s video; the first joiner’s node carries all the media', async function () {
    if (!(await clusterReady())) this.skip(); // PostgreSQL or Redis is not reachable here.
    const ada = await client(0, unique('ada'));
    const bob = await client(1, unique('bob'));
    open.push(ada, bob);
    const adaId = ada.state.user?.id ?? '';
    const bobId = bob.state.user?.id ?? '';
    const room = await ada.createRoom({ kind: 'group', name: 'Across nodes', members: [bobId] });
    await until(() => bob.state.rooms[room.id] !== undefined, 'bob (node 1) sees the room');

    const adaCall = await ada.call(room.id);
    const bobCall = await bob.call(room.id);
    calls.push(adaCall, bobCall);
    await adaCall.join();
    await bobCall.join();

    await eventually(async () => {
      const [fromAda, fromBob] = [(await bobCall.stats())[adaId], (await adaCall.stats())[bobId]];
      return (fromAda?.videoFramesDecoded ?? 0) > 0 && (fromBob?.videoFramesDecoded ?? 0) > 0;
    }, 'decoded video frames both ways');

    // One call, on node 0 (ada joined first): it holds both participants' transports; node 1 none.
    const owner = await gauges(0);
    expect([owner.calls_active, owner.call_participants, owner.call_transports]).to.deep.equal([1, 2, 4]);
    const other = await gauges(1);
    expect([other.calls_active, other.call_transports]).to.deep.equal([0, 0]);

    await bobCall.leave();
    await eventually(async () => (await gauges(0)).call_participants === 1, 'bob left the call on node 0');
  });
});
