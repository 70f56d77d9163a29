/**
 * Catching up rooms whose live events skipped ahead. The server sends each
 * room's changes in rev order, so a rev that arrives before its predecessor
 * means something went missing (a fault on the way, or a server bug); the
 * room's cursor stays at the last rev held contiguously, and if the gap has
 * not closed by itself after a short wait, the room is caught up with `sync`.
 * Repeated failures back off, so a misbehaving server is not hammered.
 */
import type { Timers } from '../transport/platform.js';

/** What the catch-up needs from outside. */
export interface GapCatchUpOptions {
  timers: Timers;
  /** How long a gap may stay open before the rooms are caught up (ms). */
  delayMs: number;
  /** Longest wait between two catch-ups while gaps keep reappearing (ms). */
  maxDelayMs: number;
  /** Rooms that still have a gap. */
  gapped(): string[];
  /** Syncs `rooms` from their cursors; resolves when done (or when not connected). */
  catchUp(rooms: string[]): Promise<void>;
}

/** See the module comment. */
export class GapCatchUp {
  private timer: unknown = null;
  private running = false;
  private delay: number;

  constructor(private readonly options: GapCatchUpOptions) {
    this.delay = options.delayMs;
  }

  /** A room's live events left a gap: catch up later unless it closes by then. */
  noticed(): void {
    if (this.timer !== null || this.running) return;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = null;
      void this.run();
    }, this.delay);
  }

  /** Cancels a pending catch-up (disconnect, logout). */
  stop(): void {
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    const rooms = this.options.gapped();
    if (rooms.length === 0) {
      this.delay = this.options.delayMs;
      return;
    }
    this.running = true;
    try {
      await this.options.catchUp(rooms);
    } catch {
      // A failed catch-up is retried below, or by the next resume.
    } finally {
      this.running = false;
    }
    const still = this.options.gapped();
    if (still.length === 0) {
      this.delay = this.options.delayMs;
      return;
    }
    this.delay = Math.min(this.delay * 2, this.options.maxDelayMs);
    this.noticed();
  }
}
