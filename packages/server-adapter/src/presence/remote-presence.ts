/**
 * What other nodes report about presence. Every node publishes a digest of
 * its users on the bus topic {@link PRESENCE_TOPIC}: the changed user at once,
 * and every user it holds online or away at each sweep (a heartbeat). A
 * report older than the offline threshold is dropped, so the users of a node
 * that died stop showing online within one threshold (plus a sweep), with no
 * clean shutdown needed. With the in-process bus a node only hears itself,
 * and ignores that.
 */
import type { PresenceStatus } from '@parley/sdk/protocol';

/** The bus topic of presence digests between nodes. */
export const PRESENCE_TOPIC = 'presence:cluster';

/** Users per digest message, so one message stays small. */
export const DIGEST_CHUNK = 1_000;

/** One user's state as a node reports it: [user, status, lastSeen]. */
export type DigestEntry = [string, PresenceStatus, number | null];

/** A digest on the wire. */
export interface Digest {
  /** Sending node. */
  n: string;
  u: DigestEntry[];
}

interface Report {
  status: PresenceStatus;
  lastSeen: number | null;
  /** When this node heard it (epoch ms). */
  heardAt: number;
}

/** Presence reported by other nodes, per user and node. */
export class RemotePresence {
  readonly #users = new Map<string, Map<string, Report>>();
  /** When other nodes last saw users they no longer hold, so an offline user keeps a last-seen time. */
  readonly #lastSeen = new Map<string, number>();

  /** Records a digest heard at `now`; returns the users whose reports changed. */
  apply(digest: Digest, now: number): string[] {
    const changed: string[] = [];
    for (const [user, status, lastSeen] of digest.u) {
      let nodes = this.#users.get(user);
      const before = nodes?.get(digest.n)?.status;
      if (status === 'offline') {
        this.#remember(user, lastSeen);
        nodes?.delete(digest.n);
        if (nodes?.size === 0) this.#users.delete(user);
      } else {
        if (!nodes) {
          nodes = new Map();
          this.#users.set(user, nodes);
        }
        nodes.set(digest.n, { status, lastSeen, heardAt: now });
      }
      if (before !== (status === 'offline' ? undefined : status)) changed.push(user);
    }
    return changed;
  }

  /** Drops reports not refreshed since `now - timeoutMs`; returns the users affected and their last seen time. */
  expire(now: number, timeoutMs: number): Array<{ user: string; lastSeen: number | null }> {
    const expired: Array<{ user: string; lastSeen: number | null }> = [];
    for (const [user, nodes] of this.#users) {
      for (const [node, report] of nodes) {
        if (now - report.heardAt <= timeoutMs) continue;
        nodes.delete(node);
        this.#remember(user, report.lastSeen);
        expired.push({ user, lastSeen: report.lastSeen });
      }
      if (nodes.size === 0) this.#users.delete(user);
    }
    return expired;
  }

  #remember(user: string, lastSeen: number | null): void {
    if (lastSeen !== null && lastSeen > (this.#lastSeen.get(user) ?? 0)) this.#lastSeen.set(user, lastSeen);
  }

  /** The best status other nodes report for `user` (online over away; offline with a last-seen time when none holds them). */
  get(user: string): { status: PresenceStatus; lastSeen: number | null } | null {
    const nodes = this.#users.get(user);
    if (!nodes || nodes.size === 0) {
      const seen = this.#lastSeen.get(user);
      return seen === undefined ? null : { status: 'offline', lastSeen: seen };
    }
    let status: PresenceStatus = 'away';
    let lastSeen: number | null = null;
    for (const report of nodes.values()) {
      if (report.status === 'online') status = 'online';
      if (report.lastSeen !== null && (lastSeen === null || report.lastSeen > lastSeen)) lastSeen = report.lastSeen;
    }
    return { status, lastSeen };
  }
}
