/**
 * History and search, seeded beside the storage's own schema in one
 * transaction and indexed for search by the storage's own catch-up on open.
 *
 * 1. One room of 1 000 000 messages (100 000 in short mode), through the real
 *    protocol: the latest 50 messages, a page deep in the past, and searches
 *    for common, medium and rare words.
 * 2. A searcher in three small rooms while 300 000 messages (50 000 in short
 *    mode) sit in rooms they are not in: the same searches over all their
 *    rooms. Their cost must follow what the searcher may read, not the server.
 * 3. On that data with default limits: one user searching from five sockets
 *    back to back, and another user's pings meanwhile.
 *
 * Latency tables raise the per-user search rate (`limits.searchRate`) so one
 * client can time its searches back to back; table 3 keeps every default.
 */
import { rm, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStorage } from '@parley/server-adapter';
import { nowMicros, sleep } from '../lib/clock.js';
import { bytes, count, ms, num } from '../lib/format.js';
import { createHistogram, recordMicros, summarize } from '../lib/histogram.js';
import { RawClient } from '../lib/raw-client.js';
import type { Scenario, ScenarioContext } from '../lib/scenario.js';
import { seedRooms, seedUsers } from '../lib/seed.js';
import { startServer } from '../lib/servers.js';
import { random, sentence, VOCABULARY } from '../lib/words.js';

const ROOM = 'history';
const USERS = ['reader', 'writer'];
/** Lets one client time searches back to back (the default is 2/s per user, burst 10). */
const UNTHROTTLED_SEARCH = ['--limits', JSON.stringify({ searchRate: { perSecond: 1_000_000, burst: 1_000_000 } })];

/** A room to seed: its members and how many user messages it gets. */
interface SeedRoom {
  id: string;
  members: string[];
  messages: number;
}

/**
 * Fills the rooms with user messages in one transaction (fsync off: seeding
 * is not what is measured), then reopens the storage so it indexes them for
 * search the way it catches up after any restart.
 */
async function seed(dataDir: string, rooms: readonly SeedRoom[]): Promise<{ insertMs: number; indexMs: number; file: string }> {
  const storage = new SqliteStorage({ dataDir });
  await storage.open();
  await seedUsers(storage, [...new Set(rooms.flatMap((room) => room.members))]);
  await seedRooms(storage, rooms);
  await storage.close();

  const started = Date.now();
  const db = new Database(storage.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insertMessage = db.prepare(
    `INSERT INTO messages (id, room_id, seq, rev, sender, client_id, kind, text, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'user', ?, ?)`,
  );
  const insertOp = db.prepare(`INSERT INTO client_ops (user_id, client_id, op, message_id) VALUES (?, ?, 'send', ?)`);
  const roomState = db.prepare<[string], { last_seq: number; rev: number }>('SELECT last_seq, rev FROM rooms WHERE id = ?');
  const setRoom = db.prepare('UPDATE rooms SET last_seq = ?, rev = ?, last_activity_at = ? WHERE id = ?');
  const next = random(42);
  const total = rooms.reduce((sum, room) => sum + room.messages, 0);
  const start = Date.now() - total * 1000;
  db.transaction(() => {
    // Rooms take turns, so each room's messages spread over the whole history as in a real server.
    const state = rooms.map((room) => {
      const base = roomState.get(room.id);
      if (!base) throw new Error(`the seeded room ${room.id} is missing`);
      return { room, seq: base.last_seq, rev: base.rev, left: room.messages };
    });
    let i = 0;
    while (i < total) {
      for (const s of state) {
        if (s.left === 0) continue;
        i++;
        s.left--;
        s.seq++;
        s.rev++;
        const sender = s.room.members[i % s.room.members.length];
        const id = `m_seed_${i}`;
        const clientId = `seed-${i}`;
        insertMessage.run(id, s.room.id, s.seq, s.rev, sender, clientId, sentence(next), start + i * 1000);
        insertOp.run(sender, clientId, id);
      }
    }
    for (const s of state) setRoom.run(s.seq, s.rev, start + total * 1000, s.room.id);
  })();
  db.close();
  const inserted = Date.now();
  // Opening runs the storage's full-text catch-up over every message not indexed yet.
  const reopened = new SqliteStorage({ dataDir });
  await reopened.open();
  await reopened.close();
  return { insertMs: inserted - started, indexMs: Date.now() - inserted, file: storage.file };
}

interface Query {
  name: string;
  run: (client: RawClient) => Promise<number>;
}

/** The searches both latency tables time. */
const SEARCHES = [
  { label: 'common word', word: VOCABULARY[0] },
  { label: 'medium word', word: VOCABULARY[400] },
  { label: 'rare word', word: VOCABULARY[4900] },
  { label: 'two words', word: `${VOCABULARY[3]} ${VOCABULARY[40]}` },
];

/** Times each query `repetitions` times after one warm-up; one row per query. */
async function time(client: RawClient, queries: readonly Query[], repetitions: number): Promise<string[][]> {
  const rows: string[][] = [];
  for (const query of queries) {
    const histogram = createHistogram();
    let results = 0;
    await query.run(client); // warm-up
    for (let i = 0; i < repetitions; i++) {
      const t0 = nowMicros();
      results = await query.run(client);
      recordMicros(histogram, nowMicros() - t0);
    }
    const s = summarize(histogram);
    histogram.destroy();
    rows.push([query.name, count(results), ms(s?.p50), ms(s?.p95), ms(s?.p99)]);
  }
  return rows;
}

/** Table 1: one large room. */
async function oneLargeRoom(ctx: ScenarioContext): Promise<void> {
  const total = ctx.short ? 100_000 : 1_000_000;
  const repetitions = ctx.short ? 20 : 200;
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-history-'));
  try {
    const seeded = await seed(dataDir, [{ id: ROOM, members: USERS, messages: total }]);
    const size = (await stat(seeded.file)).size;
    ctx.log(`  seeded ${count(total)} messages in ${count(seeded.insertMs)} ms, indexed for search in ${count(seeded.indexMs)} ms`);
    const server = await startServer('parley', { dataDir, readyTimeoutMs: 600_000, serverArgs: UNTHROTTLED_SEARCH });
    const client = await RawClient.connect(server.port, 'reader');
    try {
      const { messages: latest } = await client.request('message.history', { room: ROOM, limit: 50 });
      const newest = latest[latest.length - 1]?.seq ?? 0;
      const pick = random(7);
      const queries: Query[] = [
        {
          name: 'history: latest 50',
          run: async (c) => (await c.request('message.history', { room: ROOM, limit: 50 })).messages.length,
        },
        {
          name: 'history: 50 at a random depth',
          run: async (c) =>
            (await c.request('message.history', { room: ROOM, limit: 50, before: 2 + Math.floor(pick() * (newest - 1)) })).messages.length,
        },
        ...SEARCHES.map(({ label, word }) => ({
          name: `search: ${label} "${word}"`,
          run: async (c: RawClient) => (await c.request('search', { query: word, room: ROOM, limit: 50 })).messages.length,
        })),
      ];
      ctx.table({
        title: `History: one room of ${count(total)} messages (${bytes(size)} database), ${repetitions} requests each`,
        columns: ['request', 'results', 'p50 ms', 'p95 ms', 'p99 ms'],
        rows: await time(client, queries, repetitions),
        notes: [
          `Round trip over the real protocol from a client on the same machine; one request at a time. ` +
            `Seeding: ${num(seeded.insertMs / 1000)} s insert, ${num(seeded.indexMs / 1000)} s search indexing (not measured against peers: none of them stores history).`,
        ],
      });
    } finally {
      client.close();
      await server.dispose();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Tables 2 and 3: a searcher in few rooms, many messages elsewhere. */
async function searchElsewhere(ctx: ScenarioContext): Promise<void> {
  const elsewhere = ctx.short ? 50_000 : 300_000;
  const otherRooms = ctx.short ? 10 : 30;
  const perOwnRoom = ctx.short ? 300 : 1_000;
  const repetitions = ctx.short ? 20 : 200;
  const floodMs = ctx.short ? 2_000 : 10_000;
  const rooms: SeedRoom[] = [
    ...Array.from({ length: 3 }, (_, i) => ({ id: `own-${i}`, members: ['reader', 'writer'], messages: perOwnRoom })),
    ...Array.from({ length: otherRooms }, (_, i) => ({ id: `other-${i}`, members: ['writer', 'others'], messages: elsewhere / otherRooms })),
  ];
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-search-'));
  try {
    const seeded = await seed(dataDir, rooms);
    ctx.log(`  seeded ${count(elsewhere + 3 * perOwnRoom)} messages in ${count(seeded.insertMs)} ms, indexed for search in ${count(seeded.indexMs)} ms`);
    const timed = await startServer('parley', { dataDir, readyTimeoutMs: 600_000, serverArgs: UNTHROTTLED_SEARCH });
    const client = await RawClient.connect(timed.port, 'reader');
    try {
      const queries: Query[] = [...SEARCHES, { label: 'one-letter prefix', word: 'k' }].map(({ label, word }) => ({
        name: `search: ${label} "${word}"`,
        run: async (c: RawClient) => (await c.request('search', { query: word, limit: 50 })).messages.length,
      }));
      ctx.table({
        title: `Search: a user in 3 rooms of ${count(perOwnRoom)} messages, ${count(elsewhere)} messages in ${otherRooms} rooms they are not in, ${repetitions} requests each`,
        columns: ['request', 'results', 'p50 ms', 'p95 ms', 'p99 ms'],
        rows: await time(client, queries, repetitions),
        notes: ['Each search covers all of the user’s rooms (no `room` given); one request at a time.'],
      });
    } finally {
      client.close();
      await timed.dispose();
    }
    await searchFlood(ctx, dataDir, floodMs);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Table 3: five sockets of one user search back to back; another user pings every 20 ms. */
async function searchFlood(ctx: ScenarioContext, dataDir: string, floodMs: number): Promise<void> {
  const server = await startServer('parley', { dataDir, readyTimeoutMs: 600_000 });
  const searchers = await Promise.all(Array.from({ length: 5 }, () => RawClient.connect(server.port, 'reader')));
  const bystander = await RawClient.connect(server.port, 'writer');
  try {
    const until = Date.now() + floodMs;
    let answered = 0;
    let refused = 0;
    const closes = new Map<number, number>();
    // Each socket ignores refusals and asks again at once, until the time is up or the server closes it.
    const flood = searchers.map(async (c) => {
      let open = true;
      void c.closed.then((code) => {
        open = false;
        closes.set(code, (closes.get(code) ?? 0) + 1);
      });
      while (open && Date.now() < until) {
        try {
          await c.request('search', { query: VOCABULARY[0], limit: 50 });
          answered++;
        } catch (error) {
          if (!open) break;
          if (!String(error).includes('rate_limited')) throw error;
          refused++;
        }
      }
    });
    const histogram = createHistogram();
    const pings = (async () => {
      while (Date.now() < until) {
        const t0 = nowMicros();
        await bystander.request('ping', {});
        recordMicros(histogram, nowMicros() - t0);
        await sleep(20);
      }
    })();
    await Promise.all([...flood, pings]);
    const s = summarize(histogram);
    histogram.destroy();
    ctx.table({
      title: `Search flood: one user searches "${VOCABULARY[0]}" from 5 sockets back to back for ${num(floodMs / 1000)} s (same data, default limits)`,
      columns: ['searches answered', 'refused (rate_limited)', 'search sockets closed', 'bystander pings', 'ping p50 ms', 'ping p95 ms', 'ping p99 ms', 'ping max ms'],
      rows: [
        [
          count(answered),
          count(refused),
          closes.size === 0 ? '0' : [...closes].map(([code, n]) => `${n} (${code})`).join(', '),
          count(s?.count),
          ms(s?.p50),
          ms(s?.p95),
          ms(s?.p99),
          ms(s?.max),
        ],
      ],
      notes: [
        'The bystander is another user on its own socket, sending `ping` every 20 ms; each round trip is one sample. ' +
          'A socket that keeps sending after being refused is closed by the server (4029) once it passes `abuse.maxRejectedFrames`.',
      ],
    });
  } finally {
    for (const c of [...searchers, bystander]) c.close();
    await server.dispose();
  }
}

export const history: Scenario = {
  name: 'history',
  title: 'History',
  timeoutMs: (short) => (short ? 120_000 : 1_800_000),
  async run(ctx) {
    await oneLargeRoom(ctx);
    await searchElsewhere(ctx);
  },
};
