/**
 * Typing indicators. Our own: announced at most about once a second while
 * the user keeps typing, and withdrawn after a quiet spell. Others': shown
 * until they stop, send a message, or go quiet for the TTL.
 */
import { Emitter } from '../events.js';
import type { Timers } from '../transport/platform.js';

/** What the typing manager needs from outside. */
export interface TypingOptions {
  /** Tells the server (fire and forget). */
  send(room: string, typing: boolean): void;
  timers: Timers;
  now(): number;
  /** Others' indicators expire this long after their last refresh. */
  ttlMs: number;
  /** Minimum time between two of our own "typing" announcements in a room. */
  throttleMs: number;
}

/** Events of the {@link TypingManager}. */
export interface TypingEvents {
  /** The users typing in `room` changed. */
  change: { room: string; users: string[] };
}

/** Tracks who is typing where; see the module comment. */
export class TypingManager extends Emitter<TypingEvents> {
  private readonly own = new Map<string, { sentAt: number; timer: unknown }>();
  private readonly others = new Map<string, Map<string, unknown>>();

  constructor(private readonly options: TypingOptions) {
    super();
  }

  /** Users typing in `room`, in the order they started. */
  users(room: string): string[] {
    return [...(this.others.get(room)?.keys() ?? [])];
  }

  /** Our own typing state in `room` (call on every keystroke with `true`, and with `false` on send or blur). */
  setTyping(room: string, typing: boolean): void {
    const { timers, ttlMs, throttleMs } = this.options;
    const state = this.own.get(room);
    if (!typing) {
      if (!state) return;
      timers.clearTimeout(state.timer);
      this.own.delete(room);
      this.options.send(room, false);
      return;
    }
    const at = this.options.now();
    if (state) timers.clearTimeout(state.timer);
    const sentAt = !state || at - state.sentAt >= throttleMs ? at : state.sentAt;
    if (sentAt === at) this.options.send(room, true);
    // No keystroke for a TTL: withdraw the indicator ourselves.
    const timer = timers.setTimeout(() => this.setTyping(room, false), ttlMs);
    this.own.set(room, { sentAt, timer });
  }

  /** Another user's typing event. */
  received(room: string, user: string, typing: boolean): void {
    let users = this.others.get(room);
    const existing = users?.get(user);
    if (existing !== undefined) this.options.timers.clearTimeout(existing);
    if (!typing) {
      if (existing === undefined) return;
      users?.delete(user);
    } else {
      if (!users) this.others.set(room, (users = new Map<string, unknown>()));
      users.set(user, this.options.timers.setTimeout(() => this.received(room, user, false), this.options.ttlMs));
      if (existing !== undefined) return;
    }
    this.emit('change', { room, users: this.users(room) });
  }

  /** Forgets everything (disconnect): indicators cannot be trusted without live events. */
  reset(): void {
    for (const state of this.own.values()) this.options.timers.clearTimeout(state.timer);
    this.own.clear();
    for (const [room, users] of this.others) {
      for (const timer of users.values()) this.options.timers.clearTimeout(timer);
      this.others.delete(room);
      this.emit('change', { room, users: [] });
    }
  }
}
