/** Invitations on SQLite. */
/* eslint-disable @typescript-eslint/require-await --
   The Storage interface is async so a networked database fits; SQLite answers
   synchronously, and `async` still turns every throw into a rejection. */
import { StorageError } from '../errors.js';
import type { InvitationStore, StoredInvitation, StoredMember, WithSystemMessage } from '../storage.js';
import { INVITATION_COLUMNS, toStoredInvitation, type InvitationRow } from '../common/rows.js';
import type { SqliteDatabase } from './database.js';
import { getMemberRow, insertMember } from './members.js';
import { preparedStatements } from './prepared.js';
import { getRoomRow } from './rooms.js';

const statements = preparedStatements(({ q }) => ({
  insertInvitation: q<[room: string, user: string, inviter: string, role: string, at: number], never>(
    'INSERT INTO invitations (room_id, user_id, inviter, role, invited_at) VALUES (?, ?, ?, ?, ?)',
  ),
  getInvitation: q<[room: string, user: string], InvitationRow>(
    `SELECT ${INVITATION_COLUMNS} FROM invitations WHERE room_id = ? AND user_id = ?`,
  ),
  listInvitations: q<[user: string, limit: number], InvitationRow>(
    `SELECT ${INVITATION_COLUMNS} FROM invitations WHERE user_id = ? ORDER BY invited_at DESC LIMIT ?`,
  ),
  deleteInvitation: q<[room: string, user: string], never>('DELETE FROM invitations WHERE room_id = ? AND user_id = ?'),
}));

/** `InvitationStore` on SQLite. */
export class SqliteInvitations implements InvitationStore {
  readonly #db: SqliteDatabase;

  /** Works through `db` once it is open. */
  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async addInvitation(invitation: StoredInvitation): Promise<void> {
    const { room, user, inviter, role, invitedAt } = invitation;
    await this.#db.write((db) => {
      const s = statements(db);
      if (!getRoomRow(db, room)) throw new StorageError('not_found', `room ${room} not found`);
      if (getMemberRow(db, room, user)) throw new StorageError('conflict', `${user} is already a member of ${room}`);
      if (s.getInvitation.get(room, user)) throw new StorageError('conflict', `${user} is already invited to ${room}`);
      s.insertInvitation.run(room, user, inviter, role, invitedAt);
    });
  }

  async getInvitation(room: string, user: string): Promise<StoredInvitation | null> {
    const row = statements(this.#db.connection()).getInvitation.get(room, user);
    return row ? toStoredInvitation(row) : null;
  }

  async listInvitations(user: string, limit: number): Promise<StoredInvitation[]> {
    return statements(this.#db.connection()).listInvitations.all(user, limit).map(toStoredInvitation);
  }

  async acceptInvitation(room: string, user: string, now: number): Promise<StoredMember & WithSystemMessage> {
    return this.#db.write((db) => {
      const s = statements(db);
      const invitation = s.getInvitation.get(room, user);
      if (!invitation) throw new StorageError('not_found', `no invitation to ${room} for ${user}`);
      s.deleteInvitation.run(room, user);
      return insertMember(db, room, user, invitation.role, now, { event: 'joined', actor: user });
    });
  }

  async removeInvitation(room: string, user: string): Promise<boolean> {
    return this.#db.write((db) => statements(db).deleteInvitation.run(room, user).changes > 0);
  }
}
