/**
 * Guarantee checker, three nodes: CLI nodes on one fresh PostgreSQL
 * database and a redis-server of the test's own, while SDK and raw clients
 * spread over the nodes work in three rooms and lose their sockets at chosen
 * moments. Each round: one node SIGKILLed and restarted on its port; Redis
 * killed and restarted, and during that outage a raw and an SDK client open
 * the first sockets of their rooms on the restarted node; Redis frozen
 * (SIGSTOP) and let go. The checks are those of the one-node run; see
 * `guarantees/checker.ts`.
 *
 * PARLEY_CHECKER_ROUNDS=n multiplies the rounds (soak runs);
 * PARLEY_CHECKER_SEED=s replays a run's schedule.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCliCluster } from './cli-cluster.js';
import type { CliCluster } from './cli-cluster.js';
import { runChecker } from './guarantees/checker.js';
import type { Cast } from './guarantees/checker.js';
import { envCount, runSeed } from './guarantees/rng.js';
import type { Rng } from './guarantees/rng.js';
import { pause } from './guarantees/workload.js';
import type { Member } from './guarantees/workload.js';
import { clusterServicesMissing } from './redis-process.js';

const ROUNDS = envCount('PARLEY_CHECKER_ROUNDS', 1);
/** Fault rounds per unit of PARLEY_CHECKER_ROUNDS. */
const FAULT_ROUNDS = 2;
const NODES = 3;
/** How long the late joiners may take to open their sockets on the restarted node (Redis stays down meanwhile). */
const LATE_JOIN_MS = 10_000;

const reason = await clusterServicesMissing();

/** Waits until `members` are connected, at most `ms`; returns how many are. */
async function connectedWithin(members: readonly Member[], ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !members.every((m) => m.connected)) await pause(20);
  return members.filter((m) => m.connected).length;
}

/** The fault schedule; see the module comment. */
async function faults(cluster: CliCluster, cast: Cast, rng: Rng): Promise<Record<string, number>> {
  const figures = { node_kills: 0, redis_kills: 0, redis_pauses: 0, late_joins: 0 };
  const all = Array.from({ length: NODES }, (_, i) => i);
  for (let round = 0; round < FAULT_ROUNDS * ROUNDS; round++) {
    // A node dies; nobody may open a socket on it again until the Redis outage below.
    await pause(rng.int(1_000, 2_000));
    const victim = rng.int(0, NODES - 1);
    for (const member of cast.members) member.router.allow(all.filter((i) => i !== victim));
    await cluster.killNode(victim);
    figures.node_kills += 1;
    cast.event(`node ${victim} SIGKILLed`);
    await pause(rng.int(200, 600));
    await cluster.startNode(victim);
    cast.event(`node ${victim} up`);
    await pause(rng.int(1_000, 2_000));

    // Redis goes away; a raw and an SDK client open the first sockets of their rooms on the fresh node.
    await cluster.killRedis();
    figures.redis_kills += 1;
    cast.event('redis SIGKILLed');
    await pause(300);
    const late: Member[] = [cast.raw[round % cast.raw.length], cast.sdk[round % cast.sdk.length]];
    for (const member of late) {
      member.router.allow([victim]);
      member.cut(`moved to node ${victim}`);
    }
    figures.late_joins += await connectedWithin(late, LATE_JOIN_MS);
    cast.event(`${late.map((m) => m.name).join(' and ')} joined through node ${victim} during the outage`);
    await pause(rng.int(500, 1_500));
    await cluster.startRedis();
    cast.event('redis up');
    await pause(rng.int(1_500, 2_500));
    for (const member of cast.members) member.router.allow(null);

    // Redis freezes: its sockets stay open, nothing is answered.
    await pause(rng.int(1_000, 2_000));
    cluster.pauseRedis();
    figures.redis_pauses += 1;
    cast.event('redis SIGSTOPped');
    await pause(rng.int(1_500, 3_000));
    cluster.resumeRedis();
    cast.event('redis SIGCONTinued');
    await pause(1_000);
  }
  return figures;
}

describe('guarantees on three nodes (PostgreSQL + Redis)', { skip: reason ?? false }, () => {
  let cluster: CliCluster | undefined;

  before(async () => {
    cluster = await startCliCluster(NODES, 'guarantees', { PARLEY_CALLS: '0' });
  });

  after(async () => {
    cluster?.resumeRedis();
    await cluster?.close();
  });

  it('keeps every acked change exactly once, in one order, through node kills and Redis outages', { timeout: 150_000 * ROUNDS }, async () => {
    assert.ok(cluster, 'the cluster started');
    const nodes = cluster;
    const seed = runSeed();
    console.log(`guarantees three-node seed=${seed} rounds=${ROUNDS}`);
    const urls = nodes.nodes.map((node) => node.wsUrl);
    const result = await runChecker({
      label: 'three-node',
      seed,
      urls,
      base: nodes.nodes[0].base,
      sdkClients: 4,
      rawClients: 3,
      rooms: 3,
      maxActions: 3_000 * ROUNDS,
      workDeadline: Date.now() + 75_000 * ROUNDS,
      cuts: { random: 0.01, lostAck: 0.01, skipAhead: 0.5 },
      readerUrl: () => nodes.nodes[0].wsUrl,
      faults: (cast, rng) => faults(nodes, cast, rng),
    });

    console.log(result.summary);
    if (!result.findings.clean) console.log(result.notes.join('\n'));
    assert.equal(result.faults.node_kills, FAULT_ROUNDS * ROUNDS, 'a node was SIGKILLed every round');
    assert.equal(result.faults.late_joins, 2 * FAULT_ROUNDS * ROUNDS, 'the late joiners came online during every Redis outage');
    assert.ok(result.messages > 0, 'the clients got messages through');
    assert.deepEqual(
      result.findings.bad,
      { lost: 0, duplicated: 0, outOfOrder: 0, liveGaps: 0, viewMismatches: 0, cursorViolations: 0 },
      `seed ${seed}:\n${result.notes.join('\n')}`,
    );
    assert.deepEqual(result.unsettled, [], 'every client reconnected and drained its outbox once the faults were healed');
  });
});
