/**
 * Room order and gap fill, between a lossy cross-node bus and the hub.
 *
 * Every event that adds or changes a message (a new message, an edit, a
 * delete, a reaction, a parent's reply count) takes the room's next `rev` in
 * its committing transaction and is published with it. Events from
 * different nodes can arrive out of order, and Redis pub/sub drops what is
 * published while a subscriber is away. This layer delivers each room's
 * message events to the node's subscribers exactly once and in rev order:
 *
 * - a rev at or below the last delivered one is dropped (an echo, or a
 *   change a fill already delivered);
 * - a rev beyond the next one is held; if the missing ones do not arrive
 *   within `gapWaitMs`, the changes since the last delivered rev are read
 *   from storage (`fill`) and delivered first;
 * - when the bus says it may have missed messages (`onResync`: after a
 *   reconnect, once a subscription that had to wait for Redis is in place,
 *   or when another node had to drop messages), every subscribed room is
 *   filled up to its current rev.
 *
 * Ordering by rev rather than seq matters for changes: a client moves its
 * rev cursor to the newest rev it received, so a lost edit followed by a
 * delivered message would be skipped for good, even by its next resume. New
 * messages take seq and rev in the same transaction, so rev order is also
 * seq order. A fill reads each changed message once, in its current state
 * (clients ignore a version no newer than the one they hold).
 *
 * The fill lives here, on the receiving side, rather than in the publisher:
 * only a receiver can see a gap, and the publisher of a lost message may be
 * another node, or gone. Events without a rev (typing, members, receipts)
 * pass straight through; one lost in a Redis outage is not repeated.
 */
import type { BusHandler, BusMessage, HealthCheck } from './bus.js';
import type { ResyncingBus } from './redis-bus.js';

/**
 * Reads the room's messages changed after `afterRev`, oldest change first, at
 * most one page, as bus messages with their `rev` (and `seq`); `more` when
 * there are newer ones. `lastSeq` is the newest seq this node delivered, so
 * the fill can tell new messages from changed ones.
 */
export type FillChanges = (room: string, afterRev: number, lastSeq: number | null) => Promise<{ messages: BusMessage[]; more: boolean }>;

/** Settings of a {@link RoomOrderBus}. */
export interface RoomOrderOptions {
  /** How long a gap may wait for the missing events before they are read from storage (ms); default 150. */
  gapWaitMs?: number;
  /** Called when a fill fails (it is retried on the next gap or resync). */
  onError?: (error: unknown, room: string) => void;
  /**
   * The room's current rev, read when a node subscribes: events after it are
   * this subscription's to deliver, so one lost while the subscription was
   * still being set up (the first after it) is found as a gap and filled.
   * Without it, ordering starts at the first event that arrives.
   */
  lastRev?: (room: string) => Promise<number | null>;
}

const ROOM_PREFIX = 'room:';
/** Fill pages read in one go; a room further behind continues in the next round. */
const MAX_FILL_PAGES = 10;

interface RoomState {
  /** Highest rev delivered, null until the first one (or the baseline). */
  last: number | null;
  /** Highest seq delivered (new messages), for the fill. */
  lastSeq: number | null;
  /** False while the baseline (`lastRev`) is being read: arrivals are held. */
  ready: boolean;
  /** Held events by rev, with the arrival count when each came. */
  pending: Map<number, { message: BusMessage; at: number }>;
  /** Events accepted so far (orders arrivals against fills). */
  arrivals: number;
  timer: NodeJS.Timeout | null;
  filling: boolean;
  /** A resync arrived while filling: fill once more afterwards. */
  again: boolean;
  deliver: (message: BusMessage) => void;
}

/** Wraps a bus so room topics are delivered in rev order with gaps filled from storage. */
export class RoomOrderBus implements ResyncingBus {
  readonly #inner: ResyncingBus;
  readonly #fill: FillChanges;
  readonly #gapWaitMs: number;
  readonly #onError: (error: unknown, room: string) => void;
  readonly #lastRev: ((room: string) => Promise<number | null>) | undefined;
  readonly #rooms = new Map<string, RoomState>();
  readonly #stopResync: () => void;

  /** Orders `inner`'s room topics, filling gaps with `fill`. */
  constructor(inner: ResyncingBus, fill: FillChanges, options: RoomOrderOptions = {}) {
    this.#inner = inner;
    this.#fill = fill;
    this.#gapWaitMs = options.gapWaitMs ?? 150;
    this.#onError = options.onError ?? (() => undefined);
    this.#lastRev = options.lastRev;
    this.#stopResync = inner.onResync((topics) => {
      const only = topics ? new Set(topics) : null;
      for (const [room, state] of this.#rooms) if (!only || only.has(ROOM_PREFIX + room)) void this.#fillGap(room, state, true);
    });
  }

  /** The inner bus's: whether every subscriber is in this process. */
  get local(): boolean {
    return this.#inner.local === true;
  }

  publish(topic: string, message: BusMessage): Promise<void> {
    return this.#inner.publish(topic, message);
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    if (!topic.startsWith(ROOM_PREFIX)) return this.#inner.subscribe(topic, handler);
    const room = topic.slice(ROOM_PREFIX.length);
    const state: RoomState = {
      last: null,
      lastSeq: null,
      ready: this.#lastRev === undefined,
      pending: new Map(),
      arrivals: 0,
      timer: null,
      filling: false,
      again: false,
      deliver: (message) => {
        if (message.seq !== undefined) state.lastSeq = Math.max(state.lastSeq ?? 0, message.seq);
        handler(message, topic);
      },
    };
    // One subscription per topic (the hub's); a second one replaces the first's ordering state.
    this.#rooms.set(room, state);
    const unsubscribe = this.#inner.subscribe(topic, (message) => this.#accept(room, state, message));
    this.#lastRev?.(room).then(
      (baseline) => this.#start(room, state, baseline),
      (error: unknown) => {
        this.#onError(error, room);
        this.#start(room, state, null);
      },
    );
    return () => {
      unsubscribe();
      if (state.timer) clearTimeout(state.timer);
      if (this.#rooms.get(room) === state) this.#rooms.delete(room);
    };
  }

  /** The inner bus's: resolves once a subscription to `topic` took effect. */
  whenSubscribed(topic: string): Promise<void> {
    return this.#inner.whenSubscribed?.(topic) ?? Promise.resolve();
  }

  /** The inner bus's: `listener` runs whenever messages may have been lost. */
  onResync(listener: (topics?: readonly string[]) => void): () => void {
    return this.#inner.onResync(listener);
  }

  /** The inner bus's: whether this node can hear the others. */
  health(): HealthCheck {
    return this.#inner.health?.() ?? { status: 'ok' };
  }

  async close(): Promise<void> {
    this.#stopResync();
    for (const state of this.#rooms.values()) if (state.timer) clearTimeout(state.timer);
    this.#rooms.clear();
    await this.#inner.close();
  }

  /** The baseline is known (or unknowable): deliver what was held, in order, and fill before it if needed. */
  #start(room: string, state: RoomState, baseline: number | null): void {
    if (this.#rooms.get(room) !== state) return;
    state.ready = true;
    if (state.last === null && baseline !== null) state.last = baseline;
    if (state.last === null && state.pending.size > 0) state.last = this.#oldestPending(state)! - 1;
    this.#drain(state);
    if (state.pending.size > 0) this.#scheduleFill(room, state);
  }

  #scheduleFill(room: string, state: RoomState): void {
    state.timer ??= setTimeout(() => {
      state.timer = null;
      void this.#fillGap(room, state, false);
    }, this.#gapWaitMs);
  }

  #accept(room: string, state: RoomState, message: BusMessage): void {
    const rev = message.rev;
    if (rev === undefined) return state.deliver(message);
    state.arrivals += 1;
    if (!state.ready) {
      state.pending.set(rev, { message, at: state.arrivals });
      return;
    }
    if (state.last !== null && rev <= state.last) return;
    if (state.last === null || rev === state.last + 1) {
      state.last = rev;
      state.deliver(message);
      this.#drain(state);
      return;
    }
    state.pending.set(rev, { message, at: state.arrivals });
    this.#scheduleFill(room, state);
  }

  /** Delivers held events that are next in line, and forgets held ones already covered. */
  #drain(state: RoomState): void {
    for (;;) {
      const next = state.last === null ? undefined : state.pending.get(state.last + 1);
      if (!next) break;
      state.pending.delete(state.last! + 1);
      state.last! += 1;
      state.deliver(next.message);
    }
    for (const rev of state.pending.keys()) if (state.last !== null && rev <= state.last) state.pending.delete(rev);
    // The gap closed by itself: no storage read needed.
    if (state.pending.size === 0 && state.timer) {
      clearTimeout(state.timer);
      state.timer = null;
    }
  }

  #oldestPending(state: RoomState): number | null {
    let oldest: number | null = null;
    for (const rev of state.pending.keys()) if (oldest === null || rev < oldest) oldest = rev;
    return oldest;
  }

  /**
   * Reads what changed after the last delivered rev and delivers it. For a
   * gap, it stops once the gap is closed (the held events then follow); after
   * a resync it reads up to the room's current rev.
   */
  async #fillGap(room: string, state: RoomState, resync: boolean): Promise<void> {
    if (this.#rooms.get(room) !== state || state.last === null) return;
    if (state.filling) {
      state.again ||= resync;
      return;
    }
    state.filling = true;
    const startedAt = state.arrivals;
    let more = false;
    let read = false;
    try {
      for (let page = 0; page < MAX_FILL_PAGES; page++) {
        const result = await this.#fill(room, state.last, state.lastSeq);
        for (const message of result.messages) {
          if (message.rev === undefined || message.rev <= state.last) continue;
          // A change read now holds the message's current state: held events it covers are stale.
          state.last = message.rev;
          state.deliver(message);
        }
        this.#drain(state);
        read = true;
        more = result.more;
        if (!more || (!resync && state.pending.size === 0)) break;
      }
    } catch (error) {
      this.#onError(error, room);
    } finally {
      state.filling = false;
    }
    if (this.#rooms.get(room) !== state) return;
    // A held event that arrived before this read began was committed before it, and so were the
    // revs below it: those storage did not show are gone (retention removed their message).
    const oldest = read && !more ? this.#oldestPending(state) : null;
    if (oldest !== null && state.pending.get(oldest)!.at <= startedAt) {
      state.last = oldest - 1;
      this.#drain(state);
    }
    if (state.again || more) {
      state.again = false;
      void this.#fillGap(room, state, true);
    } else if (state.pending.size > 0) {
      this.#scheduleFill(room, state);
    }
  }
}
