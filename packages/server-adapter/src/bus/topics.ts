/**
 * The bus topics of room and user events. Publishers (`rooms/publisher.ts`)
 * and subscribers (the sockets, loaded workspace documents) name a topic the
 * same way through these.
 */

/** The topic of a room's events. */
export function roomTopic(room: string): string {
  return `room:${room}`;
}

/** The topic of one user's devices. */
export function userTopic(user: string): string {
  return `user:${user}`;
}
