/** Invitations on PostgreSQL. */
import { StorageError } from '../errors.js';
import type { InvitationStore, StoredInvitation, StoredMember, WithSystemMessage } from '../storage.js';
import { INVITATION_COLUMNS, toStoredInvitation, type InvitationRow } from '../common/rows.js';
import type { PostgresDatabase } from './database.js';
import { asConflict } from './errors.js';
import { getMemberRow, insertMember } from './members.js';
import { getRoomRow } from './rooms.js';

/** `InvitationStore` on PostgreSQL. */
export class PostgresInvitations implements InvitationStore {
  readonly #db: PostgresDatabase;

  /** Works through `db` once it is open. */
  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  async addInvitation(invitation: StoredInvitation): Promise<void> {
    const { room, user, inviter, role, invitedAt } = invitation;
    await this.#db.write(async (c) => {
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
    const { rows } = await this.#db.reader().query<InvitationRow>(
      `SELECT ${INVITATION_COLUMNS} FROM invitations WHERE room_id = $1 AND user_id = $2`,
      [room, user],
    );
    return rows.length === 0 ? null : toStoredInvitation(rows[0]);
  }

  async listInvitations(user: string, limit: number): Promise<StoredInvitation[]> {
    const { rows } = await this.#db.reader().query<InvitationRow>(
      `SELECT ${INVITATION_COLUMNS} FROM invitations WHERE user_id = $1 ORDER BY invited_at DESC LIMIT $2`,
      [user, limit],
    );
    return rows.map(toStoredInvitation);
  }

  async acceptInvitation(room: string, user: string, now: number): Promise<StoredMember & WithSystemMessage> {
    return this.#db.write(async (c) => {
      const { rows } = await c.query<InvitationRow>(
        `DELETE FROM invitations WHERE room_id = $1 AND user_id = $2 RETURNING ${INVITATION_COLUMNS}`,
        [room, user],
      );
      if (rows.length === 0) throw new StorageError('not_found', `no invitation to ${room} for ${user}`);
      return insertMember(c, room, user, rows[0].role, now, { event: 'joined', actor: user });
    }, [room]);
  }

  async removeInvitation(room: string, user: string): Promise<boolean> {
    return this.#db.write(async (c) => {
      const { rowCount } = await c.query('DELETE FROM invitations WHERE room_id = $1 AND user_id = $2', [room, user]);
      return (rowCount ?? 0) > 0;
    });
  }
}
