/**
 * Workspace attack: bystanders chat in their own rooms while one person,
 * with accounts that are members of another room, sends hostile workspace
 * updates (pairs of updates whose merge is quadratic in Yjs): first with a
 * few accounts taking turns (the server keeps an account out for a while
 * after a refusal), then with a new account for every pair (the worst case:
 * every pair costs the server a full budget). Measures the bystanders' chat
 * ack latency with no attacker and during each attack, side by side, the
 * longest the server's event loop was held up in each phase, and what became
 * of the hostile updates: refused, accepted, relayed to another member.
 *
 * The peer is the same server measured without the attacker in the same
 * run: the phases take turns, round after round, and each is reported by its
 * round with the median p99.
 */
import { startChild } from '../lib/children.js';
import type { Child } from '../lib/children.js';
import { runStep } from '../lib/chat-step.js';
import type { StepResult } from '../lib/chat-step.js';
import { bytes, count, ms, ratio, verdict } from '../lib/format.js';
import { LoadGroup } from '../lib/load-group.js';
import type { Scenario } from '../lib/scenario.js';
import { seedRooms, seedUsers } from '../lib/seed.js';
import { startServer, waitForQuiet } from '../lib/servers.js';

const ROOM_SIZE = 10;
const WORKSPACE_ROOM = 'attacked-workspace';
const WATCHER = 'victim';
/** The attacks: how many accounts each uses per round (they take turns; a refused account is kept out for a while). */
const ATTACKS = [
  { name: 'attacker, 4 accounts taking turns', accounts: 4 },
  { name: 'attacker, a new account for every pair', accounts: 60 },
] as const;
/** What the attack may add to the bystanders' p99 ack latency. */
const TARGET_ADDED_MS = 100;

interface Config {
  bystanders: number;
  ratePerBystander: number;
  durationMs: number;
  /** Rounds of (no attacker, attacker), interleaved. */
  rounds: number;
  /** Characters each hostile update inserts one by one at index 0. */
  items: number;
  /** Distinct hostile pairs built beforehand; the attacker cycles through them. */
  pairs: number;
}

const FULL: Config = { bystanders: 20, ratePerBystander: 5, durationMs: 10_000, rounds: 3, items: 5_000, pairs: 12 };
const SHORT: Config = { bystanders: 10, ratePerBystander: 5, durationMs: 4_000, rounds: 1, items: 5_000, pairs: 4 };

interface AttackOutcome {
  pairs: number;
  updates: number;
  accepted: number;
  closes: Record<string, number>;
  relayed: number;
  relayedBytes: number;
}

interface Phase {
  step: StepResult;
  loopMaxMs: number;
  attack: AttackOutcome | null;
}

export const workspaceAttack: Scenario = {
  name: 'workspace-attack',
  title: 'Workspace attack: bystanders\' chat acks while a member sends hostile workspace updates',
  timeoutMs: (short) => (short ? 60_000 : 900_000),
  async run(ctx) {
    const config = ctx.short ? SHORT : FULL;
    const users = Array.from({ length: config.bystanders }, (_, i) => `b${i}`);
    const rooms = Array.from({ length: Math.ceil(config.bystanders / ROOM_SIZE) }, (_, r) => ({
      id: `chat${r}`,
      members: users.slice(r * ROOM_SIZE, (r + 1) * ROOM_SIZE),
    }));
    // accounts[round][attack]: fresh ones every round, so no account is still kept out from the round before.
    const accounts = Array.from({ length: config.rounds }, (_, r) =>
      ATTACKS.map((attack, a) => Array.from({ length: attack.accounts }, (_, i) => `mallory${r}-${a}-${i}`)),
    );
    const server = await startServer('parley', {
      seed: async (storage) => {
        await seedUsers(storage, [...users, ...accounts.flat(2), WATCHER]);
        await seedRooms(storage, [...rooms, { id: WORKSPACE_ROOM, members: [WATCHER, ...accounts.flat(2)] }]);
      },
    });
    const group = await LoadGroup.start(1);
    let attacker: Child | null = null;
    try {
      const specs = users.map((user, i) => ({ user, room: rooms[Math.floor(i / ROOM_SIZE)].id }));
      const connected = await group.connect('parley', server.port, specs);
      if (connected.failed > 0) throw new Error(`${connected.failed} bystanders failed to connect: ${connected.error}`);
      attacker = await startChild('load/workspace-attacker.ts', { name: 'workspace-attacker' });
      const prepared = await attacker.call<{ ms: number; bytes: number }>(
        'prepare',
        { url: `ws://127.0.0.1:${server.port}/v1/yjs/${WORKSPACE_ROOM}`, watcher: WATCHER, pairs: config.pairs, items: config.items },
        300_000,
      );
      ctx.log(`  built ${config.pairs} hostile pairs of ${count(config.items)} insertions (${bytes(prepared.bytes)} per update) in ${prepared.ms} ms`);
      const plan = {
        publishers: config.bystanders,
        ratePerPublisher: config.ratePerBystander,
        durationMs: config.durationMs,
        receivers: ROOM_SIZE,
        // A stalled server sends nothing for seconds: wait that out, so late acks are counted rather than missed.
        drainQuietMs: ctx.short ? 5_000 : 20_000,
        drainMaxMs: ctx.short ? 15_000 : 120_000,
      };

      await waitForQuiet(server.child, 10_000);
      const quiet: Phase[] = [];
      const attacked: Phase[][] = ATTACKS.map(() => []);
      for (let round = 0; round < config.rounds; round++) {
        await server.child.call('loopDelay');
        const calm = await runStep(server.child, group, plan);
        quiet.push({ step: calm, loopMaxMs: (await server.child.call<{ maxMs: number }>('loopDelay')).maxMs, attack: null });
        ctx.log(`  round ${round + 1}: no attacker: ack p99 ${ms(calm.ack?.p99)} ms, loop stall max ${ms(quiet[round].loopMaxMs)} ms`);
        for (let a = 0; a < ATTACKS.length; a++) {
          await attacker.call('attack', { attackers: accounts[round][a] });
          const step = await runStep(server.child, group, plan);
          const outcome = await attacker.call<AttackOutcome>('stop', {}, 180_000);
          const loopMaxMs = (await server.child.call<{ maxMs: number }>('loopDelay', {}, 180_000)).maxMs;
          attacked[a].push({ step, loopMaxMs, attack: outcome });
          ctx.log(
            `  round ${round + 1}: ${ATTACKS[a].name}: ack p99 ${ms(step.ack?.p99)} ms, loop stall max ${ms(loopMaxMs)} ms; ` +
              `${outcome.updates} hostile updates sent, closes ${JSON.stringify(outcome.closes)}, ${outcome.relayed} relayed`,
          );
        }
      }

      const calm = medianRun(quiet);
      const attacks = attacked.map(medianRun);
      const added = Math.max(...attacks.map((p) => (p.step.ack && calm.step.ack ? p.step.ack.p99 - calm.step.ack.p99 : Infinity)));
      const roundsOf = (phases: Phase[]): string => phases.map((p) => ms(p.step.ack?.p99)).join(' / ');
      ctx.table({
        title: `Workspace attack: ${config.bystanders} bystanders at ${config.ratePerBystander} msg/s each; hostile pairs of ${count(config.items)} insertions`,
        columns: [
          'phase',
          'acks received',
          'ack p50 ms',
          'ack p95 ms',
          'ack p99 ms',
          'ack max ms',
          'p50 ÷ quiet',
          'p99 ÷ quiet',
          'loop stall max ms',
          'hostile updates sent',
          'refused (4422)',
          'kept out (4029)',
          'accepted',
          'relayed to a member',
          'p99 of each round',
        ],
        rows: [
          { name: 'no attacker', p: calm, rounds: roundsOf(quiet) },
          ...ATTACKS.map((attack, a) => ({ name: attack.name, p: attacks[a], rounds: roundsOf(attacked[a]) })),
        ].map(({ name, p, rounds }) => [
          name,
          `${count(p.step.ack?.count)} of ${count(p.step.sent)}`,
          ms(p.step.ack?.p50),
          ms(p.step.ack?.p95),
          ms(p.step.ack?.p99),
          ms(p.step.ack?.max),
          p.attack ? ratio(p.step.ack?.p50, calm.step.ack?.p50) : '',
          p.attack ? ratio(p.step.ack?.p99, calm.step.ack?.p99) : '',
          ms(p.loopMaxMs),
          p.attack ? count(p.attack.updates) : '',
          p.attack ? count(p.attack.closes['4422'] ?? 0) : '',
          p.attack ? count(p.attack.closes['4029'] ?? 0) : '',
          p.attack ? count(p.attack.accepted) : '',
          p.attack ? `${count(p.attack.relayed)} (${bytes(p.attack.relayedBytes)})` : '',
          rounds,
        ]),
        notes: [
          'Ack latency: a bystander\'s `message.send` → its ack (stored and committed), in rooms the attacker is not in.',
          '"loop stall max": the longest the server\'s event loop was held up during the phase (Node\'s monitorEventLoopDelay).',
          'The attacker sends each pair on a fresh socket, as the next of its accounts, and waits for the answer (both acked, or the socket closed) before the next, ' +
            'cycling through the pairs; fresh accounts every round. "kept out": sockets closed because their account had an update refused shortly before.',
          `The phases took turns ${config.rounds} time(s); each row is its round with the median p99.`,
          `Target: an attack adds at most ${TARGET_ADDED_MS} ms to the bystanders' p99 — added at most ${ms(added)} ms: ` +
            `${verdict(Number.isFinite(added) ? added <= TARGET_ADDED_MS : null)}.`,
        ],
      });
    } finally {
      await attacker?.call('close').catch(() => undefined);
      await attacker?.stop();
      await group.stop();
      await server.dispose();
    }
  },
};

/** The phase with the median p99 (the lower middle of an even count). */
function medianRun(phases: Phase[]): Phase {
  const p99 = (p: Phase): number => p.step.ack?.p99 ?? Infinity;
  const sorted = [...phases].sort((a, b) => p99(a) - p99(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
