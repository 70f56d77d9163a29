/** Rooms on PostgreSQL. Writes that change a room lock its row (the room's counter) first. */
import { StorageError } from '../errors.js';
import type { CreateRoomInput, RoomPatch, RoomStore, StoredMember, StoredRoom, WithSystemMessage } from '../storage.js';
import { encodeData } from '../common/message-rows.js';
import { foldName, patchRoom } from '../common/patches.js';
import { pageSize } from '../common/paging.js';
import {
  ROOM_COLUMNS,
  ROOM_COLUMNS_R,
  USER_ROOM_MEMBER_COLUMNS,
  mustGet,
  toStoredRoom,
  toUserRoom,
  type RoomRow,
  type UserRoomRow,
} from '../common/rows.js';
import type { PostgresDatabase, Queryable } from './database.js';
import { asConflict } from './errors.js';
import { appendSystemMessage } from './message-writes.js';

/** `RoomStore` on PostgreSQL. */
export class PostgresRooms implements RoomStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async createRoom(input: CreateRoomInput): Promise<StoredRoom> {
    return this.#db.write(async (c) => {
      try {
        await c.query(
          `INSERT INTO rooms (id, kind, name, name_fold, topic, created_at, created_by, direct_key, last_activity_at, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $6, $9)`,
          [input.id, input.kind, input.name, foldName(input.name), input.topic, input.now, input.createdBy, input.directKey, encodeData(input.data)],
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
      return toStoredRoom(mustGet(await getRoomRow(c, input.id)));
    });
  }

  async getRoom(id: string): Promise<StoredRoom | null> {
    const row = await getRoomRow(this.#db.reader(), id);
    return row ? toStoredRoom(row) : null;
  }

  async findDirectRoom(directKey: string): Promise<StoredRoom | null> {
    const { rows } = await this.#db.reader().query<RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE direct_key = $1`, [directKey]);
    return rows[0] ? toStoredRoom(rows[0]) : null;
  }

  async updateRoom(
    id: string,
    patch: RoomPatch,
    actor: string,
    now: number,
  ): Promise<StoredRoom & WithSystemMessage> {
    return this.#db.write(async (c) => {
      const row = await getRoomRow(c, id, true);
      if (!row) throw new StorageError('not_found', `room ${id} not found`);
      const next = patchRoom(row, patch);
      await c.query(
        `UPDATE rooms SET name = $1, name_fold = $2, topic = $3, retention_max_age_ms = $4, retention_max_messages = $5, data = $6
         WHERE id = $7`,
        [next.name, next.nameFold, next.topic, next.retention.maxAgeMs, next.retention.maxMessages, next.data, id],
      );
      const systemMessage = next.renamed ? await appendSystemMessage(c, id, { event: 'renamed', actor, name: next.name }, now) : null;
      return { ...toStoredRoom(mustGet(await getRoomRow(c, id))), systemMessage };
    }, [id]);
  }

  async listUserRooms(user: string): Promise<Array<{ room: StoredRoom; member: StoredMember }>> {
    const { rows } = await this.#db.reader().query<UserRoomRow>(
      `SELECT ${ROOM_COLUMNS_R}, ${USER_ROOM_MEMBER_COLUMNS}
       FROM members m JOIN rooms r ON r.id = m.room_id LEFT JOIN users u ON u.id = m.user_id
       WHERE m.user_id = $1 ORDER BY r.last_activity_at DESC`,
      [user],
    );
    return rows.map((row) => toUserRoom(row, user));
  }

  async discoverRooms(query: string, limit: number): Promise<StoredRoom[]> {
    const { rows } = await this.#db.reader().query<RoomRow>(
      `SELECT ${ROOM_COLUMNS} FROM rooms
       WHERE kind = 'public' AND strpos(name_fold, $1) > 0
       ORDER BY last_activity_at DESC LIMIT $2`,
      [foldName(query), pageSize(limit)],
    );
    return rows.map(toStoredRoom);
  }
}

/** The room's row, or null; with `lock`, locked until the transaction ends. */
export async function getRoomRow(db: Queryable, id: string, lock = false): Promise<RoomRow | null> {
  const { rows } = await db.query<RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ?? null;
}
