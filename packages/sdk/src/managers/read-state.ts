/**
 * Delivery and read state. Sends batched "delivered" receipts for messages
 * from others, and tracks the other members' markers per room so our own
 * messages can show delivered / read. (Our read marker goes through the
 * outbox, like every mutation.)
 */
import { Emitter } from '../events.js';
import type { MemberInfo } from '../protocol/model.js';
import type { Timers } from '../transport/platform.js';

/** What the read-state manager needs from outside. */
export interface ReadStateOptions {
  /** Sends a "delivered up to seq" receipt. */
  sendDelivered(room: string, seq: number): Promise<unknown>;
  /** Whether receipts can be sent now. */
  canSend(): boolean;
  /** The signed-in user's id (whose markers are not "others'"). */
  me(): string;
  timers: Timers;
  /** Receipts are collected this long before sending. */
  batchMs: number;
}

/** Highest markers of the other members of a room. */
export interface OthersMarkers {
  read: number;
  delivered: number;
}

/** Events of the {@link ReadStateManager}. */
export interface ReadStateEvents {
  /** Others' markers in `room` moved. */
  change: { room: string };
}

const NONE: OthersMarkers = Object.freeze({ read: 0, delivered: 0 });

/** See the module comment. */
export class ReadStateManager extends Emitter<ReadStateEvents> {
  private readonly others = new Map<string, OthersMarkers>();
  private readonly delivered = new Map<string, number>();
  private timer: unknown = null;

  constructor(private readonly options: ReadStateOptions) {
    super();
  }

  /** The highest read and delivered markers among the other members of `room`. */
  markers(room: string): OthersMarkers {
    return this.others.get(room) ?? NONE;
  }

  /** Takes markers from a member list. */
  setMembers(room: string, members: readonly MemberInfo[]): void {
    for (const member of members) this.received(room, member.user, member.readSeq, member.deliveredSeq);
  }

  /** A `receipt` event (or member info) of `user` in `room`. */
  received(room: string, user: string, readSeq: number, deliveredSeq: number): void {
    if (user === this.options.me()) return;
    const current = this.markers(room);
    const read = Math.max(current.read, readSeq);
    const delivered = Math.max(current.delivered, deliveredSeq, read);
    if (read === current.read && delivered === current.delivered) return;
    this.others.set(room, { read, delivered });
    this.emit('change', { room });
  }

  /** A message from someone else with this `seq` reached us: acknowledge delivery soon. */
  noteDelivered(room: string, seq: number): void {
    if ((this.delivered.get(room) ?? 0) >= seq) return;
    this.delivered.set(room, seq);
    this.schedule();
  }

  /** Sends the collected receipts now (if connected). */
  flush(): void {
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
    if (!this.options.canSend()) return;
    for (const [room, seq] of this.delivered) {
      this.delivered.delete(room);
      this.options.sendDelivered(room, seq).catch(() => {
        // Try again with the next flush unless a later receipt superseded it.
        if ((this.delivered.get(room) ?? 0) < seq) this.delivered.set(room, seq);
      });
    }
  }

  /** Cancels the pending flush (disconnect); collected receipts wait for the next one. */
  stop(): void {
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Forgets a room. */
  forget(room: string): void {
    this.others.delete(room);
    this.delivered.delete(room);
  }

  /** Forgets everything (logout). */
  clear(): void {
    this.stop();
    this.others.clear();
    this.delivered.clear();
  }

  private schedule(): void {
    if (this.timer === null) this.timer = this.options.timers.setTimeout(() => this.flush(), this.options.batchMs);
  }
}
