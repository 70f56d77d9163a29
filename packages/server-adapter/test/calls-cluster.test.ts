/**
 * Calls across three real nodes (the CLI as child processes) on one fresh
 * PostgreSQL database and a Redis server this file starts on a free port.
 * Signalling only (hand-made RTP parameters); media across nodes is in the
 * browser test `packages/sdk/test/browser/call-cluster.test.ts`.
 *
 * - Clients on two nodes join ONE call, hosted by the node of the first
 *   joiner, and see each other's participants and producers.
 * - A non-member's join, forwarded to the owner, is refused there.
 * - A socket closing on one node, or its user removed from the room, takes
 *   its participant out of the call on the owner.
 * - The owner SIGKILLed: a forwarded request fails `call_unavailable` (not
 *   hanging), the participants elsewhere are told to rejoin, and joining
 *   again opens the call on a survivor. A forwarding node SIGKILLed: the
 *   owner drops its participants once its heartbeats stop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { locateWorkerBinary } from '../src/calls/worker-binary.js';
import { joinCall } from './calls-helpers.js';
import { startCliCluster } from './cli-cluster.js';
import type { CliCluster } from './cli-cluster.js';
import { exited } from './cli-process.js';
import type { CliProcess } from './cli-process.js';
import { FrameError, metricsText } from './helpers.js';
import { clusterServicesMissing } from './redis-process.js';

/** Claims live 3 s here (default 6 s), forwarded requests wait 3 s (default 10 s): the dead-node cases finish sooner. */
const OWNER_TTL_MS = 3_000;
const FORWARD_TIMEOUT_MS = 3_000;

/** Why this file cannot run here, or null. */
async function whyNot(): Promise<string | null> {
  const missing = await clusterServicesMissing();
  if (missing) return missing;
  const worker = locateWorkerBinary();
  if (worker.path === null) {
    const reason = `no mediasoup worker: ${worker.reason}`;
    if (process.env.CI === 'true') throw new Error(`${reason} (CI must build it)`);
    return reason;
  }
  return null;
}

/** The call gauges of a node's `/metrics`, by name without `parley_`. */
async function gauges(node: CliProcess): Promise<Record<string, number>> {
  const text = await metricsText(`${node.base}`);
  const out: Record<string, number> = {};
  for (const match of text.matchAll(/^parley_(calls?_[a-z_]+) (\d+(?:\.\d+)?)$/gm)) out[match[1]] = Number(match[2]);
  return out;
}

/** Polls `check` until it holds (bounded); fails with `what`. */
async function eventually(check: () => Promise<boolean>, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what}: not within ${tries * 50} ms`);
}

const reason = await whyNot();

describe('calls across three nodes on PostgreSQL and Redis', { skip: reason ?? false }, () => {
  let cluster: CliCluster;
  let nodes: CliProcess[] = [];
  before(async () => {
    cluster = await startCliCluster(3, 'calls-cluster', {
      PARLEY_CALL_WORKERS: '1',
      PARLEY_CALL_OWNER_TTL_MS: String(OWNER_TTL_MS),
      PARLEY_CALL_FORWARD_TIMEOUT_MS: String(FORWARD_TIMEOUT_MS),
    });
    nodes = cluster.nodes;
  });

  after(async () => {
    await cluster?.close();
  });

  it('clients on two nodes join one call on the first joiner’s node and see each other', { timeout: 60_000 }, async () => {
    const room = await cluster.createRoom(['a1', 'a2', 'a3'], 'call');
    const first = await cluster.connect(nodes[0], 'a1');
    const second = await cluster.connect(nodes[1], 'a2');

    const one = await joinCall(first, room);
    const two = await joinCall(second, room);
    assert.deepEqual(two.join.participants.map((p) => p.user), ['a1'], 'the second joiner (node 1) finds the first (node 0) in the call');
    await first.waitFor((f) => f.type === 'call.participant.joined' && f.participant.user === 'a2');

    const camera = await one.produce('camera');
    const added = await second.waitFor((f) => f.type === 'call.producer.added' && f.producer.id === camera);
    assert.equal(added.type === 'call.producer.added' && added.producer.user, 'a1');
    await two.consume(camera);
    const mic = await two.produce('mic');
    await first.waitFor((f) => f.type === 'call.producer.added' && f.producer.id === mic);
    await one.consume(mic);

    // One call, on node 0: it counts both participants and all their media; node 1 holds none.
    const owner = await gauges(nodes[0]);
    assert.equal(owner.calls_active, 1);
    assert.equal(owner.call_participants, 2);
    assert.equal(owner.call_transports, 4);
    assert.equal(owner.call_producers, 2);
    assert.equal(owner.call_consumers, 2);
    const other = await gauges(nodes[1]);
    assert.equal(other.calls_active, 0);
    assert.equal(other.call_transports, 0);

    // A forwarded request by someone not in the room is refused by the owner, as on one node
    // (`not_found`: a group room does not show itself to non-members).
    const outsider = await cluster.connect(nodes[2], 'x9');
    assert.equal(await outsider.fail('call.join', { room }), 'not_found');
    // A forwarded media request checks the caller's own participant there.
    assert.equal(await outsider.fail('call.transport.create', { room, direction: 'recv' }), 'not_found');

    // The socket on node 1 closes: the owner drops its participant and media.
    await second.close();
    const left = await first.waitFor((f) => f.type === 'call.participant.left' && f.user === 'a2');
    assert.equal(left.type === 'call.participant.left' && left.reason, 'disconnected');
    await eventually(async () => {
      const g = await gauges(nodes[0]);
      return g.call_participants === 1 && g.call_transports === 2 && g.call_consumers === 0;
    }, 'node 0 freed the media of the participant on node 1');

    // A member removed from the room while in the call from node 2 leaves it.
    const third = await cluster.connect(nodes[2], 'a3');
    await joinCall(third, room);
    await first.waitFor((f) => f.type === 'call.participant.joined' && f.participant.user === 'a3');
    await first.request('room.kick', { room, user: 'a3' });
    const removed = await first.waitFor((f) => f.type === 'call.participant.left' && f.user === 'a3');
    assert.equal(removed.type === 'call.participant.left' && removed.reason, 'removed');
    await third.waitFor((f) => f.type === 'call.participant.left' && f.user === 'a3' && f.reason === 'removed');
    await eventually(async () => (await gauges(nodes[0])).call_participants === 1, 'the removed member left the call on node 0');

    await first.request('call.leave', { room });
    await eventually(async () => (await gauges(nodes[0])).calls_active === 0, 'the call ended with its last participant');
  });

  it('the owner killed: forwarded requests fail typed, the others rejoin and the call opens on a survivor', { timeout: 90_000 }, async () => {
    const room = await cluster.createRoom(['b1', 'b2', 'b3'], 'call');
    const onOwner = await cluster.connect(nodes[0], 'b1');
    const onSecond = await cluster.connect(nodes[1], 'b2');
    const onThird = await cluster.connect(nodes[2], 'b3');
    await joinCall(onOwner, room);
    const second = await joinCall(onSecond, room);
    await joinCall(onThird, room);
    assert.equal((await gauges(nodes[0])).call_participants, 3, 'node 0 hosts all three');

    nodes[0].child.kill('SIGKILL');
    await exited(nodes[0].child);

    // No answer from the dead owner: a typed, retryable failure after the forward timeout, not a hang.
    try {
      await onSecond.request('call.transport.restartIce', { room, transportId: second.recv });
      assert.fail('a request to a dead owner succeeded');
    } catch (error) {
      assert.ok(error instanceof FrameError, String(error));
      assert.equal(error.code, 'call_unavailable');
      assert.ok((error.frame.retryAfterMs ?? 0) > 0, 'it says when to try again');
    }

    // Once the dead owner's claim expires, its participants elsewhere are told to join again.
    const rejoinWithin = OWNER_TTL_MS * 4;
    await onSecond.waitFor((f) => f.type === 'call.rejoin' && f.room === room, rejoinWithin);
    await onThird.waitFor((f) => f.type === 'call.rejoin' && f.room === room, rejoinWithin);

    const again = await joinCall(onSecond, room);
    assert.deepEqual(again.join.participants, [], 'a new call, on node 1');
    const third = await joinCall(onThird, room);
    assert.deepEqual(third.join.participants.map((p) => p.user), ['b2'], 'node 2 joins the call node 1 hosts now');
    const survivor = await gauges(nodes[1]);
    assert.equal(survivor.calls_active, 1);
    assert.equal(survivor.call_participants, 2);
    assert.equal((await gauges(nodes[2])).calls_active, 0);

    // Now the node forwarding a participant dies: its heartbeats stop and the owner drops that participant.
    await third.produce('camera');
    nodes[2].child.kill('SIGKILL');
    await exited(nodes[2].child);
    const gone = await onSecond.waitFor((f) => f.type === 'call.participant.left' && f.user === 'b3', rejoinWithin);
    assert.equal(gone.type === 'call.participant.left' && gone.reason, 'disconnected');
    await eventually(async () => {
      const g = await gauges(nodes[1]);
      return g.call_participants === 1 && g.call_producers === 0;
    }, 'node 1 freed the media of the dead node’s participant');
  });
});
