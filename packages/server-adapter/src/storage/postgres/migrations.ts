/**
 * Schema migrations for the PostgreSQL store. Version N is the N-th entry;
 * entries are append-only once released. Applied versions are recorded in
 * `schema_migrations`, and the whole run holds an advisory lock so several
 * nodes starting at once migrate exactly once.
 *
 * Column shapes follow the SQLite schema (the same row types are read from
 * both); times are epoch milliseconds in BIGINT, read back as numbers.
 */
import type { PoolClient } from 'pg';
import { toSearchVector } from './search-index.js';

/** One schema step: plain SQL run inside the migration transaction, then `run` when a step needs code. */
export interface PgMigration {
  /** Short description, recorded beside the version. */
  name: string;
  sql: string;
  /** Rewrites data SQL cannot (runs after `sql`, in the same transaction). */
  run?: (client: PoolClient) => Promise<void>;
}

/** Messages re-indexed per statement by {@link reindexSearchTerms}. */
const REINDEX_BATCH = 1_000;

/** Recomputes every message's `search` with the current terms (each lexeme carrying its room's key). */
async function reindexSearchTerms(client: PoolClient): Promise<void> {
  let after = 0;
  for (;;) {
    const { rows } = await client.query<{ pk: number; room_id: string; text: string }>(
      'SELECT pk, room_id, text FROM messages WHERE pk > $1 AND search IS NOT NULL ORDER BY pk LIMIT $2',
      [after, REINDEX_BATCH],
    );
    if (rows.length === 0) return;
    await client.query(
      `UPDATE messages SET search = v.search::tsvector
       FROM unnest($1::bigint[], $2::text[]) AS v (pk, search) WHERE messages.pk = v.pk`,
      [rows.map((r) => r.pk), rows.map((r) => toSearchVector(r.room_id, r.text))],
    );
    after = rows[rows.length - 1].pk;
  }
}

/** The schema steps, oldest first; append-only once released (they are data). */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'initial schema',
    sql: `
      CREATE TABLE users (
        id   TEXT PRIMARY KEY,
        name TEXT NOT NULL
      );

      -- The room row is also the room's sequence counter: a write that takes a
      -- seq or rev locks it (SELECT … FOR UPDATE or UPDATE … RETURNING) until
      -- its transaction commits, so nodes never hand out the same number and a
      -- rolled-back write leaves no gap.
      CREATE TABLE rooms (
        id                     TEXT PRIMARY KEY,
        kind                   TEXT NOT NULL,
        name                   TEXT NOT NULL,
        name_fold              TEXT NOT NULL,
        topic                  TEXT NOT NULL,
        created_at             BIGINT NOT NULL,
        created_by             TEXT NOT NULL,
        last_seq               BIGINT NOT NULL DEFAULT 0,
        rev                    BIGINT NOT NULL DEFAULT 0,
        floor_seq              BIGINT NOT NULL DEFAULT 0,
        retention_max_age_ms   BIGINT,
        retention_max_messages BIGINT,
        direct_key             TEXT UNIQUE,
        member_count           INTEGER NOT NULL DEFAULT 0,
        last_activity_at       BIGINT NOT NULL
      );
      CREATE INDEX rooms_public_by_activity ON rooms (last_activity_at) WHERE kind = 'public';
      CREATE INDEX rooms_with_retention ON rooms (id)
        WHERE retention_max_age_ms IS NOT NULL OR retention_max_messages IS NOT NULL;

      CREATE TABLE members (
        room_id       TEXT NOT NULL REFERENCES rooms (id),
        user_id       TEXT NOT NULL,
        role          TEXT NOT NULL,
        joined_at     BIGINT NOT NULL,
        read_seq      BIGINT NOT NULL DEFAULT 0,
        delivered_seq BIGINT NOT NULL DEFAULT 0,
        muted_until   BIGINT,
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX members_by_user ON members (user_id, room_id);

      CREATE TABLE bans (
        room_id   TEXT NOT NULL REFERENCES rooms (id),
        user_id   TEXT NOT NULL,
        banned_by TEXT NOT NULL,
        banned_at BIGINT NOT NULL,
        PRIMARY KEY (room_id, user_id)
      );

      CREATE TABLE blocks (
        user_id    TEXT NOT NULL,
        target_id  TEXT NOT NULL,
        blocked_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, target_id)
      );

      -- pk orders search results newest first; search holds the message's
      -- words (see search-terms.ts), NULL for system messages and tombstones.
      CREATE TABLE messages (
        pk               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id               TEXT NOT NULL UNIQUE,
        room_id          TEXT NOT NULL REFERENCES rooms (id),
        seq              BIGINT NOT NULL,
        rev              BIGINT NOT NULL,
        sender           TEXT NOT NULL,
        client_id        TEXT,
        kind             TEXT NOT NULL,
        text             TEXT NOT NULL,
        created_at       BIGINT NOT NULL,
        edited_at        BIGINT,
        deleted_at       BIGINT,
        parent_id        TEXT,
        reply_count      INTEGER NOT NULL DEFAULT 0,
        mentions         TEXT,
        sys_event        TEXT,
        sys_target       TEXT,
        sys_name         TEXT,
        flagged          INTEGER NOT NULL DEFAULT 0,
        reaction_count   INTEGER NOT NULL DEFAULT 0,
        attachment_count INTEGER NOT NULL DEFAULT 0,
        search           TSVECTOR,
        UNIQUE (room_id, seq)
      );
      CREATE INDEX messages_by_rev ON messages (room_id, rev);
      CREATE INDEX messages_by_parent ON messages (parent_id, seq) WHERE parent_id IS NOT NULL;
      CREATE INDEX messages_search ON messages USING GIN (search) WHERE search IS NOT NULL;

      CREATE TABLE message_edits (
        pk          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        text        TEXT NOT NULL,
        replaced_at BIGINT NOT NULL
      );
      CREATE INDEX message_edits_by_message ON message_edits (message_id, pk);

      -- pk order is reaction order.
      CREATE TABLE reactions (
        pk         BIGINT GENERATED ALWAYS AS IDENTITY,
        message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        user_id    TEXT NOT NULL,
        emoji      TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (message_id, user_id, emoji)
      );

      CREATE TABLE attachments (
        id         TEXT PRIMARY KEY,
        room_id    TEXT NOT NULL REFERENCES rooms (id),
        uploader   TEXT NOT NULL,
        name       TEXT NOT NULL,
        type       TEXT NOT NULL,
        size       BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        message_id TEXT REFERENCES messages (id) ON DELETE CASCADE,
        position   INTEGER,
        blob_key   TEXT NOT NULL
      );
      CREATE INDEX attachments_by_message ON attachments (message_id, position);

      -- Idempotency keys: the primary key is the unique (user, client id)
      -- constraint. Never purged by retention.
      CREATE TABLE client_ops (
        user_id    TEXT NOT NULL,
        client_id  TEXT NOT NULL,
        op         TEXT NOT NULL,
        message_id TEXT NOT NULL,
        PRIMARY KEY (user_id, client_id)
      );
    `,
  },
  {
    name: 'workspace documents',
    sql: `
      CREATE TABLE workspace_snapshots (
        room_id    TEXT PRIMARY KEY REFERENCES rooms (id),
        data       BYTEA NOT NULL,
        through_id BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      -- An identity never reuses a value, so a compaction point never covers a later update.
      CREATE TABLE workspace_updates (
        id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        room_id    TEXT NOT NULL REFERENCES rooms (id),
        data       BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX workspace_updates_by_room ON workspace_updates (room_id, id);
    `,
  },
  {
    name: 'invitations',
    sql: `
      -- Invitations waiting for the invited user's consent (servers with invitations: 'accept').
      CREATE TABLE invitations (
        room_id    TEXT NOT NULL REFERENCES rooms (id),
        user_id    TEXT NOT NULL,
        inviter    TEXT NOT NULL,
        role       TEXT NOT NULL,
        invited_at BIGINT NOT NULL,
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX invitations_by_user ON invitations (user_id, invited_at);
    `,
  },
  {
    name: 'session revocations',
    sql: `
      -- Tokens of the user issued before revoked_before (epoch ms) are refused.
      CREATE TABLE session_revocations (
        user_id        TEXT PRIMARY KEY,
        revoked_before BIGINT NOT NULL
      );
    `,
  },
  {
    name: 'erasure of deleted attachments',
    sql: `
      -- Attachment bytes to delete: the key of every attachment row that goes
      -- (message deleted or purged, cascades included) is queued in the same
      -- transaction; a node removes the file, then the key.
      CREATE TABLE blob_erasures (
        blob_key TEXT PRIMARY KEY
      );
      CREATE FUNCTION queue_blob_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO blob_erasures (blob_key) VALUES (OLD.blob_key) ON CONFLICT DO NOTHING;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER attachments_erase AFTER DELETE ON attachments
        FOR EACH ROW EXECUTE FUNCTION queue_blob_erasure();
      -- Tombstones from before deletes took their attachments along.
      DELETE FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE deleted_at IS NOT NULL);
    `,
  },
  {
    // A search looks up terms of the user's rooms only (see search-terms.ts).
    name: 'search terms per room',
    sql: '',
    run: reindexSearchTerms,
  },
  {
    // Uploads no message uses yet: counted per uploader for the pending quota, and swept by age once they expire.
    name: 'pending uploads',
    sql: `
      CREATE INDEX attachments_pending_by_uploader ON attachments (uploader) WHERE message_id IS NULL;
      CREATE INDEX attachments_pending_by_age ON attachments (created_at) WHERE message_id IS NULL;
    `,
  },
  {
    name: 'custom data: user avatar URL and data, message data, room data',
    sql: `
      ALTER TABLE users ADD COLUMN avatar_url TEXT;
      ALTER TABLE users ADD COLUMN data TEXT;
      ALTER TABLE messages ADD COLUMN data TEXT;
      ALTER TABLE rooms ADD COLUMN data TEXT;
    `,
  },
  {
    name: 'webhook outbox',
    // Triggers write each event in the transaction of the change it describes,
    // but only while some endpoint is configured (see `PostgresWebhooks.configure`).
    sql: `
      CREATE TABLE webhook_settings (
        id              INTEGER PRIMARY KEY CHECK (id = 1),
        unread_delay_ms BIGINT NOT NULL
      );
      CREATE TABLE webhook_endpoints (url TEXT PRIMARY KEY);
      CREATE TABLE webhook_events (
        seq        BIGSERIAL PRIMARY KEY,
        id         TEXT NOT NULL UNIQUE,
        type       TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        data       TEXT NOT NULL
      );
      CREATE TABLE webhook_deliveries (
        event_seq       BIGINT NOT NULL REFERENCES webhook_events (seq) ON DELETE CASCADE,
        url             TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        claimed_until   BIGINT NOT NULL DEFAULT 0,
        dead_at         BIGINT,
        PRIMARY KEY (event_seq, url)
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE dead_at IS NULL;
      CREATE TABLE webhook_unread_checks (
        message_id TEXT PRIMARY KEY,
        due_at     BIGINT NOT NULL
      );
      CREATE INDEX webhook_unread_checks_due ON webhook_unread_checks (due_at);

      CREATE FUNCTION webhook_event_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO webhook_deliveries (event_seq, url, next_attempt_at)
          SELECT NEW.seq, url, NEW.created_at FROM webhook_endpoints;
        RETURN NULL;
      END $$;
      CREATE TRIGGER webhook_event_deliveries AFTER INSERT ON webhook_events
        FOR EACH ROW EXECUTE FUNCTION webhook_event_deliveries();

      CREATE FUNCTION webhook_message_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM webhook_endpoints) THEN RETURN NULL; END IF;
        IF NEW.kind <> 'user' THEN RETURN NULL; END IF;
        IF TG_OP = 'INSERT' THEN
          INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || replace(gen_random_uuid()::text, '-', ''), 'message.created', NEW.created_at, jsonb_build_object('id', NEW.id, 'room', NEW.room_id, 'seq', NEW.seq, 'sender', NEW.sender, 'text', NEW.text, 'parentId', NEW.parent_id, 'mentions', coalesce(NEW.mentions, '[]')::jsonb, 'data', NEW.data::jsonb, 'createdAt', NEW.created_at)::text);
          INSERT INTO webhook_unread_checks (message_id, due_at)
            SELECT NEW.id, NEW.created_at + unread_delay_ms FROM webhook_settings
            WHERE NEW.mentions IS NOT NULL OR (SELECT kind FROM rooms WHERE id = NEW.room_id) = 'direct';
        ELSIF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
          INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || replace(gen_random_uuid()::text, '-', ''), 'message.deleted', NEW.deleted_at, jsonb_build_object('id', NEW.id, 'room', NEW.room_id, 'seq', NEW.seq, 'sender', NEW.sender, 'deletedAt', NEW.deleted_at)::text);
          DELETE FROM webhook_unread_checks WHERE message_id = NEW.id;
        ELSIF NEW.deleted_at IS NULL AND NEW.edited_at IS DISTINCT FROM OLD.edited_at THEN
          INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || replace(gen_random_uuid()::text, '-', ''), 'message.updated', NEW.edited_at, jsonb_build_object('id', NEW.id, 'room', NEW.room_id, 'seq', NEW.seq, 'sender', NEW.sender, 'text', NEW.text, 'mentions', coalesce(NEW.mentions, '[]')::jsonb, 'editedAt', NEW.edited_at)::text);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER webhook_message_event AFTER INSERT OR UPDATE ON messages
        FOR EACH ROW EXECUTE FUNCTION webhook_message_event();

      CREATE FUNCTION webhook_room_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM webhook_endpoints) THEN RETURN NULL; END IF;
        IF TG_OP = 'INSERT' THEN
          INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || replace(gen_random_uuid()::text, '-', ''), 'room.created', NEW.created_at, jsonb_build_object('id', NEW.id, 'kind', NEW.kind, 'name', NEW.name, 'topic', NEW.topic, 'createdBy', NEW.created_by, 'createdAt', NEW.created_at)::text);
        ELSIF NEW.name IS DISTINCT FROM OLD.name OR NEW.topic IS DISTINCT FROM OLD.topic
          OR NEW.retention_max_age_ms IS DISTINCT FROM OLD.retention_max_age_ms
          OR NEW.retention_max_messages IS DISTINCT FROM OLD.retention_max_messages THEN
          INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || replace(gen_random_uuid()::text, '-', ''), 'room.updated', (extract(epoch FROM clock_timestamp()) * 1000)::bigint, jsonb_build_object('id', NEW.id, 'kind', NEW.kind, 'name', NEW.name, 'topic', NEW.topic, 'retention', jsonb_build_object('maxAgeMs', NEW.retention_max_age_ms, 'maxMessages', NEW.retention_max_messages))::text);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER webhook_room_event AFTER INSERT OR UPDATE ON rooms
        FOR EACH ROW EXECUTE FUNCTION webhook_room_event();

      CREATE FUNCTION webhook_member_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM webhook_endpoints) THEN RETURN NULL; END IF;
        IF TG_OP = 'INSERT' THEN
          INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || replace(gen_random_uuid()::text, '-', ''), 'member.added', NEW.joined_at, jsonb_build_object('room', NEW.room_id, 'user', NEW.user_id, 'role', NEW.role, 'joinedAt', NEW.joined_at)::text);
        ELSE
          INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || replace(gen_random_uuid()::text, '-', ''), 'member.removed', (extract(epoch FROM clock_timestamp()) * 1000)::bigint, jsonb_build_object('room', OLD.room_id, 'user', OLD.user_id)::text);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER webhook_member_event AFTER INSERT OR DELETE ON members
        FOR EACH ROW EXECUTE FUNCTION webhook_member_event();
    `,
  },
];

/** Raised when the database was migrated by a newer version of Parley. */
export class PgSchemaTooNewError extends Error {
  override readonly name = 'PgSchemaTooNewError';
}

/** Advisory lock key held while migrating ("parley" in ASCII). */
const MIGRATION_LOCK = 0x7061726c6579;

/**
 * Creates `schema` when missing and applies the migrations it has not seen
 * yet, in one transaction; returns the version reached.
 */
export async function migratePostgres(
  client: PoolClient,
  schema = 'public',
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // The caller checked the name (letters, digits, _), so it can be spliced in.
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version    INTEGER PRIMARY KEY,
         name       TEXT NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new PgSchemaTooNewError(
        `database schema version ${current} is newer than this server supports (${migrations.length})`,
      );
    }
    for (let i = current; i < migrations.length; i++) {
      if (migrations[i].sql.trim() !== '') await client.query(migrations[i].sql);
      await migrations[i].run?.(client);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [i + 1, migrations[i].name]);
    }
    await client.query('COMMIT');
    return migrations.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
