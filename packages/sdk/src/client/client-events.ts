/** Events a {@link ParleyClient} emits (`client.on(name, listener)`). */
import type { ChatEvents } from '../chat/chat-events.js';
import type { ConnectionStatus } from '../engine/engine.js';
import type { ParleyError } from '../errors.js';
import type { InvitationInfo } from '../protocol/model.js';

/** Event name → payload: the chat events (`message`, `mention`, `direct-message`, `gap`, `room.removed`) and these. */
export interface ClientEvents extends ChatEvents {
  /** The connection status changed. */
  connection: { status: ConnectionStatus; error: ParleyError | null };
  /** Something failed outside a call the application is awaiting (a queued mutation, a resume step). */
  error: ParleyError;
  /** Someone invited the user to a room (accept or decline it with the client). */
  invitation: InvitationInfo;
}
