/**
 * Schema migrations for the SQLite store. Step N brings the database from
 * `user_version` N-1 to N; steps are append-only once released.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** One schema step: plain SQL run inside the migration transaction. */
export interface Migration {
  /** Short description for logs and errors. */
  name: string;
  sql: string;
}

/** The schema steps, oldest first; append-only once released (they are data). */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'initial schema',
    sql: `
      CREATE TABLE users (
        id   TEXT PRIMARY KEY,
        name TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE rooms (
        id                     TEXT PRIMARY KEY,
        kind                   TEXT NOT NULL,
        name                   TEXT NOT NULL,
        -- lower-cased name for case-insensitive discovery
        name_fold              TEXT NOT NULL,
        topic                  TEXT NOT NULL,
        created_at             INTEGER NOT NULL,
        created_by             TEXT NOT NULL,
        last_seq               INTEGER NOT NULL DEFAULT 0,
        rev                    INTEGER NOT NULL DEFAULT 0,
        floor_seq              INTEGER NOT NULL DEFAULT 0,
        retention_max_age_ms   INTEGER,
        retention_max_messages INTEGER,
        direct_key             TEXT UNIQUE,
        member_count           INTEGER NOT NULL DEFAULT 0,
        last_activity_at       INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX rooms_public_by_activity ON rooms (last_activity_at) WHERE kind = 'public';
      CREATE INDEX rooms_with_retention ON rooms (id)
        WHERE retention_max_age_ms IS NOT NULL OR retention_max_messages IS NOT NULL;

      CREATE TABLE members (
        room_id       TEXT NOT NULL REFERENCES rooms (id),
        user_id       TEXT NOT NULL,
        role          TEXT NOT NULL,
        joined_at     INTEGER NOT NULL,
        read_seq      INTEGER NOT NULL DEFAULT 0,
        delivered_seq INTEGER NOT NULL DEFAULT 0,
        muted_until   INTEGER,
        PRIMARY KEY (room_id, user_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX members_by_user ON members (user_id, room_id);

      CREATE TABLE bans (
        room_id   TEXT NOT NULL REFERENCES rooms (id),
        user_id   TEXT NOT NULL,
        banned_by TEXT NOT NULL,
        banned_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, user_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE blocks (
        user_id    TEXT NOT NULL,
        target_id  TEXT NOT NULL,
        blocked_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, target_id)
      ) STRICT, WITHOUT ROWID;

      -- An explicit INTEGER PRIMARY KEY keeps rowids stable across VACUUM, and
      -- AUTOINCREMENT never reuses one: the full-text index refers to messages
      -- by pk and indexes them in pk order.
      CREATE TABLE messages (
        pk               INTEGER PRIMARY KEY AUTOINCREMENT,
        id               TEXT NOT NULL UNIQUE,
        room_id          TEXT NOT NULL REFERENCES rooms (id),
        seq              INTEGER NOT NULL,
        rev              INTEGER NOT NULL,
        sender           TEXT NOT NULL,
        client_id        TEXT,
        kind             TEXT NOT NULL,
        text             TEXT NOT NULL,
        created_at       INTEGER NOT NULL,
        edited_at        INTEGER,
        deleted_at       INTEGER,
        parent_id        TEXT,
        reply_count      INTEGER NOT NULL DEFAULT 0,
        -- JSON array of user ids, NULL when there are none (the common case)
        mentions         TEXT,
        -- system messages only; the actor is the sender
        sys_event        TEXT,
        sys_target       TEXT,
        sys_name         TEXT,
        flagged          INTEGER NOT NULL DEFAULT 0,
        -- counters let a page skip the reaction/attachment look-ups when zero
        reaction_count   INTEGER NOT NULL DEFAULT 0,
        attachment_count INTEGER NOT NULL DEFAULT 0,
        UNIQUE (room_id, seq)
      ) STRICT;
      CREATE INDEX messages_by_rev ON messages (room_id, rev);
      CREATE INDEX messages_by_parent ON messages (parent_id, seq) WHERE parent_id IS NOT NULL;

      CREATE TABLE message_edits (
        message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        text        TEXT NOT NULL,
        replaced_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX message_edits_by_message ON message_edits (message_id);

      -- A rowid table on purpose: rowid order is reaction order.
      CREATE TABLE reactions (
        message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        user_id    TEXT NOT NULL,
        emoji      TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (message_id, user_id, emoji)
      ) STRICT;

      CREATE TABLE attachments (
        id         TEXT PRIMARY KEY,
        room_id    TEXT NOT NULL REFERENCES rooms (id),
        uploader   TEXT NOT NULL,
        name       TEXT NOT NULL,
        type       TEXT NOT NULL,
        size       INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        message_id TEXT REFERENCES messages (id) ON DELETE CASCADE,
        position   INTEGER,
        blob_key   TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX attachments_by_message ON attachments (message_id, position);

      -- Idempotency keys of every keyed mutation. Never purged by retention, so
      -- a retried send of a purged message is recognised instead of re-created.
      CREATE TABLE client_ops (
        user_id    TEXT NOT NULL,
        client_id  TEXT NOT NULL,
        op         TEXT NOT NULL,
        message_id TEXT NOT NULL,
        PRIMARY KEY (user_id, client_id)
      ) STRICT, WITHOUT ROWID;

      -- Full-text index. Contentless: the text lives in messages; the index
      -- only maps words to messages.pk. New messages are indexed once per
      -- write batch, just before it commits, rather than by an insert trigger:
      -- FTS5 flushes its buffer on every savepoint, which made per-message
      -- indexing cost as much as the rest of a send. fts_state.indexed_pk
      -- marks how far indexing got: every message with pk <= it is indexed.
      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        text,
        content = '',
        contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
      );
      CREATE TABLE fts_state (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        indexed_pk INTEGER NOT NULL
      ) STRICT;
      INSERT INTO fts_state (id, indexed_pk) VALUES (1, 0);
      -- Edits, deletes and purges of already indexed messages keep the index in step.
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, deleted_at ON messages
        WHEN new.kind = 'user' AND old.pk <= (SELECT indexed_pk FROM fts_state)
      BEGIN
        DELETE FROM messages_fts WHERE rowid = old.pk;
        INSERT INTO messages_fts (rowid, text)
          SELECT new.pk, new.text WHERE new.deleted_at IS NULL AND new.text != '';
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN old.kind = 'user' AND old.pk <= (SELECT indexed_pk FROM fts_state)
      BEGIN
        DELETE FROM messages_fts WHERE rowid = old.pk;
      END;
    `,
  },
  {
    name: 'workspace documents',
    sql: `
      -- The compacted state of a room's workspace document (one Yjs update).
      -- through_id: every logged update with id <= it is folded in.
      CREATE TABLE workspace_snapshots (
        room_id    TEXT PRIMARY KEY REFERENCES rooms (id),
        data       BLOB NOT NULL,
        through_id INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- Updates appended since the snapshot. AUTOINCREMENT never reuses an id,
      -- so a compaction "through id" can never cover an update appended later.
      CREATE TABLE workspace_updates (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        room_id    TEXT NOT NULL REFERENCES rooms (id),
        data       BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
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
        invited_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, user_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX invitations_by_user ON invitations (user_id, invited_at);
    `,
  },
  {
    name: 'session revocations',
    sql: `
      -- Tokens of the user issued before revoked_before (epoch ms) are refused.
      CREATE TABLE session_revocations (
        user_id        TEXT PRIMARY KEY,
        revoked_before INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    name: 'erasure of deleted content',
    sql: `
      -- Attachment bytes to delete: the key of every attachment row that goes
      -- (its message deleted or purged) is queued in the same transaction; the
      -- server removes the file, then the key. A crash in between leaves the
      -- key here, so the file is removed at the next start.
      CREATE TABLE blob_erasures (
        blob_key TEXT PRIMARY KEY
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER attachments_erase AFTER DELETE ON attachments
      BEGIN
        INSERT OR IGNORE INTO blob_erasures (blob_key) VALUES (old.blob_key);
      END;
      -- Tombstones from before deletes took their attachments along.
      DELETE FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE deleted_at IS NOT NULL);

      -- The full-text index, rebuilt so a delete removes a message's words.
      -- A contentless_delete table only marks the row deleted and keeps its
      -- words until segments merge; a contentless table in 'secure-delete'
      -- mode removes them at once, given the text that was indexed (the
      -- triggers pass old.text, which is exactly that text).
      DROP TRIGGER messages_fts_update;
      DROP TRIGGER messages_fts_delete;
      DROP TABLE messages_fts;
      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        text,
        content = '',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
      -- Everything is indexed again, before the store serves (see indexNewMessages).
      UPDATE fts_state SET indexed_pk = 0;
      -- A row is in the index when it is indexed (pk <= indexed_pk), a user
      -- message, not deleted and not empty; those are the rows taken out.
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, deleted_at ON messages
        WHEN old.kind = 'user' AND old.pk <= (SELECT indexed_pk FROM fts_state)
      BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text)
          SELECT 'delete', old.pk, old.text WHERE old.deleted_at IS NULL AND old.text != '';
        INSERT INTO messages_fts (rowid, text)
          SELECT new.pk, new.text WHERE new.deleted_at IS NULL AND new.text != '';
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN old.kind = 'user' AND old.pk <= (SELECT indexed_pk FROM fts_state)
          AND old.deleted_at IS NULL AND old.text != ''
      BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.pk, old.text);
      END;
    `,
  },
  {
    name: 'search terms per room',
    sql: `
      -- Every indexed term starts with its room's key (search-terms.ts), so a
      -- search reads only the terms of rooms the user may read, never the
      -- whole server's. The tokens are made by parley_search_terms (a
      -- function the store registers on its connection); the ascii
      -- tokenizer keeps each of them whole. The table stays contentless in
      -- 'secure-delete' mode, and the triggers take a message out with the
      -- very terms it was indexed with, so its words leave the index at once.
      -- Resetting indexed_pk makes the store index every message again when
      -- it opens.
      DROP TRIGGER messages_fts_update;
      DROP TRIGGER messages_fts_delete;
      DROP TABLE messages_fts;
      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        terms,
        content = '',
        tokenize = 'ascii'
      );
      INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
      UPDATE fts_state SET indexed_pk = 0;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, deleted_at ON messages
        WHEN old.kind = 'user' AND old.pk <= (SELECT indexed_pk FROM fts_state)
      BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, terms)
          SELECT 'delete', old.pk, parley_search_terms(old.room_id, old.text) WHERE old.deleted_at IS NULL AND old.text != '';
        INSERT INTO messages_fts (rowid, terms)
          SELECT new.pk, parley_search_terms(new.room_id, new.text) WHERE new.deleted_at IS NULL AND new.text != '';
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN old.kind = 'user' AND old.pk <= (SELECT indexed_pk FROM fts_state)
          AND old.deleted_at IS NULL AND old.text != ''
      BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, terms) VALUES ('delete', old.pk, parley_search_terms(old.room_id, old.text));
      END;
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
    // but only while some endpoint is configured (see `SqliteWebhooks.configure`).
    sql: `
      CREATE TABLE webhook_settings (
        id              INTEGER PRIMARY KEY CHECK (id = 1),
        unread_delay_ms INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE webhook_endpoints (url TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
      CREATE TABLE webhook_events (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        id         TEXT NOT NULL UNIQUE,
        type       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        data       TEXT NOT NULL
      ) STRICT;
      CREATE TABLE webhook_deliveries (
        event_seq       INTEGER NOT NULL REFERENCES webhook_events (seq) ON DELETE CASCADE,
        url             TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        claimed_until   INTEGER NOT NULL DEFAULT 0,
        dead_at         INTEGER,
        PRIMARY KEY (event_seq, url)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE dead_at IS NULL;
      CREATE TABLE webhook_unread_checks (
        message_id TEXT PRIMARY KEY,
        due_at     INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX webhook_unread_checks_due ON webhook_unread_checks (due_at);

      CREATE TRIGGER webhook_event_deliveries AFTER INSERT ON webhook_events
      BEGIN
        INSERT INTO webhook_deliveries (event_seq, url, next_attempt_at)
          SELECT new.seq, url, new.created_at FROM webhook_endpoints;
      END;

      CREATE TRIGGER webhook_message_created AFTER INSERT ON messages
        WHEN new.kind = 'user' AND EXISTS (SELECT 1 FROM webhook_endpoints)
      BEGIN
        INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || lower(hex(randomblob(16))), 'message.created', new.created_at,
          json_object('id', new.id, 'room', new.room_id, 'seq', new.seq, 'sender', new.sender, 'text', new.text,
            'parentId', new.parent_id, 'mentions', json(coalesce(new.mentions, '[]')), 'data', json(new.data), 'createdAt', new.created_at));
        INSERT INTO webhook_unread_checks (message_id, due_at)
          SELECT new.id, new.created_at + unread_delay_ms FROM webhook_settings
          WHERE new.mentions IS NOT NULL OR (SELECT kind FROM rooms WHERE id = new.room_id) = 'direct';
      END;

      CREATE TRIGGER webhook_message_updated AFTER UPDATE OF edited_at ON messages
        WHEN new.kind = 'user' AND new.deleted_at IS NULL AND new.edited_at IS NOT old.edited_at
          AND EXISTS (SELECT 1 FROM webhook_endpoints)
      BEGIN
        INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || lower(hex(randomblob(16))), 'message.updated', new.edited_at,
          json_object('id', new.id, 'room', new.room_id, 'seq', new.seq, 'sender', new.sender, 'text', new.text,
            'mentions', json(coalesce(new.mentions, '[]')), 'editedAt', new.edited_at));
      END;

      CREATE TRIGGER webhook_message_deleted AFTER UPDATE OF deleted_at ON messages
        WHEN new.kind = 'user' AND old.deleted_at IS NULL AND new.deleted_at IS NOT NULL
          AND EXISTS (SELECT 1 FROM webhook_endpoints)
      BEGIN
        INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || lower(hex(randomblob(16))), 'message.deleted', new.deleted_at,
          json_object('id', new.id, 'room', new.room_id, 'seq', new.seq, 'sender', new.sender, 'deletedAt', new.deleted_at));
        DELETE FROM webhook_unread_checks WHERE message_id = new.id;
      END;

      CREATE TRIGGER webhook_room_created AFTER INSERT ON rooms
        WHEN EXISTS (SELECT 1 FROM webhook_endpoints)
      BEGIN
        INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || lower(hex(randomblob(16))), 'room.created', new.created_at,
          json_object('id', new.id, 'kind', new.kind, 'name', new.name, 'topic', new.topic,
            'createdBy', new.created_by, 'createdAt', new.created_at));
      END;

      CREATE TRIGGER webhook_room_updated AFTER UPDATE ON rooms
        WHEN (new.name IS NOT old.name OR new.topic IS NOT old.topic
          OR new.retention_max_age_ms IS NOT old.retention_max_age_ms
          OR new.retention_max_messages IS NOT old.retention_max_messages)
          AND EXISTS (SELECT 1 FROM webhook_endpoints)
      BEGIN
        INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || lower(hex(randomblob(16))), 'room.updated', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
          json_object('id', new.id, 'kind', new.kind, 'name', new.name, 'topic', new.topic,
            'retention', json_object('maxAgeMs', new.retention_max_age_ms, 'maxMessages', new.retention_max_messages)));
      END;

      CREATE TRIGGER webhook_member_added AFTER INSERT ON members
        WHEN EXISTS (SELECT 1 FROM webhook_endpoints)
      BEGIN
        INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || lower(hex(randomblob(16))), 'member.added', new.joined_at,
          json_object('room', new.room_id, 'user', new.user_id, 'role', new.role, 'joinedAt', new.joined_at));
      END;

      CREATE TRIGGER webhook_member_removed AFTER DELETE ON members
        WHEN EXISTS (SELECT 1 FROM webhook_endpoints)
      BEGIN
        INSERT INTO webhook_events (id, type, created_at, data) VALUES (
          'evt_' || lower(hex(randomblob(16))), 'member.removed', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
          json_object('room', old.room_id, 'user', old.user_id));
      END;
    `,
  },
];

/** The first version whose deletes leave no trace in the file (see `SqliteStorage.open`). */
export const ERASING_VERSION = MIGRATIONS.findIndex((m) => m.name === 'erasure of deleted content') + 1;

/** Raised when the database was written by a newer version of Parley. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
}

/**
 * Applies the migrations the database has not seen yet, all in one
 * transaction, and records the new version in `PRAGMA user_version`.
 * Returns the version the database had before.
 */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const run = db.transaction((): number => {
    const current = db.pragma('user_version', { simple: true });
    const version = typeof current === 'number' ? current : 0;
    if (version > migrations.length) {
      throw new SchemaTooNewError(
        `database schema version ${version} is newer than this server supports (${migrations.length})`,
      );
    }
    for (let i = version; i < migrations.length; i++) {
      db.exec(migrations[i].sql);
    }
    if (version !== migrations.length) db.pragma(`user_version = ${migrations.length}`);
    return version;
  });
  // IMMEDIATE: two processes opening the same file must not both migrate.
  return run.immediate();
}
