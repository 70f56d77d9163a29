/**
 * Many rooms: thousands of connections in rooms of ten, one publisher per
 * room at a steady rate. Measures the time to connect everyone, the server's
 * memory per connection (after a full GC, before and after connecting), and
 * latency under a steady load.
 */
import { bytes, count, ms, num, percent, ratio, verdict } from '../lib/format.js';
import { LoadGroup } from '../lib/load-group.js';
import { planSockets } from '../lib/limits.js';
import { runStep } from '../lib/chat-step.js';
import type { StepResult } from '../lib/chat-step.js';
import type { Scenario } from '../lib/scenario.js';
import { seedRooms, seedUsers } from '../lib/seed.js';
import { startServer, waitForQuiet } from '../lib/servers.js';
import { sleep } from '../lib/clock.js';
import type { DialectName } from '../load/dialects.js';

const SERVERS: DialectName[] = ['parley', 'bare-ws', 'socket.io'];
const ROOM_SIZE = 10;
/** Messages per second from each room's publisher. */
const RATE_PER_ROOM = 1;

interface Config {
  connections: number;
  durationMs: number;
  generators: number;
}

const FULL: Config = { connections: 10_000, durationMs: 20_000, generators: 2 };
const SHORT: Config = { connections: 1_000, durationMs: 3_000, generators: 1 };

interface Result {
  server: DialectName;
  connections: number;
  connectMs: number;
  rssPerConnection: number;
  heapPerConnection: number;
  /** Server CPU share while every socket is connected and idle (heartbeats only). */
  idleCpuShare: number;
  step: StepResult;
}

export const manyRooms: Scenario = {
  name: 'many-rooms',
  title: 'Many rooms',
  timeoutMs: (short) => (short ? 60_000 : 1_800_000),
  async run(ctx) {
    const config = ctx.short ? SHORT : FULL;
    const serverPlan = planSockets(config.connections);
    const loadPlan = planSockets(Math.ceil(config.connections / config.generators));
    const fits = Math.min(serverPlan.fits, loadPlan.fits * config.generators, config.connections);
    const connections = fits - (fits % ROOM_SIZE);
    if (connections < config.connections) {
      ctx.log(`open-file limit too low even after raising it: running ${connections} connections instead of ${config.connections}`);
    } else if (serverPlan.raise || loadPlan.raise) {
      ctx.log(`raised the children's open-file limit to ${serverPlan.raise ?? loadPlan.raise}`);
    }
    const users = Array.from({ length: connections }, (_, i) => `m${i}`);
    const rooms = Array.from({ length: connections / ROOM_SIZE }, (_, r) => ({
      id: `room${r}`,
      members: users.slice(r * ROOM_SIZE, (r + 1) * ROOM_SIZE),
    }));
    // Socket i belongs to room i / 10; sockets 0…rooms-1 would all sit in the first rooms,
    // so publishers are the first member of each room, moved to the front of the list.
    const order = [...rooms.map((_, r) => r * ROOM_SIZE), ...users.map((_, i) => i).filter((i) => i % ROOM_SIZE !== 0)];
    const specs = order.map((i) => ({ user: users[i], room: rooms[Math.floor(i / ROOM_SIZE)].id }));

    const results: Result[] = [];
    for (const kind of SERVERS) {
      const server = await startServer(kind, {
        fdLimit: serverPlan.raise,
        seed: async (storage) => {
          await seedUsers(storage, users);
          await seedRooms(storage, rooms);
        },
      });
      const group = await LoadGroup.start(config.generators, loadPlan.raise);
      try {
        await waitForQuiet(server.child, 10_000);
        const before = await server.child.gc();
        const connected = await group.connect(kind, server.port, specs, 200);
        if (connected.failed > 0) throw new Error(`${kind}: ${connected.failed} of ${connections} sockets failed: ${connected.error}`);
        await waitForQuiet(server.child, 120_000);
        const after = await server.child.gc();
        const idleFrom = await server.child.stats();
        await sleep(2_000);
        const idleTo = await server.child.stats();
        const step = await runStep(server.child, group, {
          publishers: rooms.length,
          ratePerPublisher: RATE_PER_ROOM,
          durationMs: config.durationMs,
          receivers: ROOM_SIZE,
          drainQuietMs: 1_000,
          drainMaxMs: 10_000,
        });
        const result: Result = {
          server: kind,
          connections,
          connectMs: connected.ms,
          rssPerConnection: (after.rss - before.rss) / connections,
          heapPerConnection: (after.heapUsed + after.external - before.heapUsed - before.external) / connections,
          idleCpuShare: (idleTo.cpuMicros - idleFrom.cpuMicros) / 2_000_000,
          step,
        };
        results.push(result);
        ctx.log(
          `  ${kind}: ${connections} connected in ${connected.ms} ms, ${bytes(result.rssPerConnection)} RSS/connection, ` +
            `p95 ${ms(step.latency?.p95)} ms, loss ${percent(step.loss)}` +
            (step.errors ? `, ${step.errors} errors (${step.firstError ?? ''})` : ''),
        );
      } finally {
        await group.stop();
        await server.dispose();
      }
    }

    const ours = results.find((r) => r.server === 'parley');
    ctx.table({
      title: `Many rooms: ${count(connections)} connections in rooms of ${ROOM_SIZE}, ${RATE_PER_ROOM} msg/s per room`,
      columns: [
        'server',
        'connect all s',
        'connects/s',
        'RSS/conn',
        'heap/conn',
        'idle CPU',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'loss',
        'CPU µs/frame',
        'ours ÷ peer (CPU)',
        'ours ÷ peer (RSS)',
      ],
      rows: results.map((r) => [
        r.server,
        num(r.connectMs / 1000),
        count(r.connections / (r.connectMs / 1000)),
        bytes(r.rssPerConnection),
        bytes(r.heapPerConnection),
        percent(r.idleCpuShare, 1),
        ms(r.step.latency?.p50),
        ms(r.step.latency?.p95),
        ms(r.step.latency?.p99),
        percent(r.step.loss),
        num(r.step.cpuPerFrame),
        r === ours ? '' : ratio(ours?.step.cpuPerFrame, r.step.cpuPerFrame),
        r === ours ? '' : ratio(ours?.rssPerConnection, r.rssPerConnection),
      ]),
      notes: [
        'RSS/conn and heap/conn: growth of the server process (after a full GC) from before connecting to after, per connection; heap includes external buffers.',
        `Target: under 8 KiB of server memory per idle connection — ours: ${ours ? bytes(ours.rssPerConnection) : '—'}, ` +
          `${verdict(ours ? ours.rssPerConnection < 8 * 1024 : null)}.`,
      ],
    });
  },
};
