/**
 * Presence for `<chat-room>`: asks the server once for members whose
 * presence the client has not heard yet; after that, changes arrive as
 * events and land in `state.presence`, which the element reads.
 */
import type { MemberInfo, ParleyClient, PresenceInfo } from '@parley/sdk';

/** Users per `presence.get` request (the protocol's limit). */
export const PRESENCE_BATCH = 1000;

/**
 * Requests the presence of `members` not in the client's state yet and not
 * asked before (`asked` remembers them per client, so a failed or slow
 * request is not repeated on every render).
 */
export function requestMissingPresence(
  client: ParleyClient,
  members: readonly MemberInfo[],
  known: Readonly<Record<string, PresenceInfo>>,
  asked: Set<string>,
): void {
  const me = client.state.user?.id;
  const missing = members.map((m) => m.user).filter((user) => user !== me && !(user in known) && !asked.has(user));
  for (let i = 0; i < missing.length; i += PRESENCE_BATCH) {
    const batch = missing.slice(i, i + PRESENCE_BATCH);
    for (const user of batch) asked.add(user);
    client.fetchPresence(batch).catch(() => {
      for (const user of batch) asked.delete(user); // try again on a later render
    });
  }
}

/** Ids of the members online now; the signed-in user counts while connected. */
export function onlineMembers(
  members: readonly MemberInfo[],
  known: Readonly<Record<string, PresenceInfo>>,
  me: string,
  connected: boolean,
): string[] {
  return members
    .filter((m) => (m.user === me ? connected : known[m.user]?.status === 'online'))
    .map((m) => m.user);
}
