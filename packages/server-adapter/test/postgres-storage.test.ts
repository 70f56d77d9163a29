/**
 * The PostgreSQL store: the shared conformance suite (each test in a fresh
 * schema of a database made for this file), plus what only PostgreSQL has:
 * migrations recorded in `schema_migrations`, and several nodes writing to
 * one room at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createPostgresStorage, migratePostgres, PG_MIGRATIONS, PgSchemaTooNewError } from '../src/storage/postgres/index.js';
import type { Storage } from '../src/storage/storage.js';
import { storageConformance } from './storage-conformance.js';
import { createTestDatabase, randomName, serviceMissing, type TestDatabase } from './service-helpers.js';

const missing = await serviceMissing('PostgreSQL');
let database: TestDatabase | null = null;

if (missing) {
  it('PostgreSQL storage', { skip: missing }, () => undefined);
} else {
  database = await createTestDatabase();
  const url = database.url;
  after(() => database?.drop());

  storageConformance('PostgresStorage', async () => {
    const schema = randomName('t_');
    let storage: Storage = createPostgresStorage({ connectionString: url, schema, poolSize: 4 });
    await storage.open();
    return {
      get storage() {
        return storage;
      },
      async reopen() {
        await storage.close();
        storage = createPostgresStorage({ connectionString: url, schema, poolSize: 4 });
        await storage.open();
        return storage;
      },
      async cleanup() {
        await storage.close();
        await sql(url, `DROP SCHEMA ${schema} CASCADE`);
      },
    };
  });

  describe('PostgresStorage only', () => {
    let schema: string;
    before(() => {
      schema = randomName('only_');
    });
    after(() => sql(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`));

    it('records each migration once, even when several nodes open the schema at once', async () => {
      const nodes = [1, 2, 3].map(() => createPostgresStorage({ connectionString: url, schema, poolSize: 2 }));
      await Promise.all(nodes.map((node) => node.open()));
      await Promise.all(nodes.map((node) => node.close()));
      const rows = await sql(url, `SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`);
      assert.deepEqual(
        rows.map((r) => [r.version, r.name]),
        PG_MIGRATIONS.map((m, i) => [i + 1, m.name]),
      );
    });

    it('an older schema keeps its messages findable: the migration rewrites every search vector with room-keyed terms', async () => {
      const older = randomName('older_');
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      const client = await pool.connect();
      try {
        // As the store's own connections do: the schema is the search path.
        await client.query(`SET search_path = ${older}`);
        await migratePostgres(client, older, PG_MIGRATIONS.slice(0, 2));
        await client.query(`INSERT INTO rooms (id, kind, name, name_fold, topic, created_at, created_by, last_seq, rev, member_count, last_activity_at)
                              VALUES ('r', 'group', 'R', 'r', '', 1, 'alice', 2, 2, 1, 1)`);
        await client.query(`INSERT INTO members (room_id, user_id, role, joined_at) VALUES ('r', 'alice', 'owner', 1)`);
        // As the older release stored them: lexemes without a room key.
        await client.query(`INSERT INTO messages (id, room_id, seq, rev, sender, client_id, kind, text, created_at, search)
                              VALUES ('m1', 'r', 1, 1, 'alice', 'c1', 'user', 'The lighthouse at Dunnet', 1, '''the'':1 ''lighthouse'':2 ''at'':3 ''dunnet'':4'),
                                     ('m2', 'r', 2, 2, 'alice', 'c2', 'user', 'Café au lait', 2, '''cafe'':1 ''au'':2 ''lait'':3')`);
      } finally {
        client.release();
        await pool.end();
      }
      const storage = createPostgresStorage({ connectionString: url, schema: older, poolSize: 2 });
      await storage.open();
      try {
        assert.deepEqual((await storage.search('alice', 'lightho', null, 10)).map((m) => m.id), ['m1']);
        assert.deepEqual((await storage.search('alice', 'cafe', 'r', 10)).map((m) => m.id), ['m2']);
        assert.deepEqual(await storage.search('bob', 'lighthouse', null, 10), [], 'still only for members');
      } finally {
        await storage.close();
        await sql(url, `DROP SCHEMA ${older} CASCADE`);
      }
    });

    it('refuses a schema migrated by a newer version, and leaves it untouched', async () => {
      const newer = randomName('newer_');
      await sql(url, `CREATE SCHEMA ${newer};
        CREATE TABLE ${newer}.schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ);
        INSERT INTO ${newer}.schema_migrations VALUES (${PG_MIGRATIONS.length + 1}, 'future', now())`);
      try {
        const storage = createPostgresStorage({ connectionString: url, schema: newer });
        await assert.rejects(storage.open(), PgSchemaTooNewError);
        const tables = await sql(url, `SELECT table_name FROM information_schema.tables WHERE table_schema = '${newer}'`);
        assert.deepEqual(tables.map((t) => t.table_name), ['schema_migrations']);
      } finally {
        await sql(url, `DROP SCHEMA ${newer} CASCADE`);
      }
    });

    it('three stores on one database (three nodes) give one room contiguous seqs, and a retry on another node finds the original', async () => {
      const nodes = [1, 2, 3].map(() => createPostgresStorage({ connectionString: url, schema, poolSize: 3 }));
      await Promise.all(nodes.map((node) => node.open()));
      try {
        await nodes[0].createRoom({
          id: 'shared',
          kind: 'group',
          name: 'Shared',
          topic: '',
          createdBy: 'alice',
          now: 1,
          directKey: null,
          members: [{ user: 'alice', role: 'owner' }],
        });
        const perNode = 60;
        const sends = nodes.flatMap((node, n) =>
          Array.from({ length: perNode }, (_, i) =>
            node.appendMessage({
              id: `n${n}-${i}`,
              room: 'shared',
              sender: 'alice',
              clientId: `n${n}-${i}`,
              text: `node ${n} message ${i}`,
              parentId: null,
              mentions: [],
              attachmentIds: [],
              flagged: false,
              now: 2 + i,
            }),
          ),
        );
        const results = await Promise.all(sends);
        const seqs = results.map((r) => r.message.seq).sort((a, b) => a - b);
        assert.deepEqual(seqs, Array.from({ length: 3 * perNode }, (_, i) => i + 2));
        // Each node's own sends keep the order they were handed over.
        for (let n = 0; n < 3; n++) {
          const mine = results.slice(n * perNode, (n + 1) * perNode).map((r) => r.message.seq);
          assert.deepEqual(mine, [...mine].sort((a, b) => a - b));
        }
        const retry = await nodes[2].appendMessage({
          id: 'other-id',
          room: 'shared',
          sender: 'alice',
          clientId: 'n0-5',
          text: 'retried elsewhere',
          parentId: null,
          mentions: [],
          attachmentIds: [],
          flagged: false,
          now: 999,
        });
        assert.equal(retry.duplicate, true);
        assert.equal(retry.message.text, 'node 0 message 5');
      } finally {
        await Promise.all(nodes.map((node) => node.close()));
      }
    });
  });
}

async function sql(url: string, text: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(text);
    const last = Array.isArray(result) ? (result as pg.QueryResult[]).at(-1) : result;
    return (last?.rows ?? []) as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}
