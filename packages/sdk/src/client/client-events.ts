/** Events a {@link ParleyClient} emits (`client.on(name, listener)`). */
import type { ConnectionStatus } from '../engine/engine.js';
import type { ParleyError } from '../errors.js';
import type { InvitationInfo, Message } from '../protocol/model.js';

/** Event name → payload. */
export interface ClientEvents {
  /** A new message from another user arrived (live, or caught up after being offline). */
  message: Message;
  /** A new message mentions the signed-in user. */
  mention: Message;
  /** A new message arrived in a direct room. */
  'direct-message': Message;
  /** The connection status changed. */
  connection: { status: ConnectionStatus; error: ParleyError | null };
  /** Something failed outside a call the application is awaiting (a queued mutation, a resume step). */
  error: ParleyError;
  /** Retention removed messages of `room` before this client saw them. */
  gap: { room: string; from: number; to: number };
  /** Someone invited the user to a room (accept or decline it with the client). */
  invitation: InvitationInfo;
  /** The user left or was removed from a room. */
  'room.removed': { room: string; reason: 'left' | 'kicked' | 'banned' };
}
