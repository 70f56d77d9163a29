/**
 * Presence on this node: online while a user's heartbeat (connect, `ping`) is
 * fresh, `away` when they say so, offline after the timeout or at once when
 * their last connection closes cleanly. Changes go to the `user:` topic of
 * every contact who shares a room of at most `pushMaxMembers` members with
 * the user (larger rooms ask `presence.get`), gathered per recipient for
 * `batchMs` into one frame (docs/decisions/0009-presence-fan-out.md).
 *
 * Across nodes (a shared bus), each node also publishes digests of its users
 * and merges what the others report (`remote-presence.ts`): a user is online
 * when any node holds them online, and a dead node's users turn offline once
 * its reports are older than the timeout.
 */
import { randomBytes } from 'node:crypto';
import type { EventFrame, PresenceInfo, PresenceStatus } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Publisher } from '../rooms/publisher.js';
import type { MemberStore } from '../storage/storage.js';
import { DIGEST_CHUNK, PRESENCE_TOPIC, RemotePresence, type Digest, type DigestEntry } from './remote-presence.js';

interface UserPresence {
  status: PresenceStatus;
  /** Last heartbeat (epoch ms). */
  heartbeatAt: number;
  /** When the user was last seen online (epoch ms), null when never on this node. */
  lastSeen: number | null;
}

/** Presence settings. */
export interface PresenceOptions {
  timeoutMs: number;
  sweepMs: number;
  /** Push changes only through rooms of at most this many members. */
  pushMaxMembers: number;
  /** Gather each recipient's changes this long into one frame; 0 sends each at once. */
  batchMs: number;
}

/** Tracks and announces presence; `start()` runs the sweeper, `stop()` ends it. */
export class Presence {
  readonly #users = new Map<string, UserPresence>();
  readonly #storage: MemberStore;
  readonly #publisher: Publisher;
  readonly #logger: Logger;
  readonly #options: PresenceOptions;
  readonly #connectionCount: (user: string) => number;
  readonly #bus: Bus | null;
  readonly #nodeId = randomBytes(6).toString('hex');
  readonly #remote = new RemotePresence();
  #timer: NodeJS.Timeout | null = null;
  /** Changes not sent yet: recipient → user → latest state (a later change replaces an earlier one). */
  #pending = new Map<string, Map<string, PresenceInfo>>();
  #flushTimer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;

  /**
   * `connectionCount` tells how many sockets a user still has on this node;
   * `bus`, when given, carries presence digests between nodes.
   */
  constructor(
    storage: MemberStore,
    publisher: Publisher,
    logger: Logger,
    options: PresenceOptions,
    connectionCount: (user: string) => number,
    bus?: Bus,
  ) {
    this.#storage = storage;
    this.#publisher = publisher;
    this.#logger = logger;
    this.#options = options;
    this.#connectionCount = connectionCount;
    this.#bus = bus ?? null;
  }

  /** Starts the sweeper that turns silent users offline. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.sweep(Date.now()), this.#options.sweepMs);
    this.#timer.unref();
    this.#unsubscribe = this.#bus?.subscribe(PRESENCE_TOPIC, (message) => this.#hear(message.frame)) ?? null;
  }

  /** Stops the sweeper; changes still gathered are sent now. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#flush();
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /** A connection authenticated: the user is online (unless they chose away). */
  connected(user: string, now: number): void {
    this.heartbeat(user, now);
  }

  /** A heartbeat: refreshes the timeout and brings an offline user back online. */
  heartbeat(user: string, now: number): void {
    const entry = this.#users.get(user);
    if (!entry) {
      this.#users.set(user, { status: 'online', heartbeatAt: now, lastSeen: now });
      this.#announce(user);
      return;
    }
    entry.heartbeatAt = now;
    entry.lastSeen = now;
    if (entry.status === 'offline') {
      entry.status = 'online';
      this.#announce(user);
    }
  }

  /** The user set their status explicitly. */
  set(user: string, status: Exclude<PresenceStatus, 'offline'>, now: number): void {
    this.heartbeat(user, now);
    const entry = this.#users.get(user);
    if (entry && entry.status !== status) {
      entry.status = status;
      this.#announce(user);
    }
  }

  /** A connection closed; a clean close of the last one turns the user offline at once. */
  disconnected(user: string, clean: boolean, now: number): void {
    if (!clean || this.#connectionCount(user) > 0) return;
    this.#goOffline(user, now);
  }

  /** Turns offline every user whose heartbeat is older than the timeout. */
  sweep(now: number): void {
    for (const [user, entry] of this.#users) {
      if (entry.status !== 'offline' && now - entry.heartbeatAt > this.#options.timeoutMs) {
        this.#goOffline(user, entry.heartbeatAt);
      }
    }
    if (!this.#bus) return;
    // Heartbeat to the other nodes: everyone still here.
    const here: DigestEntry[] = [];
    for (const [user, entry] of this.#users) if (entry.status !== 'offline') here.push([user, entry.status, entry.lastSeen]);
    this.#report(here);
    // A node that stopped reporting (crashed) leaves no ghosts.
    for (const { user, lastSeen } of this.#remote.expire(now, this.#options.timeoutMs)) {
      if (this.#merged(user).status !== 'offline') continue;
      this.#publish(user, { type: 'presence', user, status: 'offline', lastSeen });
    }
  }

  /** Current presence of the given users (offline when unknown). */
  get(users: readonly string[]): PresenceInfo[] {
    return users.map((user) => ({ user, ...this.#merged(user) }));
  }

  /** This node's view merged with the other nodes' reports: online beats away beats offline. */
  #merged(user: string): { status: PresenceStatus; lastSeen: number | null } {
    const local = this.#users.get(user);
    const remote = this.#remote.get(user);
    const rank = { offline: 0, away: 1, online: 2 } as const;
    const status = !remote || (local && rank[local.status] >= rank[remote.status]) ? (local?.status ?? 'offline') : remote.status;
    const seen = [local?.lastSeen ?? null, remote?.lastSeen ?? null].filter((t): t is number => t !== null);
    return { status, lastSeen: seen.length > 0 ? Math.max(...seen) : null };
  }

  /** A digest from another node. Its own node announced the change to contacts; here it only updates the view. */
  #hear(frame: string): void {
    let digest: Digest;
    try {
      digest = JSON.parse(frame) as Digest;
    } catch {
      return;
    }
    if (digest.n === this.#nodeId || !Array.isArray(digest.u)) return;
    this.#remote.apply(digest, Date.now());
  }

  /** Publishes this node's state of `entries` to the other nodes, in chunks. */
  #report(entries: DigestEntry[]): void {
    if (!this.#bus) return;
    for (let i = 0; i < entries.length; i += DIGEST_CHUNK) {
      const digest: Digest = { n: this.#nodeId, u: entries.slice(i, i + DIGEST_CHUNK) };
      this.#bus
        .publish(PRESENCE_TOPIC, { frame: JSON.stringify(digest) })
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'presence digest failed'));
    }
  }

  #goOffline(user: string, lastSeen: number): void {
    const entry = this.#users.get(user);
    if (!entry || entry.status === 'offline') return;
    entry.status = 'offline';
    entry.lastSeen = lastSeen;
    this.#announce(user);
  }

  #announce(user: string): void {
    const entry = this.#users.get(user);
    if (!entry) return;
    this.#report([[user, entry.status, entry.lastSeen]]);
    const merged = this.#merged(user);
    // Going offline here while another node holds the user online changes nothing for contacts.
    if (merged.status !== entry.status) return;
    this.#publish(user, { type: 'presence', user, status: merged.status, lastSeen: merged.lastSeen });
  }

  #publish(user: string, event: { type: 'presence'; user: string; status: PresenceStatus; lastSeen: number | null }): void {
    const info: PresenceInfo = { user, status: event.status, lastSeen: event.lastSeen };
    this.#storage
      .listContacts(user, this.#options.pushMaxMembers)
      .then((contacts) => {
        if (this.#options.batchMs <= 0) {
          return Promise.all(contacts.map((contact) => this.#publisher.toUser(contact, event))).then(() => undefined);
        }
        for (const contact of contacts) {
          let changes = this.#pending.get(contact);
          if (!changes) {
            changes = new Map();
            this.#pending.set(contact, changes);
          }
          // Re-inserting keeps the latest state; delete first so the order follows the changes.
          changes.delete(user);
          changes.set(user, info);
        }
        this.#scheduleFlush();
        return undefined;
      })
      .catch((error: unknown) => this.#logger.warn({ err: error, user }, 'presence announcement failed'));
  }

  #scheduleFlush(): void {
    if (this.#flushTimer || this.#pending.size === 0) return;
    this.#flushTimer = setTimeout(() => this.#flush(), this.#options.batchMs);
    this.#flushTimer.unref();
  }

  /** Sends every recipient its gathered changes: one frame each, however many users changed. */
  #flush(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    const pending = this.#pending;
    if (pending.size === 0) return;
    this.#pending = new Map();
    for (const [contact, changes] of pending) {
      const list = [...changes.values()];
      const frame: EventFrame =
        list.length === 1 ? { type: 'presence', ...list[0] } : { type: 'presence.batch', presence: list };
      void this.#publisher.toUser(contact, frame);
    }
  }
}
