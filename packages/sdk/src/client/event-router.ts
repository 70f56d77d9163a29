/** Routes each server event to the part of the client that keeps what it changes. */
import type { RoomRegistry } from '../chat/room-registry.js';
import type { PresenceManager } from '../managers/presence.js';
import type { ReadStateManager } from '../managers/read-state.js';
import type { TypingManager } from '../managers/typing.js';
import type { EventFrame } from '../protocol/frames.js';
import type { InvitationInfo } from '../protocol/model.js';

/** Where events go. */
export interface EventRoutes {
  /** The signed-in user's id. */
  me(): string;
  readonly registry: RoomRegistry;
  readonly readState: ReadStateManager;
  readonly typing: TypingManager;
  readonly presence: PresenceManager;
  /** An invitation arrived (it replaces an earlier one to the same room). */
  invited(invitation: InvitationInfo): void;
  /** The invitation to `room` is gone (accepted, declined or withdrawn). */
  uninvited(room: string): void;
}

/** Applies one server event; the caller publishes the resulting state. */
export function routeEvent(frame: EventFrame, routes: EventRoutes): void {
  const { registry } = routes;
  switch (frame.type) {
    case 'message':
    case 'message.updated':
      registry.applyMessage(frame.message, 'live');
      return;
    case 'room.added':
    case 'room.updated':
      registry.setInfo(frame.room);
      return;
    case 'room.removed':
      registry.remove(frame.room, frame.reason);
      return;
    case 'invitation':
      routes.invited(frame.invitation);
      return;
    case 'invitation.removed':
      routes.uninvited(frame.room);
      return;
    case 'member':
      registry.memberChanged(frame.room, frame.member, frame.change !== 'joined' && frame.change !== 'updated');
      if (frame.member.user !== routes.me()) {
        routes.readState.received(frame.room, frame.member.user, frame.member.readSeq, frame.member.deliveredSeq);
      }
      return;
    case 'receipt':
      routes.readState.received(frame.room, frame.user, frame.readSeq, frame.deliveredSeq);
      return;
    case 'unread':
      registry.setRead(frame.room, frame.readSeq, frame.unread);
      return;
    case 'typing':
      if (frame.user !== routes.me()) routes.typing.received(frame.room, frame.user, frame.typing);
      return;
    case 'presence':
      routes.presence.received([{ user: frame.user, status: frame.status, lastSeen: frame.lastSeen }]);
      return;
    case 'presence.batch':
      routes.presence.received(frame.presence);
      return;
  }
}
