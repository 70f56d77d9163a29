/**
 * Presence on this node: online while a user's heartbeat (connect, `ping`) is
 * fresh, `away` when they say so, offline after the timeout or at once when
 * their last connection closes cleanly. Changes go to every contact's
 * `user:` topic.
 */
import type { PresenceInfo, PresenceStatus } from '@parley/sdk/protocol';
import type { Logger } from 'pino';
import type { Publisher } from '../rooms/publisher.js';
import type { Storage } from '../storage/storage.js';

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
}

/** Tracks and announces presence; `start()` runs the sweeper, `stop()` ends it. */
export class Presence {
  readonly #users = new Map<string, UserPresence>();
  readonly #storage: Storage;
  readonly #publisher: Publisher;
  readonly #logger: Logger;
  readonly #options: PresenceOptions;
  readonly #connectionCount: (user: string) => number;
  #timer: NodeJS.Timeout | null = null;

  /** `connectionCount` tells how many sockets a user still has on this node. */
  constructor(
    storage: Storage,
    publisher: Publisher,
    logger: Logger,
    options: PresenceOptions,
    connectionCount: (user: string) => number,
  ) {
    this.#storage = storage;
    this.#publisher = publisher;
    this.#logger = logger;
    this.#options = options;
    this.#connectionCount = connectionCount;
  }

  /** Starts the sweeper that turns silent users offline. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.sweep(Date.now()), this.#options.sweepMs);
    this.#timer.unref();
  }

  /** Stops the sweeper. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
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
  }

  /** Current presence of the given users (offline when unknown). */
  get(users: readonly string[]): PresenceInfo[] {
    return users.map((user) => {
      const entry = this.#users.get(user);
      return { user, status: entry?.status ?? 'offline', lastSeen: entry?.lastSeen ?? null };
    });
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
    const event = { type: 'presence' as const, user, status: entry.status, lastSeen: entry.lastSeen };
    this.#storage
      .listContacts(user)
      .then((contacts) => Promise.all(contacts.map((contact) => this.#publisher.toUser(contact, event))))
      .catch((error: unknown) => this.#logger.warn({ err: error, user }, 'presence announcement failed'));
  }
}
