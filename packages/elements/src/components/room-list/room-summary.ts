import type { ClientState, PresenceStatus, RoomKind } from '@parley/sdk';

/** What `<room-list>` shows for one room: a flat, comparable slice of the client state. */
export interface RoomSummary {
  id: string;
  kind: RoomKind;
  /** The room's name; for a direct room, the peer's name once known (else its id). */
  name: string;
  unread: number;
  /** Time of the newest loaded message, else the room's creation; null when unknown. */
  lastActivity: number | null;
  /** The other user of a direct room. */
  peer: string | null;
  /** The peer's presence, when we heard it. */
  presence: PresenceStatus | null;
  /** Direct room whose member list (and so the peer's name) is not loaded yet. */
  needsMembers: boolean;
}

/**
 * The rooms the user belongs to, newest activity first (then by name).
 * Rooms known only from queued messages, or public rooms merely looked at,
 * are left out: they are not the user's rooms yet.
 */
export function selectRoomSummaries(state: ClientState): RoomSummary[] {
  const out: RoomSummary[] = [];
  for (const room of Object.values(state.rooms)) {
    const info = room.info;
    if (info === null || info.role === null) continue;
    const last = room.messages.at(-1);
    const peerMember = info.peer === null ? undefined : room.members?.find((m) => m.user === info.peer);
    out.push({
      id: info.id,
      kind: info.kind,
      name: info.kind === 'direct' ? (peerMember?.name ?? info.peer ?? info.name) : info.name,
      unread: info.unread,
      // An empty room's activity is its creation; a room with unloaded history has none known.
      lastActivity: last ? last.createdAt : info.lastSeq === 0 ? info.createdAt : null,
      peer: info.peer,
      presence: info.peer === null ? null : (state.presence[info.peer]?.status ?? null),
      needsMembers: info.kind === 'direct' && room.members === null,
    });
  }
  return out.sort((a, b) => (b.lastActivity ?? 0) - (a.lastActivity ?? 0) || a.name.localeCompare(b.name));
}

/** True when two summary lists would render the same. */
export function sameSummaries(a: readonly RoomSummary[] | undefined, b: readonly RoomSummary[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    return (
      x.id === y.id &&
      x.kind === y.kind &&
      x.name === y.name &&
      x.unread === y.unread &&
      x.lastActivity === y.lastActivity &&
      x.peer === y.peer &&
      x.presence === y.presence &&
      x.needsMembers === y.needsMembers
    );
  });
}
