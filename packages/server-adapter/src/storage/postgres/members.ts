/** Memberships on PostgreSQL. Writes that change a room's members lock its row first. */
import type { Role } from '@parley/sdk/protocol';
import type { PoolClient } from 'pg';
import { StorageError } from '../errors.js';
import type { MemberStore, StoredMember, SystemMessageInput, WithSystemMessage } from '../storage.js';
import { patchMember } from '../common/patches.js';
import { MEMBER_COLUMNS, mustGet, toStoredMember, type MemberRow } from '../common/rows.js';
import type { PostgresDatabase, Queryable } from './database.js';
import { asConflict } from './errors.js';
import { appendSystemMessage } from './message-writes.js';
import { getRoomRow } from './rooms.js';

/** `MemberStore` on PostgreSQL. */
export class PostgresMembers implements MemberStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async getMember(room: string, user: string): Promise<StoredMember | null> {
    const row = await getMemberRow(this.#db.reader(), room, user);
    return row ? toStoredMember(row) : null;
  }

  async listMembers(room: string): Promise<StoredMember[]> {
    const { rows } = await this.#db.reader().query<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members m LEFT JOIN users u ON u.id = m.user_id
       WHERE m.room_id = $1 ORDER BY m.joined_at, m.user_id`,
      [room],
    );
    return rows.map(toStoredMember);
  }

  async listContacts(user: string, maxRoomMembers = 2_147_483_647): Promise<string[]> {
    const { rows } = await this.#db.reader().query<{ user_id: string }>(
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
    const { rows } = await this.#db.reader().query<{ user_id: string }>(
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
    return this.#db.write((c) => insertMember(c, room, user, role, now, system), [room]);
  }

  async removeMember(room: string, user: string, now: number, system: SystemMessageInput | null): Promise<WithSystemMessage> {
    return this.#db.write(async (c) => {
      const deleted = await c.query('DELETE FROM members WHERE room_id = $1 AND user_id = $2', [room, user]);
      if (deleted.rowCount === 0) throw new StorageError('not_found', `${user} is not a member of ${room}`);
      await c.query('UPDATE rooms SET member_count = member_count - 1 WHERE id = $1', [room]);
      return { systemMessage: system ? await appendSystemMessage(c, room, system, now) : null };
    }, [room]);
  }

  async updateMember(room: string, user: string, patch: { role?: Role; mutedUntil?: number | null }): Promise<StoredMember> {
    return this.#db.write(async (c) => {
      const row = await getMemberRow(c, room, user);
      if (!row) throw new StorageError('not_found', `${user} is not a member of ${room}`);
      const next = patchMember(row, patch);
      await c.query('UPDATE members SET role = $1, muted_until = $2 WHERE room_id = $3 AND user_id = $4', [
        next.role,
        next.mutedUntil,
        room,
        user,
      ]);
      return toStoredMember(mustGet(await getMemberRow(c, room, user)));
    }, [room]);
  }
}

/** The membership row (with the user's name), or null. */
export async function getMemberRow(db: Queryable, room: string, user: string): Promise<MemberRow | null> {
  const { rows } = await db.query<MemberRow>(
    `SELECT ${MEMBER_COLUMNS} FROM members m LEFT JOIN users u ON u.id = m.user_id
     WHERE m.room_id = $1 AND m.user_id = $2`,
    [room, user],
  );
  return rows[0] ?? null;
}

/** Adds a member row (and its system message) inside a write transaction that holds the room's lock. */
export async function insertMember(
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
