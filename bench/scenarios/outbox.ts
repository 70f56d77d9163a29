/**
 * Outbox replay: the real SDK (Node, `ws`, in-memory offline store) queues
 * messages while our server is down, then the server comes back and the
 * outbox replays. Measures the time until every message is acknowledged and
 * checks the stored history for lost, duplicated and reordered messages.
 */
import WebSocket from 'ws';
import { createClient } from '@parley/sdk';
import type { ParleyClient } from '@parley/sdk';
import { withTimeout, waitUntil } from '../lib/clock.js';
import { count, verdict } from '../lib/format.js';
import { RawClient } from '../lib/raw-client.js';
import type { Scenario } from '../lib/scenario.js';
import { seedRooms, seedUsers } from '../lib/seed.js';
import { startServer } from '../lib/servers.js';
import type { RunningServer } from '../lib/servers.js';
import { mintToken } from '../lib/tokens.js';

const ROOM = 'outbox';
const MESSAGES = 1000;
/** Bound on one replay. */
const REPLAY_TIMEOUT_MS = 120_000;

interface Replay {
  /** From the SDK reporting online again to the last ack. */
  onlineToAckedMs: number;
  /** From the server's process being ready to the last ack (includes the reconnect backoff). */
  serverUpToAckedMs: number;
  lost: number;
  duplicated: number;
  inOrder: boolean;
}

/** Every user message of the room, oldest first, read page by page. */
async function storedTexts(port: number): Promise<string[]> {
  const reader = await RawClient.connect(port, 'bob');
  try {
    const texts: string[] = [];
    let before: number | undefined;
    for (let page = 0; page < 1000; page++) {
      const { messages, hasMore } = await reader.request('message.history', { room: ROOM, before, limit: 200 });
      texts.unshift(...messages.filter((m) => m.kind === 'user').map((m) => m.text));
      if (!hasMore || messages.length === 0) break;
      before = messages[0].seq;
    }
    return texts;
  } finally {
    reader.close();
  }
}

async function replayOnce(server: RunningServer, round: number): Promise<Replay> {
  const token = await mintToken('ada');
  const client: ParleyClient = createClient({
    url: `http://127.0.0.1:${server.port}`,
    token,
    WebSocket,
    offline: 'memory',
    reconnect: { baseMs: 20, capMs: 250 },
  });
  try {
    await client.connect();
    await withTimeout(client.whenOnline(), 30_000, 'first connect');
    const room = client.room(ROOM);
    await server.stop();
    if (!(await waitUntil(() => client.state.connection !== 'online', 30_000))) throw new Error('the client never saw the server go');
    const texts = Array.from({ length: MESSAGES }, (_, i) => `round ${round} message ${i}`);
    const sends = texts.map((text) => room.send(text));
    if (!(await waitUntil(() => client.state.pending === MESSAGES, 30_000))) {
      throw new Error(`only ${client.state.pending} of ${MESSAGES} messages were queued`);
    }
    await server.restart();
    const up = Date.now();
    await withTimeout(client.whenOnline(), REPLAY_TIMEOUT_MS, 'reconnect');
    const online = Date.now();
    await withTimeout(Promise.all(sends), REPLAY_TIMEOUT_MS, 'replay');
    const acked = Date.now();

    const stored = (await storedTexts(server.port)).filter((t) => t.startsWith(`round ${round} `));
    const seen = new Map<string, number>();
    for (const text of stored) seen.set(text, (seen.get(text) ?? 0) + 1);
    const lost = texts.filter((t) => !seen.has(t)).length;
    const duplicated = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
    const inOrder = lost === 0 && duplicated === 0 && stored.every((t, i) => t === texts[i]);
    return { onlineToAckedMs: acked - online, serverUpToAckedMs: acked - up, lost, duplicated, inOrder };
  } finally {
    await client.dispose();
  }
}

export const outbox: Scenario = {
  name: 'outbox',
  title: 'Outbox replay',
  timeoutMs: (short) => (short ? 60_000 : 600_000),
  async run(ctx) {
    const rounds = ctx.short ? 1 : 5;
    const server = await startServer('parley', {
      seed: async (storage) => {
        await seedUsers(storage, ['ada', 'bob']);
        await seedRooms(storage, [{ id: ROOM, members: ['ada', 'bob'] }]);
      },
    });
    const replays: Replay[] = [];
    try {
      for (let round = 1; round <= rounds; round++) {
        const replay = await replayOnce(server, round);
        replays.push(replay);
        ctx.log(`  round ${round}: all ${MESSAGES} acknowledged ${replay.onlineToAckedMs} ms after reconnecting`);
      }
    } finally {
      await server.dispose();
    }
    const worst = Math.max(...replays.map((r) => r.onlineToAckedMs));
    const lost = replays.reduce((sum, r) => sum + r.lost, 0);
    const duplicated = replays.reduce((sum, r) => sum + r.duplicated, 0);
    ctx.table({
      title: `Outbox replay: ${count(MESSAGES)} messages queued offline, then reconnect (${rounds} round${rounds > 1 ? 's' : ''})`,
      columns: ['round', 'reconnect → all acked ms', 'server up → all acked ms', 'lost', 'duplicated', 'stored in send order'],
      rows: replays.map((r, i) => [
        String(i + 1),
        count(r.onlineToAckedMs),
        count(r.serverUpToAckedMs),
        count(r.lost),
        count(r.duplicated),
        r.inOrder ? 'yes' : 'NO',
      ]),
      notes: [
        `Target: under 2 s with 0 lost and 0 duplicated — worst ${count(worst)} ms, ${lost} lost, ${duplicated} duplicated: ` +
          `${verdict(worst < 2000 && lost === 0 && duplicated === 0)}.`,
        '"server up" adds the wait the server asked for on shutdown (close 1001, retryAfterMs 1–5 s) and the reconnect backoff; ' +
          '"reconnect" starts when the SDK is online again and includes its resume (`sync`).',
      ],
    });
  },
};
