/**
 * History: a room of 1 000 000 messages (100 000 in short mode), seeded in
 * one transaction beside the storage's own schema, indexed for search by the
 * storage's own catch-up on open. Then, through the real protocol: the
 * latest 50 messages, a page deep in the past, and searches for common,
 * medium and rare words.
 */
import { rm, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStorage } from '@parley/server-adapter';
import { nowMicros } from '../lib/clock.js';
import { bytes, count, ms, num } from '../lib/format.js';
import { createHistogram, recordMicros, summarize } from '../lib/histogram.js';
import { RawClient } from '../lib/raw-client.js';
import type { Scenario } from '../lib/scenario.js';
import { seedRooms, seedUsers } from '../lib/seed.js';
import { startServer } from '../lib/servers.js';
import { random, sentence, VOCABULARY } from '../lib/words.js';

const ROOM = 'history';
const USERS = ['reader', 'writer'];

/**
 * Fills the room with `total` user messages in one transaction (fsync off:
 * seeding is not what is measured), then reopens the storage so it indexes
 * them for search the way it catches up after any restart.
 */
async function seed(dataDir: string, total: number): Promise<{ insertMs: number; indexMs: number; file: string }> {
  const storage = new SqliteStorage({ dataDir });
  await storage.open();
  await seedUsers(storage, USERS);
  await seedRooms(storage, [{ id: ROOM, members: USERS }]);
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
  const next = random(42);
  const base = db.prepare<[string], { last_seq: number; rev: number }>('SELECT last_seq, rev FROM rooms WHERE id = ?').get(ROOM);
  if (!base) throw new Error('the seeded room is missing');
  const start = Date.now() - total * 1000;
  db.transaction(() => {
    for (let i = 1; i <= total; i++) {
      const sender = USERS[i % 2];
      const id = `m_seed_${i}`;
      const clientId = `seed-${i}`;
      insertMessage.run(id, ROOM, base.last_seq + i, base.rev + i, sender, clientId, sentence(next), start + i * 1000);
      insertOp.run(sender, clientId, id);
    }
    db.prepare('UPDATE rooms SET last_seq = ?, rev = ?, last_activity_at = ? WHERE id = ?').run(
      base.last_seq + total,
      base.rev + total,
      start + total * 1000,
      ROOM,
    );
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

export const history: Scenario = {
  name: 'history',
  title: 'History',
  timeoutMs: (short) => (short ? 60_000 : 1_200_000),
  async run(ctx) {
    const total = ctx.short ? 100_000 : 1_000_000;
    const repetitions = ctx.short ? 20 : 200;
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-history-'));
    try {
      const seeded = await seed(dataDir, total);
      const size = (await stat(seeded.file)).size;
      ctx.log(`  seeded ${count(total)} messages in ${count(seeded.insertMs)} ms, indexed for search in ${count(seeded.indexMs)} ms`);
      const server = await startServer('parley', { dataDir, readyTimeoutMs: 600_000 });
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
              (await c.request('message.history', { room: ROOM, limit: 50, before: 2 + Math.floor(pick() * (newest - 1)) })).messages
                .length,
          },
          ...[
            { label: 'common word', word: VOCABULARY[0] },
            { label: 'medium word', word: VOCABULARY[400] },
            { label: 'rare word', word: VOCABULARY[4900] },
            { label: 'two words', word: `${VOCABULARY[3]} ${VOCABULARY[40]}` },
          ].map(({ label, word }) => ({
            name: `search: ${label} "${word}"`,
            run: async (c: RawClient) => (await c.request('search', { query: word, room: ROOM, limit: 50 })).messages.length,
          })),
        ];
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
        ctx.table({
          title: `History: one room of ${count(total)} messages (${bytes(size)} database), ${repetitions} requests each`,
          columns: ['request', 'results', 'p50 ms', 'p95 ms', 'p99 ms'],
          rows,
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
  },
};
