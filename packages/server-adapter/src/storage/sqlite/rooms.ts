/** Rooms on SQLite. */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type Database from 'better-sqlite3';
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
import type { SqliteDatabase } from './database.js';
import { asConflict } from './errors.js';
import { appendSystemMessage } from './message-writes.js';
import { preparedStatements } from './prepared.js';

const statements = preparedStatements(({ q }) => ({
  insertRoom: q<
    [
      {
        id: string;
        kind: string;
        name: string;
        nameFold: string;
        topic: string;
        now: number;
        createdBy: string;
        directKey: string | null;
        data: string | null;
      },
    ],
    never
  >(
    `INSERT INTO rooms (id, kind, name, name_fold, topic, created_at, created_by, direct_key, last_activity_at, data)
     VALUES (@id, @kind, @name, @nameFold, @topic, @now, @createdBy, @directKey, @now, @data)`,
  ),
  insertMember: q<[room: string, user: string, role: string, joinedAt: number, readSeq: number, deliveredSeq: number], never>(
    `INSERT INTO members (room_id, user_id, role, joined_at, read_seq, delivered_seq)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ),
  addMemberCount: q<[delta: number, id: string], never>('UPDATE rooms SET member_count = member_count + ? WHERE id = ?'),
  getRoom: q<[id: string], RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE id = ?`),
  findDirectRoom: q<[directKey: string], RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE direct_key = ?`),
  updateRoomMeta: q<
    [name: string, nameFold: string, topic: string, maxAgeMs: number | null, maxMessages: number | null, data: string | null, id: string],
    never
  >(
    `UPDATE rooms SET name = ?, name_fold = ?, topic = ?, retention_max_age_ms = ?, retention_max_messages = ?, data = ?
     WHERE id = ?`,
  ),
  discoverRooms: q<[fold: string, limit: number], RoomRow>(
    `SELECT ${ROOM_COLUMNS} FROM rooms
     WHERE kind = 'public' AND instr(name_fold, ?) > 0
     ORDER BY last_activity_at DESC LIMIT ?`,
  ),
  listUserRooms: q<[user: string], UserRoomRow>(
    `SELECT ${ROOM_COLUMNS_R}, ${USER_ROOM_MEMBER_COLUMNS}
     FROM members m JOIN rooms r ON r.id = m.room_id LEFT JOIN users u ON u.id = m.user_id
     WHERE m.user_id = ? ORDER BY r.last_activity_at DESC`,
  ),
}));

/** `RoomStore` on SQLite. */
export class SqliteRooms implements RoomStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async createRoom(input: CreateRoomInput): Promise<StoredRoom> {
    return this.#db.write((db) => {
      const s = statements(db);
      try {
        s.insertRoom.run({
          id: input.id,
          kind: input.kind,
          name: input.name,
          nameFold: foldName(input.name),
          topic: input.topic,
          now: input.now,
          createdBy: input.createdBy,
          directKey: input.directKey,
          data: encodeData(input.data),
        });
      } catch (error) {
        throw asConflict(error, `room ${input.id} or its direct key already exists`);
      }
      const created = appendSystemMessage(db, input.id, { event: 'created', actor: input.createdBy }, input.now);
      for (const member of input.members) {
        try {
          s.insertMember.run(input.id, member.user, member.role, input.now, created.seq, created.seq);
        } catch (error) {
          throw asConflict(error, `user ${member.user} is listed twice`);
        }
      }
      s.addMemberCount.run(input.members.length, input.id);
      return toStoredRoom(mustGet(s.getRoom.get(input.id)));
    });
  }

  async getRoom(id: string): Promise<StoredRoom | null> {
    const row = getRoomRow(this.#db.connection(), id);
    return row ? toStoredRoom(row) : null;
  }

  async findDirectRoom(directKey: string): Promise<StoredRoom | null> {
    const row = statements(this.#db.connection()).findDirectRoom.get(directKey);
    return row ? toStoredRoom(row) : null;
  }

  async updateRoom(
    id: string,
    patch: RoomPatch,
    actor: string,
    now: number,
  ): Promise<StoredRoom & WithSystemMessage> {
    return this.#db.write((db) => {
      const s = statements(db);
      const row = s.getRoom.get(id);
      if (!row) throw new StorageError('not_found', `room ${id} not found`);
      const next = patchRoom(row, patch);
      s.updateRoomMeta.run(next.name, next.nameFold, next.topic, next.retention.maxAgeMs, next.retention.maxMessages, next.data, id);
      const systemMessage = next.renamed ? appendSystemMessage(db, id, { event: 'renamed', actor, name: next.name }, now) : null;
      return { ...toStoredRoom(mustGet(s.getRoom.get(id))), systemMessage };
    });
  }

  async listUserRooms(user: string): Promise<Array<{ room: StoredRoom; member: StoredMember }>> {
    return statements(this.#db.connection())
      .listUserRooms.all(user)
      .map((row) => toUserRoom(row, user));
  }

  async discoverRooms(query: string, limit: number): Promise<StoredRoom[]> {
    return statements(this.#db.connection()).discoverRooms.all(foldName(query), pageSize(limit)).map(toStoredRoom);
  }
}

/** The room's row, or undefined. */
export function getRoomRow(db: Database.Database, id: string): RoomRow | undefined {
  return statements(db).getRoom.get(id);
}
