/**
 * Room order and gap fill, between a lossy cross-node bus and the hub.
 *
 * Every new message of a room is published with its room `seq`. Messages
 * from different nodes can arrive out of order, and Redis pub/sub drops what
 * is published while a subscriber is away. This layer delivers each room's
 * messages to the node's subscribers exactly once and in seq order:
 *
 * - a seq at or below the last delivered one is dropped (an echo or a
 *   message a fill already delivered);
 * - a seq beyond the next one is held; if the missing ones do not arrive
 *   within `gapWaitMs`, they are read from storage (`fill`) and delivered
 *   first;
 * - when the bus says it may have missed messages (`onResync`, after a
 *   reconnect), every subscribed room is filled up to its last stored seq.
 *
 * The fill lives here, on the receiving side, rather than in the publisher:
 * only a receiver can see a gap, and the publisher of a lost message may be
 * another node, or gone. Events without a seq (edits, reactions, typing,
 * members) pass straight through; one lost in a Redis outage reaches clients
 * at their next resume (`sync` by rev), not live.
 */
import type { Bus, BusHandler, BusMessage } from './bus.js';
import type { ResyncingBus } from './redis-bus.js';

/** Reads the messages of `room` with `after < seq < before` (`before` null: up to the last stored), oldest first. */
export type FillMessages = (room: string, after: number, before: number | null) => Promise<BusMessage[]>;

/** Settings of a {@link RoomOrderBus}. */
export interface RoomOrderOptions {
  /** How long a gap may wait for the missing messages before they are read from storage (ms); default 150. */
  gapWaitMs?: number;
  /** Called when a fill fails (it is retried on the next gap or resync). */
  onError?: (error: unknown, room: string) => void;
  /**
   * The room's last stored seq, read when a node subscribes: messages after it
   * are this subscription's to deliver, so one lost while the subscription was
   * still being set up (the first after it) is found as a gap and filled.
   * Without it, ordering starts at the first message that arrives.
   */
  lastSeq?: (room: string) => Promise<number | null>;
}

const ROOM_PREFIX = 'room:';

interface RoomState {
  /** Highest seq delivered, null until the first one (or the baseline). */
  last: number | null;
  /** False while the baseline (`lastSeq`) is being read: arrivals are held. */
  ready: boolean;
  pending: Map<number, BusMessage>;
  timer: NodeJS.Timeout | null;
  filling: boolean;
  deliver: (message: BusMessage) => void;
}

/** Wraps a bus so room topics are delivered in seq order with gaps filled from storage. */
export class RoomOrderBus implements Bus {
  readonly #inner: ResyncingBus;
  readonly #fill: FillMessages;
  readonly #gapWaitMs: number;
  readonly #onError: (error: unknown, room: string) => void;
  readonly #lastSeq: ((room: string) => Promise<number | null>) | undefined;
  readonly #rooms = new Map<string, RoomState>();
  readonly #stopResync: () => void;

  /** Orders `inner`'s room topics, filling gaps with `fill`. */
  constructor(inner: ResyncingBus, fill: FillMessages, options: RoomOrderOptions = {}) {
    this.#inner = inner;
    this.#fill = fill;
    this.#gapWaitMs = options.gapWaitMs ?? 150;
    this.#onError = options.onError ?? (() => undefined);
    this.#lastSeq = options.lastSeq;
    this.#stopResync = inner.onResync(() => {
      for (const [room, state] of this.#rooms) void this.#fillGap(room, state, null);
    });
  }

  publish(topic: string, message: BusMessage): Promise<void> {
    return this.#inner.publish(topic, message);
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    if (!topic.startsWith(ROOM_PREFIX)) return this.#inner.subscribe(topic, handler);
    const room = topic.slice(ROOM_PREFIX.length);
    const state: RoomState = {
      last: null,
      ready: this.#lastSeq === undefined,
      pending: new Map(),
      timer: null,
      filling: false,
      deliver: (message) => handler(message, topic),
    };
    // One subscription per topic (the hub's); a second one replaces the first's ordering state.
    this.#rooms.set(room, state);
    const unsubscribe = this.#inner.subscribe(topic, (message) => this.#accept(room, state, message));
    this.#lastSeq?.(room).then(
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
  onResync(listener: () => void): () => void {
    return this.#inner.onResync(listener);
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
    if (state.last === null && state.pending.size > 0) state.last = Math.min(...state.pending.keys()) - 1;
    this.#drain(state);
    if (state.pending.size > 0) this.#scheduleFill(room, state);
  }

  #scheduleFill(room: string, state: RoomState): void {
    state.timer ??= setTimeout(() => {
      state.timer = null;
      void this.#fillGap(room, state, Math.min(...state.pending.keys()));
    }, this.#gapWaitMs);
  }

  #accept(room: string, state: RoomState, message: BusMessage): void {
    const seq = message.seq;
    if (seq === undefined) return state.deliver(message);
    if (!state.ready) {
      state.pending.set(seq, message);
      return;
    }
    if (state.last !== null && seq <= state.last) return;
    if (state.last === null || seq === state.last + 1) {
      state.last = seq;
      state.deliver(message);
      this.#drain(state);
      return;
    }
    state.pending.set(seq, message);
    this.#scheduleFill(room, state);
  }

  /** Delivers held messages that are next in line. */
  #drain(state: RoomState): void {
    for (;;) {
      const next = state.last === null ? undefined : state.pending.get(state.last + 1);
      if (!next) break;
      state.pending.delete(state.last! + 1);
      state.last! += 1;
      state.deliver(next);
    }
    // Anything held at or below what was delivered is stale.
    for (const seq of state.pending.keys()) if (state.last !== null && seq <= state.last) state.pending.delete(seq);
  }

  async #fillGap(room: string, state: RoomState, before: number | null): Promise<void> {
    if (state.filling || state.last === null || this.#rooms.get(room) !== state) return;
    state.filling = true;
    try {
      const missing = await this.#fill(room, state.last, before);
      for (const message of missing) {
        if (message.seq === undefined || message.seq <= state.last) continue;
        state.last = message.seq;
        state.deliver(message);
      }
      // Seqs storage no longer has (retention) are not waited for.
      if (before !== null && state.last < before - 1) state.last = before - 1;
      this.#drain(state);
    } catch (error) {
      this.#onError(error, room);
    } finally {
      state.filling = false;
    }
    if (state.pending.size > 0 && !state.timer && this.#rooms.get(room) === state) {
      state.timer = setTimeout(() => {
        state.timer = null;
        void this.#fillGap(room, state, Math.min(...state.pending.keys()));
      }, this.#gapWaitMs);
    }
  }
}
