/**
 * Room fan-out: one room, N subscribers, publishers (some of the same
 * sockets) at rising rates. Our server runs its full path per message (JWT
 * session, schema validation, permission checks, seq assignment, SQLite
 * commit with fsync, fan-out); the peers are a bare `ws` forwarder and
 * socket.io rooms. With PostgreSQL and redis-server at hand, our server also
 * runs as three nodes (PostgreSQL storage, Redis bus) at the same N and rates:
 * subscribers spread round-robin over the nodes, publishers all on the first.
 */
import { ms, count, percent, num, ratio, verdict } from '../lib/format.js';
import { LoadGroup } from '../lib/load-group.js';
import { planSockets } from '../lib/limits.js';
import { runStep, sustained } from '../lib/chat-step.js';
import type { StepResult } from '../lib/chat-step.js';
import type { Scenario, ScenarioContext } from '../lib/scenario.js';
import { seedRooms, seedUsers } from '../lib/seed.js';
import { clusterUnavailable, startCluster } from '../lib/cluster.js';
import { startServer, waitForQuiet } from '../lib/servers.js';
import type { CpuMeter } from '../lib/servers.js';
import type { Storage } from '@parley/server-adapter';
import type { DialectName } from '../load/dialects.js';

const SERVERS: DialectName[] = ['parley', 'bare-ws', 'socket.io'];
/** Each publishing socket stays well under our default per-connection rate limit (100 frames/s). */
const MAX_RATE_PER_PUBLISHER = 50;
/**
 * The steps send up to 4000 messages/s into one room, on purpose far above
 * what a room may receive by default (`roomByteRate`, 256 KiB/s, which
 * protects members on slow links): raised here, so the steps measure fan-out
 * rather than that limit. Every other limit keeps its default.
 */
const SERVER_ARGS = ['--limits', JSON.stringify({ roomByteRate: { perSecond: 64 * 1024 * 1024, burst: 64 * 1024 * 1024 } })];
const ROOM = 'fanout';
/** Generator processes (they share the machine's two cores with the server). */
const GENERATORS = 2;
/**
 * How long one socket may wait for its handshake. Generous on purpose: when
 * thousands join one room at once, presence announcements queue up behind
 * each other on our server (see BENCHMARKS.md), and the bench wants the time
 * it takes, not a timeout.
 */
const HANDSHAKE_TIMEOUT_MS = 180_000;
/** Below this share of sockets connected, a server's steps are not run. */
const MIN_CONNECTED = 0.5;
/** A server process under this share of one core counts as idle (settled). */
const QUIET_SHARE = 0.05;
/** Nodes of our server in the multi-node case. */
const CLUSTER_NODES = 3;
/** The multi-node case's label in the tables. */
const CLUSTER = `parley ×${CLUSTER_NODES}`;

/** What the steps run against: one server process, or our server's nodes. */
interface Deployment {
  /** Server CPU (summed over the nodes). */
  meter: CpuMeter;
  /** The port socket `index` connects to. */
  portFor(index: number): number;
  /** Below this share of one core (summed over the nodes) the deployment counts as idle. */
  quiet: number;
  dispose(): Promise<void>;
}

interface Config {
  sizes: number[];
  /** Delivered frames per second each step aims at; the message rate is this / N. */
  deliveryTargets: number[];
  durationMs: number;
  drainQuietMs: number;
  drainMaxMs: number;
}

const FULL: Config = {
  sizes: [100, 1000, 5000],
  deliveryTargets: [10_000, 25_000, 50_000, 100_000, 200_000, 400_000],
  durationMs: 10_000,
  drainQuietMs: 1_000,
  drainMaxMs: 10_000,
};

const SHORT: Config = {
  sizes: [100],
  deliveryTargets: [5_000, 20_000],
  durationMs: 2_000,
  drainQuietMs: 300,
  drainMaxMs: 2_000,
};

interface Measured {
  rate: number;
  step: StepResult;
}

interface ServerRun {
  server: DialectName | typeof CLUSTER;
  /** Sockets that completed their handshake. */
  connected: number;
  /** Sockets the server closed while the others connected and settled. */
  closedEarly: number;
  connectMs: number;
  settleMs: number;
  steps: Measured[];
  note: string | null;
}

/** A one-line reason for a failed server run; a crash's output is summarised. */
function describeFailure(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/heap out of memory|OOMErrorHandler|FatalProcessOutOfMemory/.test(text)) return 'the server process ran out of memory (V8 heap) and died';
  return text.split('\n')[0];
}

/** Median of the finite numbers in `values`; null when there are none. */
function median(values: Array<number | null>): number | null {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/** The message rate and publishing sockets of the step aiming at `target` deliveries/s with `sockets` subscribers. */
function publishersFor(sockets: number, target: number): { rate: number; publishers: number } {
  const rate = Math.max(1, Math.round(target / sockets));
  return { rate, publishers: Math.min(sockets, Math.ceil(rate / MAX_RATE_PER_PUBLISHER)) };
}

/** Starts `kind` (one process) or our server's nodes (`CLUSTER`) with the room's members seeded. */
async function deploy(kind: ServerRun['server'], users: string[], fdLimit: number | undefined, publishers: number): Promise<Deployment> {
  const seed = async (storage: Storage): Promise<void> => {
    await seedUsers(storage, users);
    await seedRooms(storage, [{ id: ROOM, members: users }]);
  };
  if (kind === CLUSTER) {
    const cluster = await startCluster(CLUSTER_NODES, seed, fdLimit, SERVER_ARGS);
    const [first] = cluster.ports;
    return {
      meter: cluster.meter,
      // The publishing sockets (the first ones) all on node 0; everyone else round-robin.
      portFor: (index) => (index < publishers ? first : cluster.ports[index % cluster.ports.length]),
      quiet: QUIET_SHARE * CLUSTER_NODES,
      dispose: () => cluster.dispose(),
    };
  }
  const server = await startServer(kind, { fdLimit, seed, serverArgs: kind === 'parley' ? SERVER_ARGS : [] });
  return { meter: server.child, portFor: () => server.port, quiet: QUIET_SHARE, dispose: () => server.dispose() };
}

async function runServer(ctx: ScenarioContext, kind: ServerRun['server'], size: number, config: Config): Promise<ServerRun> {
  const serverPlan = planSockets(size);
  const loadPlan = planSockets(Math.ceil(size / GENERATORS));
  const sockets = Math.min(serverPlan.fits, loadPlan.fits * GENERATORS, size);
  const users = Array.from({ length: sockets }, (_, i) => `f${i}`);
  const maxPublishers = Math.max(...config.deliveryTargets.map((target) => publishersFor(sockets, target).publishers));
  const server = await deploy(kind, users, serverPlan.raise, maxPublishers);
  const dialect: DialectName = kind === CLUSTER ? 'parley' : kind;
  let group: LoadGroup | null = null;
  try {
    group = await LoadGroup.start(GENERATORS, loadPlan.raise);
    const connected = await group.connect(
      dialect,
      server.portFor(0),
      users.map((user, index) => ({ user, room: ROOM, port: server.portFor(index) })),
      100,
      HANDSHAKE_TIMEOUT_MS,
    );
    const settleMs = await waitForQuiet(server.meter, 300_000, server.quiet);
    const closedEarly = (await group.counts()).closed;
    const receivers = connected.connected - closedEarly;
    const notes = [
      sockets < size ? `open-file limit: ${sockets} sockets instead of ${size}` : null,
      connected.failed > 0 ? `${connected.failed} of ${sockets} sockets did not connect within ${HANDSHAKE_TIMEOUT_MS / 1000} s (${connected.error ?? ''})` : null,
      closedEarly > 0 ? `${closedEarly} sockets were closed by the server while the others connected` : null,
    ].filter((n): n is string => n !== null);
    const run: ServerRun = {
      server: kind,
      connected: connected.connected,
      closedEarly,
      connectMs: connected.ms,
      settleMs,
      steps: [],
      note: notes.length ? notes.join('; ') : null,
    };
    ctx.log(`  ${kind}: ${connected.connected}/${sockets} sockets connected in ${connected.ms} ms, settled after ${settleMs} ms`);
    if (run.note) ctx.log(`  ${kind}: ${run.note}`);
    if (receivers < MIN_CONNECTED * sockets) {
      run.note = `${run.note ?? ''}; steps not run: too few sockets connected`;
      return run;
    }
    for (const target of config.deliveryTargets) {
      const { rate, publishers } = publishersFor(sockets, target);
      const step = await runStep(server.meter, group, {
        publishers,
        ratePerPublisher: rate / publishers,
        durationMs: config.durationMs,
        receivers,
        drainQuietMs: config.drainQuietMs,
        drainMaxMs: config.drainMaxMs,
      });
      run.steps.push({ rate, step });
      ctx.log(
        `  ${kind} N=${receivers} ${rate} msg/s: p95 ${ms(step.latency?.p95)} ms, loss ${percent(step.loss)}, ` +
          `${num(step.cpuPerFrame)} µs CPU/frame, ${percent(step.cpuShare, 0)} of a core (generators ${percent(step.generatorShare, 0)})` +
          (step.errors ? `, ${step.errors} errors (${step.firstError ?? ''})` : '') +
          (step.closed ? `, ${step.closed} sockets closed` : ''),
      );
      if (!sustained(step)) break;
      // Let queues empty before the next, faster step.
      await waitForQuiet(server.meter, 30_000, server.quiet);
    }
    return run;
  } finally {
    await group?.stop();
    await server.dispose();
  }
}

function sizeTable(ctx: ScenarioContext, size: number, runs: ServerRun[]): void {
  const ours = runs.find((r) => r.server === 'parley');
  const rates = [...new Set(runs.flatMap((r) => r.steps.map((s) => s.rate)))].sort((a, b) => a - b);
  const rows: string[][] = [];
  for (const rate of rates) {
    const oursStep = ours?.steps.find((s) => s.rate === rate)?.step;
    for (const run of runs) {
      const step = run.steps.find((s) => s.rate === rate)?.step;
      if (!step) continue;
      const ourRow = run.server === 'parley';
      rows.push(stepRow(rate, run, step, ourRow ? '' : ratio(oursStep?.cpuPerFrame, step.cpuPerFrame), ourRow ? ms(step.ack?.p95) : ''));
    }
  }
  ctx.table({
    title: `Room fan-out, N = ${count(size)} subscribers`,
    columns: ['msg/s', 'delivered/s', 'server', 'p50 ms', 'p95 ms', 'p99 ms', 'loss', 'CPU µs/frame', 'ours ÷ peer', 'server CPU', 'generators CPU', 'ack p95 ms'],
    rows,
    notes: [
      'Latency: publisher send → subscriber receive, on one machine-wide monotonic clock. CPU µs/frame: the server process only. ' +
        'Server and generators CPU: share of one core (the machine has two, and other work may run on it).',
      ...runs.filter((r) => r.note).map((r) => `${r.server}: ${r.note}`),
    ],
  });
}

/** One table row: a server's figures at one rate, with the ratio and ack columns as the table wants them. */
function stepRow(rate: number, run: ServerRun, step: NonNullable<ServerRun['steps'][number]['step']>, ratioText: string, ackText: string): string[] {
  return [
    count(rate),
    count(step.deliveredPerSecond),
    run.server,
    ms(step.latency?.p50),
    ms(step.latency?.p95),
    ms(step.latency?.p99),
    percent(step.loss),
    num(step.cpuPerFrame),
    ratioText,
    percent(step.cpuShare, 0),
    percent(step.generatorShare, 0),
    ackText,
  ];
}

/** Our server on three nodes beside the single node, step by step at the same rates. */
function clusterTable(ctx: ScenarioContext, size: number, single: ServerRun, cluster: ServerRun): void {
  const rates = [...new Set([...single.steps, ...cluster.steps].map((s) => s.rate))].sort((a, b) => a - b);
  const rows: string[][] = [];
  for (const rate of rates) {
    const one = single.steps.find((s) => s.rate === rate)?.step;
    for (const [run, step] of [
      [single, one],
      [cluster, cluster.steps.find((s) => s.rate === rate)?.step],
    ] as const) {
      if (!step) continue;
      rows.push(stepRow(rate, run, step, run === cluster ? ratio(step.cpuPerFrame, one?.cpuPerFrame) : '', ms(step.ack?.p95)));
    }
  }
  ctx.table({
    title: `Room fan-out, N = ${count(size)}: one node (SQLite) and ${CLUSTER_NODES} nodes (PostgreSQL + Redis)`,
    columns: ['msg/s', 'delivered/s', 'server', 'p50 ms', 'p95 ms', 'p99 ms', 'loss', 'CPU µs/frame', `×${CLUSTER_NODES} ÷ ×1`, 'server CPU', 'generators CPU', 'ack p95 ms'],
    rows,
    notes: [
      `${CLUSTER}: subscribers round-robin over the nodes, every publisher on node 0; CPU is the sum over the ${CLUSTER_NODES} node processes ` +
        '(PostgreSQL and Redis, on the same machine, are not counted). Server CPU: share of one core, summed over the nodes.',
      ...[single, cluster].filter((r) => r.note).map((r) => `${r.server}: ${r.note}`),
      Number.isFinite(cluster.connectMs) ? `${CLUSTER}: ${count(cluster.connected - cluster.closedEarly)} connected in ${num(cluster.connectMs / 1000)} s` : '',
    ].filter(Boolean),
  });
}

function highestSustained(run: ServerRun | undefined): Measured | null {
  const ok = run?.steps.filter((s) => sustained(s.step)) ?? [];
  return ok.length ? ok[ok.length - 1] : null;
}

/** Median CPU/frame of `run` over the rates every server sustained. */
function commonCpu(run: ServerRun, runs: ServerRun[]): number | null {
  const measured = runs.filter((r) => r.steps.length > 0);
  const common = run.steps.filter((s) => measured.every((r) => r.steps.some((o) => o.rate === s.rate && sustained(o.step))));
  return median((common.length ? common : run.steps).map((s) => s.step.cpuPerFrame));
}

export const fanout: Scenario = {
  name: 'fanout',
  title: 'Room fan-out',
  timeoutMs: (short) => (short ? 60_000 : 3_600_000),
  async run(ctx) {
    const config = { ...(ctx.short ? SHORT : FULL), ...(ctx.sizes ? { sizes: ctx.sizes } : {}) };
    const all = new Map<number, ServerRun[]>();
    const clusterSkip = await clusterUnavailable();
    for (const size of config.sizes) {
      const runs: ServerRun[] = [];
      for (const kind of SERVERS) {
        try {
          runs.push(await runServer(ctx, kind, size, config));
        } catch (error) {
          // A server that falls over (it happened: ours ran out of heap with 5000 joining one room) is a
          // result too; the peers still run and the tables still print.
          const reason = describeFailure(error);
          ctx.log(`  ${kind} N=${size}: FAILED: ${reason}`);
          runs.push({ server: kind, connected: 0, closedEarly: 0, connectMs: Number.NaN, settleMs: Number.NaN, steps: [], note: `FAILED: ${reason}` });
        }
      }
      all.set(size, runs);
      sizeTable(ctx, size, runs);
      if (clusterSkip === null) {
        let cluster: ServerRun;
        try {
          cluster = await runServer(ctx, CLUSTER, size, config);
        } catch (error) {
          const reason = describeFailure(error);
          ctx.log(`  ${CLUSTER} N=${size}: FAILED: ${reason}`);
          cluster = { server: CLUSTER, connected: 0, closedEarly: 0, connectMs: Number.NaN, settleMs: Number.NaN, steps: [], note: `FAILED: ${reason}` };
        }
        clusterTable(ctx, size, runs[0], cluster);
      }
    }
    if (clusterSkip !== null) ctx.log(`${CLUSTER}: skipped: ${clusterSkip}`);

    const summary: string[][] = [];
    for (const [size, runs] of all) {
      const oursCpu = commonCpu(runs[0], runs);
      for (const run of runs) {
        const best = highestSustained(run);
        const cpu = commonCpu(run, runs);
        summary.push([
          count(size),
          run.server,
          count(run.connected - run.closedEarly),
          num(run.connectMs / 1000),
          num(run.settleMs / 1000),
          best ? count(best.rate) : 'none',
          best ? count(best.step.deliveredPerSecond) : '—',
          num(cpu),
          run.server === 'parley' ? '' : ratio(oursCpu, cpu),
        ]);
      }
    }
    ctx.table({
      title: 'Room fan-out: summary',
      columns: ['N', 'server', 'connected', 'connect all s', 'settle s', 'max msg/s, p95 < 100 ms', 'delivered/s there', 'CPU µs/frame*', 'ours ÷ peer'],
      rows: summary,
      notes: [
        '* median over the rates every server sustained (p95 < 100 ms, loss ≤ 0.1 %); where no rate is common, over all rates measured.',
        ...[...all.values()].flat().filter((r) => r.note).map((r) => `${r.server}: ${r.note}`),
      ],
    });

    // The targets, judged at N = 1000 (or the largest size run in short mode).
    const judgeSize = all.has(1000) ? 1000 : Math.max(...all.keys());
    const runs = all.get(judgeSize) ?? [];
    const [ours, bare, sio] = SERVERS.map((s) => runs.find((r) => r.server === s));
    const oursCpu = ours ? commonCpu(ours, runs) : null;
    const bareCpu = bare ? commonCpu(bare, runs) : null;
    const sioCpu = sio ? commonCpu(sio, runs) : null;
    const bareBest = highestSustained(bare);
    const oursAtBareBest = bareBest ? ours?.steps.find((s) => s.rate === bareBest.rate)?.step : undefined;
    const p95 = oursAtBareBest?.latency?.p95 ?? null;
    ctx.table({
      title: `Room fan-out: targets (N = ${count(judgeSize)})`,
      columns: ['target', 'figure', 'verdict'],
      rows: [
        ['CPU/frame ≤ 1.25× bare ws', ratio(oursCpu, bareCpu), verdict(oursCpu !== null && bareCpu !== null ? oursCpu <= 1.25 * bareCpu : null)],
        ['CPU/frame ≤ 0.5× socket.io', ratio(oursCpu, sioCpu), verdict(oursCpu !== null && sioCpu !== null ? oursCpu <= 0.5 * sioCpu : null)],
        [
          `p95 < 10 ms at bare's highest rate (${bareBest ? count(bareBest.rate) : '—'} msg/s)`,
          oursAtBareBest ? `${ms(p95)} ms` : 'not reached',
          verdict(bareBest ? p95 !== null && p95 < 10 : null),
        ],
      ],
    });
  },
};
