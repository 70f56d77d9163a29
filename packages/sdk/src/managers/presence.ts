/**
 * Presence of other users (from `presence` events and lookups) and our own
 * chosen status, re-applied after every reconnect.
 */
import { Emitter } from '../events.js';
import type { PresenceInfo } from '../protocol/frames.js';
import type { PresenceStatus } from '../protocol/model.js';

/** What the presence manager needs from outside. */
export interface PresenceOptions {
  set(status: Exclude<PresenceStatus, 'offline'>): Promise<unknown>;
  get(users: string[]): Promise<PresenceInfo[]>;
}

/** Events of the {@link PresenceManager}. */
export interface PresenceEvents {
  change: Readonly<Record<string, PresenceInfo>>;
}

/** Keeps a map user → presence; see the module comment. */
export class PresenceManager extends Emitter<PresenceEvents> {
  private map: Readonly<Record<string, PresenceInfo>> = {};
  private status: Exclude<PresenceStatus, 'offline'> = 'online';

  constructor(private readonly options: PresenceOptions) {
    super();
  }

  /** Everyone's presence as last heard. */
  get snapshot(): Readonly<Record<string, PresenceInfo>> {
    return this.map;
  }

  /** A `presence` event or lookup result. */
  received(list: readonly PresenceInfo[]): void {
    if (list.length === 0) return;
    const next = { ...this.map };
    for (const info of list) next[info.user] = info;
    this.map = next;
    this.emit('change', this.map);
  }

  /** Sets our own status (kept and re-sent after reconnects). */
  async setStatus(status: Exclude<PresenceStatus, 'offline'>): Promise<void> {
    this.status = status;
    await this.options.set(status);
  }

  /** Looks up users' presence now. */
  async fetch(users: string[]): Promise<PresenceInfo[]> {
    if (users.length === 0) return [];
    const list = await this.options.get(users);
    this.received(list);
    return list;
  }

  /** Connection (re)established: restore our status and refresh the users we care about. */
  resumed(users: string[]): void {
    // A new connection counts as online; only "away" needs restating.
    if (this.status === 'away') this.options.set('away').catch(() => undefined);
    this.fetch(users).catch(() => undefined);
  }

  /** Forgets everyone (logout). */
  clear(): void {
    this.map = {};
    this.status = 'online';
    this.emit('change', this.map);
  }
}
