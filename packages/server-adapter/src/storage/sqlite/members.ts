/** Memberships on SQLite. */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import type Database from 'better-sqlite3';
import type { Role } from '@parley/sdk/protocol';
import { StorageError } from '../errors.js';
import type { MemberStore, StoredMember, SystemMessageInput, WithSystemMessage } from '../storage.js';
import { patchMember } from '../common/patches.js';
import { MEMBER_COLUMNS, mustGet, toStoredMember, type MemberRow } from '../common/rows.js';
import type { SqliteDatabase } from './database.js';
import { appendSystemMessage } from './message-writes.js';
import { preparedStatements } from './prepared.js';
import { getRoomRow } from './rooms.js';

const statements = preparedStatements(({ q, v }) => ({
  insertMember: q<[room: string, user: string, role: string, joinedAt: number, readSeq: number, deliveredSeq: number], never>(
    `INSERT INTO members (room_id, user_id, role, joined_at, read_seq, delivered_seq)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ),
  addMemberCount: q<[delta: number, id: string], never>('UPDATE rooms SET member_count = member_count + ? WHERE id = ?'),
  getMember: q<[room: string, user: string], MemberRow>(
    `SELECT ${MEMBER_COLUMNS} FROM members m LEFT JOIN users u ON u.id = m.user_id
     WHERE m.room_id = ? AND m.user_id = ?`,
  ),
  listMembers: q<[room: string], MemberRow>(
    `SELECT ${MEMBER_COLUMNS} FROM members m LEFT JOIN users u ON u.id = m.user_id
     WHERE m.room_id = ? ORDER BY m.joined_at, m.user_id`,
  ),
  listContacts: v<[{ user: string; max: number }], string>(
    `SELECT DISTINCT other.user_id FROM members mine
       JOIN rooms r ON r.id = mine.room_id AND r.member_count <= @max
       JOIN members other ON other.room_id = mine.room_id
     WHERE mine.user_id = @user AND other.user_id != @user`,
  ),
  visiblePeers: v<[{ user: string; candidates: string }], string>(
    `SELECT c.value FROM json_each(@candidates) c
     WHERE EXISTS (SELECT 1 FROM members mine JOIN members other ON other.room_id = mine.room_id
                   WHERE mine.user_id = @user AND other.user_id = c.value)
       AND NOT EXISTS (SELECT 1 FROM blocks b
                       WHERE (b.user_id = @user AND b.target_id = c.value) OR (b.user_id = c.value AND b.target_id = @user))`,
  ),
  deleteMember: q<[room: string, user: string], never>('DELETE FROM members WHERE room_id = ? AND user_id = ?'),
  updateMember: q<[role: string, mutedUntil: number | null, room: string, user: string], never>(
    'UPDATE members SET role = ?, muted_until = ? WHERE room_id = ? AND user_id = ?',
  ),
}));

/** `MemberStore` on SQLite. */
export class SqliteMembers implements MemberStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async getMember(room: string, user: string): Promise<StoredMember | null> {
    const row = getMemberRow(this.#db.connection(), room, user);
    return row ? toStoredMember(row) : null;
  }

  async listMembers(room: string): Promise<StoredMember[]> {
    return statements(this.#db.connection()).listMembers.all(room).map(toStoredMember);
  }

  async listContacts(user: string, maxRoomMembers = Number.MAX_SAFE_INTEGER): Promise<string[]> {
    return statements(this.#db.connection()).listContacts.all({ user, max: maxRoomMembers });
  }

  async visiblePeers(user: string, candidates: readonly string[]): Promise<string[]> {
    if (candidates.length === 0) return [];
    return statements(this.#db.connection()).visiblePeers.all({ user, candidates: JSON.stringify(candidates) });
  }

  async addMember(
    room: string,
    user: string,
    role: Role,
    now: number,
    system: SystemMessageInput | null,
  ): Promise<StoredMember & WithSystemMessage> {
    return this.#db.write((db) => insertMember(db, room, user, role, now, system));
  }

  async removeMember(room: string, user: string, now: number, system: SystemMessageInput | null): Promise<WithSystemMessage> {
    return this.#db.write((db) => {
      const s = statements(db);
      if (s.deleteMember.run(room, user).changes === 0) {
        throw new StorageError('not_found', `${user} is not a member of ${room}`);
      }
      s.addMemberCount.run(-1, room);
      return { systemMessage: system ? appendSystemMessage(db, room, system, now) : null };
    });
  }

  async updateMember(room: string, user: string, patch: { role?: Role; mutedUntil?: number | null }): Promise<StoredMember> {
    return this.#db.write((db) => {
      const s = statements(db);
      const row = s.getMember.get(room, user);
      if (!row) throw new StorageError('not_found', `${user} is not a member of ${room}`);
      const next = patchMember(row, patch);
      s.updateMember.run(next.role, next.mutedUntil, room, user);
      return toStoredMember(mustGet(s.getMember.get(room, user)));
    });
  }
}

/** The membership row (with the user's name), or undefined. */
export function getMemberRow(db: Database.Database, room: string, user: string): MemberRow | undefined {
  return statements(db).getMember.get(room, user);
}

/** Adds a member row (and its system message) inside a write transaction. */
export function insertMember(
  db: Database.Database,
  room: string,
  user: string,
  role: Role,
  now: number,
  system: SystemMessageInput | null,
): StoredMember & WithSystemMessage {
  const s = statements(db);
  const roomRow = getRoomRow(db, room);
  if (!roomRow) throw new StorageError('not_found', `room ${room} not found`);
  if (s.getMember.get(room, user)) throw new StorageError('conflict', `${user} is already a member of ${room}`);
  const systemMessage = system ? appendSystemMessage(db, room, system, now) : null;
  // A newcomer starts with everything before their arrival marked as read.
  const seen = systemMessage ? systemMessage.seq : roomRow.last_seq;
  s.insertMember.run(room, user, role, now, seen, seen);
  s.addMemberCount.run(1, room);
  return { ...toStoredMember(mustGet(s.getMember.get(room, user))), systemMessage };
}
