/**
 * Ending a user's sessions everywhere. The revocation point is stored (new
 * tokens issued before it are refused at authentication, on every node), and
 * announced on the bus topic `sessions` so every node closes the user's open
 * sockets whose tokens are older (close 4001, reason `session_revoked`).
 */
import type { Bus } from '../bus/bus.js';

/** The bus topic revocations travel on. */
export const SESSIONS_TOPIC = 'sessions';

/** An open socket that can tell whether a revocation ends it. */
export interface SessionHolder {
  sessionsRevoked(user: string, before: number): void;
}

/** Announces that `user`'s sessions issued before `before` (epoch ms) are over. */
export function announceRevocation(bus: Bus, user: string, before: number): Promise<void> {
  return bus.publish(SESSIONS_TOPIC, { frame: JSON.stringify({ user, before }) });
}

/** Closes this node's affected sockets on every announcement; returns the unsubscribe function. */
export function closeRevokedSessions(bus: Bus, holders: () => Iterable<SessionHolder>): () => void {
  return bus.subscribe(SESSIONS_TOPIC, (message) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.frame);
    } catch {
      return;
    }
    const { user, before } = (parsed ?? {}) as { user?: unknown; before?: unknown };
    if (typeof user !== 'string' || typeof before !== 'number') return;
    for (const holder of holders()) holder.sessionsRevoked(user, before);
  });
}
