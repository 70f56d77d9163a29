/**
 * `Storage` on PostgreSQL, for several server nodes sharing one database.
 *
 * The same guarantees as the SQLite store: a write resolves only after its
 * transaction committed (`synchronous_commit` as the server is configured,
 * `on` by default); idempotency keys are the primary key of `client_ops`
 * (user, client id); each room's seq and rev are taken from its counter row
 * under a row lock inside the committing transaction, so there are no gaps and
 * no races between nodes. Writes go through one writer connection per node in
 * ordered group commits (`pg-write-queue.ts`); reads use the rest of the pool.
 */
import pg from 'pg';
import type { Pool, PoolClient, PoolConfig, QueryResultRow } from 'pg';
import type { Message, MessageEdit, Retention, Role, UserInfo } from '@parley/sdk/protocol';
import { StorageError } from '../errors.js';
import type {
  AppendMessageInput,
  AppendResult,
  ChangeResult,
  ClientOperation,
  CreateRoomInput,
  MessageChange,
  PendingUploads,
  ReceiptResult,
  RetentionResult,
  Storage,
  StoredAttachment,
  StoredInvitation,
  StoredMember,
  StoredRoom,
  StoredWorkspace,
  SystemMessageInput,
  WithSystemMessage,
} from '../storage.js';
import {
  MEMBER_COLUMNS,
  ROOM_COLUMNS,
  toStoredAttachment,
  toStoredInvitation,
  toStoredMember,
  toStoredRoom,
  toUserRoom,
  type AttachmentRow,
  type InvitationRow,
  type MemberRow,
  type MessageRow,
  type RoomRow,
  type UserRoomRow,
} from '../shared/rows.js';
import { asConflict, asNotFound, isPgConstraint, isQueryCanceled, rethrowUnavailable, type Queryable } from './pg-errors.js';
import { MSG, MSG_M, appendSystemMessage, appendUserMessage, changeMessage, readMessage, readMessages } from './pg-messages.js';
import { migratePostgres } from './migrations.js';
import { PgWriteQueue, type PgWork } from './pg-write-queue.js';
import { toSearchQuery } from './search-terms.js';
import { DEFAULT_SEARCH_TIMEOUT_MS, searchRooms, searchTimeout } from '../shared/search-plan.js';
import type { SearchOptions } from '../storage.js';

/** Where and how to connect. */
export interface PostgresStorageOptions {
  /** `postgres://user:password@host:port/database` (the `DATABASE_URL` of the CLI). */
  connectionString: string;
  /**
   * Schema holding Parley's tables, created when missing; default `public`.
   * Lets several deployments (or tests) share one database.
   */
  schema?: string;
  /** Most connections this node opens (one of them is the writer); default 10. */
  poolSize?: number;
  /** Statements running longer than this are cancelled by PostgreSQL (ms); default 10 000. */
  statementTimeoutMs?: number;
  /**
   * A query the database does not answer at all within this long (a stalled
   * server or network) fails `unavailable` and its connection is dropped (ms);
   * default `statementTimeoutMs` + 2 000, so a merely slow statement is
   * cancelled by the server first.
   */
  queryTimeoutMs?: number;
  /** Opening a connection, or waiting for a free one in the pool, fails `unavailable` after this long (ms); default 5 000. */
  connectTimeoutMs?: number;
}

/** Default of {@link PostgresStorageOptions.statementTimeoutMs}. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/** Default of {@link PostgresStorageOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** How much longer than the statement timeout a query may go unanswered by default. */
const QUERY_TIMEOUT_GRACE_MS = 2_000;

/** Messages deleted per retention transaction, so a large purge never holds the room lock for long. */
const PURGE_BATCH = 1_000;

/** Rooms named in one search query (each adds a term look-up per word to the GIN scan). */
const ROOMS_PER_SEARCH_QUERY = 500;

/**
 * A search among some of the user's rooms. The tsquery holds only those
 * rooms' terms, so the GIN index yields only their messages; the membership
 * test drops rows of a room whose key collides with one of theirs. `pk + 0`
 * keeps the planner from walking the primary key backwards through every
 * room's messages to fill the LIMIT: the matches are few, sort them.
 */
const SEARCH = `SELECT ${MSG_M}, m.pk FROM messages m
  WHERE m.search @@ $1::tsquery AND m.deleted_at IS NULL
    AND m.room_id = ANY($2::text[])
    AND m.room_id IN (SELECT room_id FROM members WHERE user_id = $3)
  ORDER BY m.pk + 0 DESC LIMIT $4`;

const ROOM_COLUMNS_R = ROOM_COLUMNS.split(',')
  .map((c) => `r.${c.trim()}`)
  .join(', ');

/** OID of BIGINT (int8), the type of COUNT and of every time and counter column. */
const INT8_OID = 20;

/** BIGINT values as numbers: every value Parley stores is far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format) as unknown;
  }) as typeof pg.types.getTypeParser,
};

/** PostgreSQL implementation of `Storage` on node-postgres. */
export class PostgresStorage implements Storage {
  readonly #options: PostgresStorageOptions;
  #pool: Pool | null = null;
  /** The pool as a reader whose connection failures are typed `unavailable`. */
  #reader: Queryable | null = null;
  #queue: PgWriteQueue | null = null;

  /** Remembers the settings; nothing connects before `open()`. */
  constructor(options: PostgresStorageOptions) {
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
      throw new Error(`invalid schema name ${JSON.stringify(options.schema)}: lower-case letters, digits and _`);
    }
    for (const key of ['statementTimeoutMs', 'queryTimeoutMs', 'connectTimeoutMs'] as const) {
      const value = options[key];
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new Error(`${key} must be a positive number of milliseconds`);
    }
    this.#options = options;
  }

  async open(): Promise<void> {
    if (this.#pool) return;
    const schema = this.#options.schema ?? 'public';
    const statementTimeout = this.#options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    const config: PoolConfig = {
      connectionString: this.#options.connectionString,
      max: Math.max(2, this.#options.poolSize ?? 10),
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      statement_timeout: statementTimeout,
      // The server's timeout needs the server; this one also ends a wait on a database that stopped answering.
      query_timeout: this.#options.queryTimeoutMs ?? statementTimeout + QUERY_TIMEOUT_GRACE_MS,
      application_name: 'parley',
      options: `-c search_path=${schema}`,
      types: TYPES,
    };
    const pool = new pg.Pool(config);
    // An idle connection that breaks is dropped by the pool; the error must not crash the process.
    pool.on('error', () => undefined);
    let client: PoolClient | null = null;
    try {
      client = await pool.connect();
      await migratePostgres(client, schema);
    } catch (error) {
      client?.release();
      await pool.end();
      throw error;
    }
    client.release();
    this.#pool = pool;
    this.#reader = {
      query: <R extends QueryResultRow>(text: string, values?: unknown[]) => pool.query<R>(text, values).catch(rethrowUnavailable),
    };
    this.#queue = new PgWriteQueue(() => pool.connect());
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    if (!pool) return;
    await this.#queue?.close();
    this.#pool = null;
    this.#reader = null;
    this.#queue = null;
    await pool.end();
  }

  // ---- users

  async upsertUser(user: UserInfo): Promise<void> {
    // Called on every connection: skip the write when nothing changed.
    const { rows } = await this.#db().query<{ name: string }>('SELECT name FROM users WHERE id = $1', [user.id]);
    if (rows[0]?.name === user.name) return;
    await this.#write((c) =>
      c.query(
        `INSERT INTO users (id, name) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE users.name <> excluded.name`,
        [user.id, user.name],
      ),
    );
  }

  async getUsers(ids: string[]): Promise<UserInfo[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.#db().query<{ id: string; name: string }>(
      'SELECT id, name FROM users WHERE id = ANY($1::text[])',
      [ids],
    );
    const names = new Map(rows.map((row) => [row.id, row.name]));
    const users: UserInfo[] = [];
    for (const id of new Set(ids)) {
      const name = names.get(id);
      if (name !== undefined) users.push({ id, name });
    }
    return users;
  }

  // ---- rooms

  async createRoom(input: CreateRoomInput): Promise<StoredRoom> {
    return this.#write(async (c) => {
      try {
        await c.query(
          `INSERT INTO rooms (id, kind, name, name_fold, topic, created_at, created_by, direct_key, last_activity_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $6)`,
          [input.id, input.kind, input.name, fold(input.name), input.topic, input.now, input.createdBy, input.directKey],
        );
      } catch (error) {
        asConflict(error, `room ${input.id} or its direct key already exists`);
      }
      const created = await appendSystemMessage(c, input.id, { event: 'created', actor: input.createdBy }, input.now);
      for (const member of input.members) {
        try {
          await c.query(
            `INSERT INTO members (room_id, user_id, role, joined_at, read_seq, delivered_seq)
             VALUES ($1, $2, $3, $4, $5, $5)`,
            [input.id, member.user, member.role, input.now, created.seq],
          );
        } catch (error) {
          asConflict(error, `user ${member.user} is listed twice`);
        }
      }
      await c.query('UPDATE rooms SET member_count = member_count + $1 WHERE id = $2', [input.members.length, input.id]);
      return mustRoom(await getRoomRow(c, input.id));
    });
  }

  async getRoom(id: string): Promise<StoredRoom | null> {
    const row = await getRoomRow(this.#db(), id);
    return row ? toStoredRoom(row) : null;
  }

  async findDirectRoom(directKey: string): Promise<StoredRoom | null> {
    const { rows } = await this.#db().query<RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE direct_key = $1`, [directKey]);
    return rows[0] ? toStoredRoom(rows[0]) : null;
  }

  async updateRoom(
    id: string,
    patch: { name?: string; topic?: string; retention?: Retention },
    actor: string,
    now: number,
  ): Promise<StoredRoom & WithSystemMessage> {
    return this.#write(async (c) => {
      const { rows } = await c.query<RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE id = $1 FOR UPDATE`, [id]);
      const row = rows[0];
      if (!row) throw new StorageError('not_found', `room ${id} not found`);
      const name = patch.name ?? row.name;
      const retention = patch.retention ?? { maxAgeMs: row.retention_max_age_ms, maxMessages: row.retention_max_messages };
      await c.query(
        `UPDATE rooms SET name = $1, name_fold = $2, topic = $3, retention_max_age_ms = $4, retention_max_messages = $5
         WHERE id = $6`,
        [name, fold(name), patch.topic ?? row.topic, retention.maxAgeMs, retention.maxMessages, id],
      );
      const systemMessage = name !== row.name ? await appendSystemMessage(c, id, { event: 'renamed', actor, name }, now) : null;
      return { ...mustRoom(await getRoomRow(c, id)), systemMessage };
    }, [id]);
  }

  async listUserRooms(user: string): Promise<Array<{ room: StoredRoom; member: StoredMember }>> {
    const { rows } = await this.#db().query<UserRoomRow>(
      `SELECT ${ROOM_COLUMNS_R}, COALESCE(u.name, m.user_id) AS member_name, m.role AS member_role,
         m.joined_at AS member_joined_at, m.read_seq AS member_read_seq,
         m.delivered_seq AS member_delivered_seq, m.muted_until AS member_muted_until
       FROM members m JOIN rooms r ON r.id = m.room_id LEFT JOIN users u ON u.id = m.user_id
       WHERE m.user_id = $1 ORDER BY r.last_activity_at DESC`,
      [user],
    );
    return rows.map((row) => toUserRoom(row, user));
  }

  async discoverRooms(query: string, limit: number): Promise<StoredRoom[]> {
    const { rows } = await this.#db().query<RoomRow>(
      `SELECT ${ROOM_COLUMNS} FROM rooms
       WHERE kind = 'public' AND strpos(name_fold, $1) > 0
       ORDER BY last_activity_at DESC LIMIT $2`,
      [fold(query), pageSize(limit)],
    );
    return rows.map(toStoredRoom);
  }

  // ---- members

  async getMember(room: string, user: string): Promise<StoredMember | null> {
    const row = await getMemberRow(this.#db(), room, user);
    return row ? toStoredMember(row) : null;
  }

  async listMembers(room: string): Promise<StoredMember[]> {
    const { rows } = await this.#db().query<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members m LEFT JOIN users u ON u.id = m.user_id
       WHERE m.room_id = $1 ORDER BY m.joined_at, m.user_id`,
      [room],
    );
    return rows.map(toStoredMember);
  }

  async listContacts(user: string, maxRoomMembers = 2_147_483_647): Promise<string[]> {
    const { rows } = await this.#db().query<{ user_id: string }>(
      `SELECT DISTINCT other.user_id FROM members mine
         JOIN rooms r ON r.id = mine.room_id AND r.member_count <= $2
         JOIN members other ON other.room_id = mine.room_id
       WHERE mine.user_id = $1 AND other.user_id <> $1`,
      [user, maxRoomMembers],
    );
    return rows.map((row) => row.user_id);
  }

  async visiblePeers(user: string, candidates: readonly string[]): Promise<string[]> {
    if (candidates.length === 0) return [];
    const { rows } = await this.#db().query<{ user_id: string }>(
      `SELECT c.user_id FROM unnest($2::text[]) AS c (user_id)
       WHERE EXISTS (SELECT 1 FROM members mine JOIN members other ON other.room_id = mine.room_id
                     WHERE mine.user_id = $1 AND other.user_id = c.user_id)
         AND NOT EXISTS (SELECT 1 FROM blocks b
                         WHERE (b.user_id = $1 AND b.target_id = c.user_id) OR (b.user_id = c.user_id AND b.target_id = $1))`,
      [user, candidates],
    );
    return rows.map((row) => row.user_id);
  }

  async addMember(
    room: string,
    user: string,
    role: Role,
    now: number,
    system: SystemMessageInput | null,
  ): Promise<StoredMember & WithSystemMessage> {
    return this.#write((c) => insertMember(c, room, user, role, now, system), [room]);
  }

  // ---- invitations

  async addInvitation(invitation: StoredInvitation): Promise<void> {
    const { room, user, inviter, role, invitedAt } = invitation;
    await this.#write(async (c) => {
      if (!(await getRoomRow(c, room, true))) throw new StorageError('not_found', `room ${room} not found`);
      if (await getMemberRow(c, room, user)) throw new StorageError('conflict', `${user} is already a member of ${room}`);
      try {
        await c.query('INSERT INTO invitations (room_id, user_id, inviter, role, invited_at) VALUES ($1, $2, $3, $4, $5)', [
          room,
          user,
          inviter,
          role,
          invitedAt,
        ]);
      } catch (error) {
        asConflict(error, `${user} is already invited to ${room}`);
      }
    }, [room]);
  }

  async getInvitation(room: string, user: string): Promise<StoredInvitation | null> {
    const { rows } = await this.#db().query<InvitationRow>(
      'SELECT room_id, user_id, inviter, role, invited_at FROM invitations WHERE room_id = $1 AND user_id = $2',
      [room, user],
    );
    return rows.length === 0 ? null : toStoredInvitation(rows[0]);
  }

  async listInvitations(user: string, limit: number): Promise<StoredInvitation[]> {
    const { rows } = await this.#db().query<InvitationRow>(
      'SELECT room_id, user_id, inviter, role, invited_at FROM invitations WHERE user_id = $1 ORDER BY invited_at DESC LIMIT $2',
      [user, limit],
    );
    return rows.map(toStoredInvitation);
  }

  async acceptInvitation(room: string, user: string, now: number): Promise<StoredMember & WithSystemMessage> {
    return this.#write(async (c) => {
      const { rows } = await c.query<InvitationRow>(
        'DELETE FROM invitations WHERE room_id = $1 AND user_id = $2 RETURNING room_id, user_id, inviter, role, invited_at',
        [room, user],
      );
      if (rows.length === 0) throw new StorageError('not_found', `no invitation to ${room} for ${user}`);
      return insertMember(c, room, user, rows[0].role, now, { event: 'joined', actor: user });
    }, [room]);
  }

  async removeInvitation(room: string, user: string): Promise<boolean> {
    return this.#write(async (c) => {
      const { rowCount } = await c.query('DELETE FROM invitations WHERE room_id = $1 AND user_id = $2', [room, user]);
      return (rowCount ?? 0) > 0;
    });
  }

  async removeMember(room: string, user: string, now: number, system: SystemMessageInput | null): Promise<WithSystemMessage> {
    return this.#write(async (c) => {
      const deleted = await c.query('DELETE FROM members WHERE room_id = $1 AND user_id = $2', [room, user]);
      if (deleted.rowCount === 0) throw new StorageError('not_found', `${user} is not a member of ${room}`);
      await c.query('UPDATE rooms SET member_count = member_count - 1 WHERE id = $1', [room]);
      return { systemMessage: system ? await appendSystemMessage(c, room, system, now) : null };
    }, [room]);
  }

  async updateMember(room: string, user: string, patch: { role?: Role; mutedUntil?: number | null }): Promise<StoredMember> {
    return this.#write(async (c) => {
      const row = await getMemberRow(c, room, user);
      if (!row) throw new StorageError('not_found', `${user} is not a member of ${room}`);
      const mutedUntil = patch.mutedUntil !== undefined ? patch.mutedUntil : row.muted_until;
      await c.query('UPDATE members SET role = $1, muted_until = $2 WHERE room_id = $3 AND user_id = $4', [
        patch.role ?? row.role,
        mutedUntil,
        room,
        user,
      ]);
      return toStoredMember(mustGet(await getMemberRow(c, room, user)));
    }, [room]);
  }

  // ---- bans and blocks

  async setBan(room: string, user: string, banned: boolean, by: string, now: number): Promise<void> {
    await this.#write(async (c) => {
      if (!banned) return c.query('DELETE FROM bans WHERE room_id = $1 AND user_id = $2', [room, user]);
      try {
        return await c.query(
          'INSERT INTO bans (room_id, user_id, banned_by, banned_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
          [room, user, by, now],
        );
      } catch (error) {
        return asNotFound(error, `room ${room} not found`);
      }
    });
  }

  async isBanned(room: string, user: string): Promise<boolean> {
    const { rowCount } = await this.#db().query('SELECT 1 FROM bans WHERE room_id = $1 AND user_id = $2', [room, user]);
    return rowCount === 1;
  }

  async setBlock(user: string, target: string, blocked: boolean, now: number): Promise<void> {
    await this.#write((c) =>
      blocked
        ? c.query('INSERT INTO blocks (user_id, target_id, blocked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
            user,
            target,
            now,
          ])
        : c.query('DELETE FROM blocks WHERE user_id = $1 AND target_id = $2', [user, target]),
    );
  }

  async isBlockedEither(a: string, b: string): Promise<boolean> {
    const { rowCount } = await this.#db().query(
      'SELECT 1 FROM blocks WHERE (user_id = $1 AND target_id = $2) OR (user_id = $2 AND target_id = $1) LIMIT 1',
      [a, b],
    );
    return rowCount === 1;
  }

  // ---- sessions

  async revokeSessions(user: string, before: number): Promise<void> {
    await this.#write((c) =>
      c.query(
        `INSERT INTO session_revocations (user_id, revoked_before) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET revoked_before = GREATEST(session_revocations.revoked_before, EXCLUDED.revoked_before)`,
        [user, before],
      ),
    );
  }

  async sessionsRevokedBefore(user: string): Promise<number | null> {
    const { rows } = await this.#db().query<{ revoked_before: string }>(
      'SELECT revoked_before FROM session_revocations WHERE user_id = $1',
      [user],
    );
    return rows.length === 0 ? null : Number(rows[0].revoked_before);
  }

  // ---- messages

  async appendMessage(input: AppendMessageInput): Promise<AppendResult> {
    return this.#write((c) => appendUserMessage(c, input), [input.room]);
  }

  async changeMessage(messageId: string, user: string, clientId: string, change: MessageChange, now: number): Promise<ChangeResult> {
    return this.#write((c) => changeMessage(c, messageId, user, clientId, change, now));
  }

  async clientOperation(user: string, clientId: string): Promise<ClientOperation | null> {
    const { rows } = await this.#db().query<{ op: ClientOperation['op']; message_id: string }>(
      'SELECT op, message_id FROM client_ops WHERE user_id = $1 AND client_id = $2',
      [user, clientId],
    );
    return rows.length === 0 ? null : { op: rows[0].op, messageId: rows[0].message_id };
  }

  async getMessage(id: string): Promise<Message | null> {
    return readMessage(this.#db(), id);
  }

  async history(room: string, before: number | null, limit: number): Promise<{ messages: Message[]; hasMore: boolean }> {
    const size = pageSize(limit);
    const { rows } = await this.#db().query<MessageRow>(
      `SELECT ${MSG} FROM messages WHERE room_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
      [room, before ?? Number.MAX_SAFE_INTEGER, size + 1],
    );
    const hasMore = trimPage(rows, size);
    rows.reverse();
    return { messages: await readMessages(this.#db(), rows), hasMore };
  }

  async thread(parentId: string, after: number, limit: number): Promise<{ replies: Message[]; hasMore: boolean }> {
    const size = pageSize(limit);
    const { rows } = await this.#db().query<MessageRow>(
      `SELECT ${MSG} FROM messages WHERE parent_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [parentId, after, size + 1],
    );
    const hasMore = trimPage(rows, size);
    return { replies: await readMessages(this.#db(), rows), hasMore };
  }

  async changesSince(room: string, sinceRev: number, limit: number): Promise<{ messages: Message[]; more: boolean }> {
    const size = pageSize(limit);
    const { rows } = await this.#db().query<MessageRow>(
      `SELECT ${MSG} FROM messages WHERE room_id = $1 AND rev > $2 ORDER BY rev LIMIT $3`,
      [room, sinceRev, size + 1],
    );
    const more = trimPage(rows, size);
    return { messages: await readMessages(this.#db(), rows), more };
  }

  async edits(messageId: string): Promise<MessageEdit[]> {
    const { rows } = await this.#db().query<{ text: string; replaced_at: number }>(
      'SELECT text, replaced_at FROM message_edits WHERE message_id = $1 ORDER BY pk',
      [messageId],
    );
    return rows.map((row) => ({ text: row.text, replacedAt: row.replaced_at }));
  }

  async search(user: string, query: string, room: string | null, limit: number, options: SearchOptions = {}): Promise<Message[]> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS;
    if (!this.#pool) throw new Error('PostgresStorage is not open');
    const client = await this.#pool.connect().catch(rethrowUnavailable);
    let rows: Array<MessageRow & { pk: number }>;
    try {
      // One transaction, so each query's statement_timeout is local to it.
      await client.query('BEGIN READ ONLY');
      const rooms =
        room === null
          ? (await client.query<{ room_id: string }>('SELECT room_id FROM members WHERE user_id = $1', [user])).rows.map((r) => r.room_id)
          : [room];
      rows = await searchRooms(rooms, ROOMS_PER_SEARCH_QUERY, pageSize(limit), timeoutMs, async (some, remainingMs) => {
        const match = toSearchQuery(query, some);
        if (match === null) return [];
        await client.query("SELECT set_config('statement_timeout', $1, true)", [String(Math.max(1, Math.ceil(remainingMs)))]);
        const found = await client.query<MessageRow & { pk: number }>(SEARCH, [match, some, user, pageSize(limit)]);
        return found.rows;
      });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isQueryCanceled(error)) throw searchTimeout(timeoutMs, error);
      rethrowUnavailable(error);
    } finally {
      client.release();
    }
    return readMessages(this.#db(), rows);
  }

  // ---- receipts and unread counts

  async setReceipt(room: string, user: string, delivered: number | null, read: number | null): Promise<ReceiptResult> {
    // Most receipts repeat what is already stored; those need no write.
    const preview = nextReceipt(await receiptState(this.#db(), room, user, false), room, user, delivered, read);
    if (!preview.changed) return preview;
    return this.#write(async (c) => {
      const result = nextReceipt(await receiptState(c, room, user, true), room, user, delivered, read);
      if (result.changed) {
        await c.query('UPDATE members SET read_seq = $1, delivered_seq = $2 WHERE room_id = $3 AND user_id = $4', [
          result.readSeq,
          result.deliveredSeq,
          room,
          user,
        ]);
      }
      return result;
    });
  }

  async unreadCount(room: string, user: string): Promise<number> {
    const { rows } = await this.#db().query<{ n: number }>(
      `SELECT count(*) AS n FROM messages
       WHERE room_id = $1 AND seq > (SELECT read_seq FROM members WHERE room_id = $1 AND user_id = $2)
         AND sender <> $2 AND kind = 'user' AND deleted_at IS NULL`,
      [room, user],
    );
    return rows[0]?.n ?? 0;
  }

  async unreadTotal(user: string): Promise<number> {
    const { rows } = await this.#db().query<{ n: number }>(
      `SELECT count(*) AS n FROM members mb JOIN messages m ON m.room_id = mb.room_id AND m.seq > mb.read_seq
       WHERE mb.user_id = $1 AND m.sender <> $1 AND m.kind = 'user' AND m.deleted_at IS NULL`,
      [user],
    );
    return rows[0]?.n ?? 0;
  }

  // ---- attachments

  async createAttachment(attachment: StoredAttachment): Promise<void> {
    await this.#write(async (c) => {
      try {
        await c.query(
          `INSERT INTO attachments (id, room_id, uploader, name, type, size, created_at, message_id, blob_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)`,
          [
            attachment.id,
            attachment.room,
            attachment.uploader,
            attachment.name,
            attachment.type,
            attachment.size,
            attachment.createdAt,
            attachment.blobKey,
          ],
        );
      } catch (error) {
        if (isPgConstraint(error, '23503')) asNotFound(error, `room ${attachment.room} not found`);
        asConflict(error, `attachment ${attachment.id} already exists`);
      }
    });
  }

  async getAttachment(id: string): Promise<StoredAttachment | null> {
    const { rows } = await this.#db().query<AttachmentRow>(
      `SELECT id, room_id, uploader, name, type, size, created_at, message_id, blob_key FROM attachments WHERE id = $1`,
      [id],
    );
    return rows[0] ? toStoredAttachment(rows[0]) : null;
  }

  async pendingUploads(user: string): Promise<PendingUploads> {
    const { rows } = await this.#db().query<{ count: number; bytes: number; oldest_at: number | null }>(
      `SELECT count(*) AS count, coalesce(sum(size), 0)::bigint AS bytes, min(created_at) AS oldest_at
       FROM attachments WHERE uploader = $1 AND message_id IS NULL`,
      [user],
    );
    return { count: rows[0].count, bytes: rows[0].bytes, oldestAt: rows[0].oldest_at };
  }

  async expireUploads(before: number, limit: number): Promise<string[]> {
    return this.#write(async (c) => {
      // A send binding one of them waits for this row lock, then finds it gone (not_found);
      // one that bound it first makes the row no longer match here.
      const { rows } = await c.query<{ blob_key: string }>(
        `DELETE FROM attachments WHERE id IN (
           SELECT id FROM attachments WHERE message_id IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2
           FOR UPDATE SKIP LOCKED
         ) AND message_id IS NULL
         RETURNING blob_key`,
        [before, pageSize(limit)],
      );
      return rows.map((r) => r.blob_key);
    });
  }

  // ---- retention

  async applyRetention(now: number): Promise<RetentionResult[]> {
    const { rows: rooms } = await this.#db().query<{
      id: string;
      last_seq: number;
      floor_seq: number;
      retention_max_age_ms: number | null;
      retention_max_messages: number | null;
    }>(
      `SELECT id, last_seq, floor_seq, retention_max_age_ms, retention_max_messages FROM rooms
       WHERE retention_max_age_ms IS NOT NULL OR retention_max_messages IS NOT NULL`,
    );
    const changed: RetentionResult[] = [];
    for (const room of rooms) {
      // Retention removes a prefix of the room: everything up to `cutoff`.
      let cutoff = room.floor_seq;
      if (room.retention_max_messages !== null) cutoff = Math.max(cutoff, room.last_seq - room.retention_max_messages);
      if (room.retention_max_age_ms !== null) {
        const { rows } = await this.#db().query<{ seq: number }>(
          'SELECT seq FROM messages WHERE room_id = $1 AND seq > $2 AND created_at >= $3 ORDER BY seq LIMIT 1',
          [room.id, cutoff, now - room.retention_max_age_ms],
        );
        cutoff = rows[0] === undefined ? room.last_seq : Math.max(cutoff, rows[0].seq - 1);
      }
      if (cutoff <= room.floor_seq) continue;
      let floor = room.floor_seq;
      const blobKeys: string[] = [];
      while (floor < cutoff) {
        const from = floor;
        const to = Math.min(cutoff, from + PURGE_BATCH);
        const keys = await this.#write(async (c) => {
          const purged = await c.query<{ blob_key: string }>(
            `SELECT a.blob_key FROM messages m JOIN attachments a ON a.message_id = m.id
             WHERE m.room_id = $1 AND m.seq > $2 AND m.seq <= $3`,
            [room.id, from, to],
          );
          await c.query('DELETE FROM messages WHERE room_id = $1 AND seq > $2 AND seq <= $3', [room.id, from, to]);
          await c.query('UPDATE rooms SET floor_seq = $1 WHERE id = $2 AND floor_seq < $1', [to, room.id]);
          return purged.rows.map((row) => row.blob_key);
        }, [room.id]);
        blobKeys.push(...keys);
        floor = to;
      }
      changed.push({ room: room.id, floorSeq: floor, blobKeys });
    }
    return changed;
  }

  async pendingBlobErasures(limit: number): Promise<string[]> {
    const { rows } = await this.#db().query<{ blob_key: string }>(
      'SELECT blob_key FROM blob_erasures ORDER BY blob_key LIMIT $1',
      [Math.max(0, Math.floor(limit))],
    );
    return rows.map((row) => row.blob_key);
  }

  async completeBlobErasures(blobKeys: string[]): Promise<void> {
    if (blobKeys.length === 0) return;
    await this.#write((c) => c.query('DELETE FROM blob_erasures WHERE blob_key = ANY($1::text[])', [blobKeys]));
  }

  // ---- workspace documents

  async loadWorkspace(room: string): Promise<StoredWorkspace> {
    // One statement, one snapshot: a compaction committing meanwhile cannot hide updates.
    const { rows } = await this.#db().query<{ kind: 'snapshot' | 'update'; id: number; data: Buffer }>(
      `WITH snap AS (SELECT data, through_id FROM workspace_snapshots WHERE room_id = $1)
       SELECT 'snapshot' AS kind, through_id AS id, data FROM snap
       UNION ALL
       SELECT * FROM (
         SELECT 'update' AS kind, u.id, u.data FROM workspace_updates u
         WHERE u.room_id = $1 AND u.id > COALESCE((SELECT through_id FROM snap), 0)
         ORDER BY u.id
       ) updates`,
      [room],
    );
    let snapshot: Uint8Array | null = null;
    let lastUpdateId = 0;
    let bytes = 0;
    const updates: Uint8Array[] = [];
    for (const row of rows) {
      const data = new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.length);
      bytes += data.length;
      lastUpdateId = Math.max(lastUpdateId, row.id);
      if (row.kind === 'snapshot') snapshot = data;
      else updates.push(data);
    }
    return { snapshot, updates, lastUpdateId, bytes };
  }

  async appendWorkspaceUpdate(room: string, update: Uint8Array, now: number): Promise<number> {
    // The room row lock orders appends of different nodes, so a room's ids commit in id order:
    // a reader that sees one update sees every earlier one, and compaction never drops an unread one.
    return this.#write(async (c) => {
      try {
        const { rows } = await c.query<{ id: number }>(
          'INSERT INTO workspace_updates (room_id, data, created_at) VALUES ($1, $2, $3) RETURNING id',
          [room, toBuffer(update), now],
        );
        return rows[0].id;
      } catch (error) {
        return asNotFound(error, `room ${room} not found`);
      }
    }, [room]);
  }

  async compactWorkspace(room: string, snapshot: Uint8Array, throughId: number, now: number): Promise<boolean> {
    if (!Number.isSafeInteger(throughId) || throughId < 0) {
      throw new StorageError('conflict', `invalid compaction point ${throughId}`);
    }
    return this.#write(async (c) => {
      let stored: number;
      try {
        // The WHERE turns a compaction older than the stored snapshot into a no-op.
        const result = await c.query(
          `INSERT INTO workspace_snapshots (room_id, data, through_id, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (room_id) DO UPDATE SET
             data = excluded.data, through_id = excluded.through_id, updated_at = excluded.updated_at
           WHERE workspace_snapshots.through_id <= excluded.through_id`,
          [room, toBuffer(snapshot), throughId, now],
        );
        stored = result.rowCount ?? 0;
      } catch (error) {
        return asNotFound(error, `room ${room} not found`);
      }
      if (stored === 0) return false;
      await c.query('DELETE FROM workspace_updates WHERE room_id = $1 AND id <= $2', [room, throughId]);
      return true;
    });
  }

  /** Resolves once the database answers a query (bounded by the connect and query timeouts). */
  async ping(): Promise<void> {
    await this.#db().query('SELECT 1');
  }

  // ---- internals

  #db(): Queryable {
    if (!this.#reader) throw new Error('PostgresStorage is not open');
    return this.#reader;
  }

  #write<T>(work: PgWork<T>, rooms: readonly string[] = []): Promise<T> {
    if (!this.#queue) return Promise.reject(new Error('PostgresStorage is not open'));
    return this.#queue.run(work, rooms).catch(rethrowUnavailable);
  }
}

/** Creates (but does not open) a PostgreSQL store. */
export function createPostgresStorage(options: PostgresStorageOptions): PostgresStorage {
  return new PostgresStorage(options);
}

async function getRoomRow(db: Queryable, id: string, lock = false): Promise<RoomRow | null> {
  const { rows } = await db.query<RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ?? null;
}

async function getMemberRow(db: Queryable, room: string, user: string): Promise<MemberRow | null> {
  const { rows } = await db.query<MemberRow>(
    `SELECT ${MEMBER_COLUMNS} FROM members m LEFT JOIN users u ON u.id = m.user_id
     WHERE m.room_id = $1 AND m.user_id = $2`,
    [room, user],
  );
  return rows[0] ?? null;
}

interface ReceiptState {
  read_seq: number;
  delivered_seq: number;
  last_seq: number;
}

async function receiptState(db: Queryable, room: string, user: string, lock: boolean): Promise<ReceiptState | null> {
  const { rows } = await db.query<ReceiptState>(
    `SELECT m.read_seq, m.delivered_seq, r.last_seq FROM members m JOIN rooms r ON r.id = m.room_id
     WHERE m.room_id = $1 AND m.user_id = $2${lock ? ' FOR UPDATE OF m' : ''}`,
    [room, user],
  );
  return rows[0] ?? null;
}

/** The user's markers after applying a receipt: forward only, clamped to the room's last seq. */
function nextReceipt(
  state: ReceiptState | null,
  room: string,
  user: string,
  delivered: number | null,
  read: number | null,
): ReceiptResult {
  if (!state) throw new StorageError('not_found', `${user} is not a member of ${room}`);
  const readSeq = read === null ? state.read_seq : Math.max(state.read_seq, Math.min(read, state.last_seq));
  let deliveredSeq =
    delivered === null ? state.delivered_seq : Math.max(state.delivered_seq, Math.min(delivered, state.last_seq));
  // What was read was necessarily delivered.
  deliveredSeq = Math.max(deliveredSeq, readSeq);
  return { readSeq, deliveredSeq, changed: readSeq !== state.read_seq || deliveredSeq !== state.delivered_seq };
}

function mustRoom(row: RoomRow | null): StoredRoom {
  return toStoredRoom(mustGet(row));
}

function mustGet<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('row vanished inside its own transaction');
  return value;
}

/** Case folding used for room discovery (the same on both sides of the comparison). */
function fold(text: string): string {
  return text.toLowerCase();
}

/** A usable LIMIT: whole, at least 0. */
function pageSize(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/** Drops the look-ahead row of a `limit + 1` query; returns whether there was one. */
function trimPage<T>(rows: T[], size: number): boolean {
  if (rows.length <= size) return false;
  rows.length = size;
  return true;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Adds a member row (and its system message) inside a write transaction that holds the room's lock. */
async function insertMember(
  c: PoolClient,
  room: string,
  user: string,
  role: Role,
  now: number,
  system: SystemMessageInput | null,
): Promise<StoredMember & WithSystemMessage> {
  const roomRow = await getRoomRow(c, room, true);
  if (!roomRow) throw new StorageError('not_found', `room ${room} not found`);
  if (await getMemberRow(c, room, user)) throw new StorageError('conflict', `${user} is already a member of ${room}`);
  const systemMessage = system ? await appendSystemMessage(c, room, system, now) : null;
  // A newcomer starts with everything before their arrival marked as read.
  const seen = systemMessage ? systemMessage.seq : roomRow.last_seq;
  try {
    await c.query(
      `INSERT INTO members (room_id, user_id, role, joined_at, read_seq, delivered_seq) VALUES ($1, $2, $3, $4, $5, $5)`,
      [room, user, role, now, seen],
    );
  } catch (error) {
    asConflict(error, `${user} is already a member of ${room}`);
  }
  await c.query('UPDATE rooms SET member_count = member_count + 1 WHERE id = $1', [room]);
  return { ...toStoredMember(mustGet(await getMemberRow(c, room, user))), systemMessage };
}
