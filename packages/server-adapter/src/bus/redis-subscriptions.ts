/**
 * The channels a node's subscriber connection should listen to, and which of
 * them Redis has confirmed.
 *
 * A channel wanted while Redis is away (or that Redis has not confirmed when
 * the connection drops) stays wanted: it is subscribed as soon as the
 * connection is ready again, however long that takes. Messages published
 * before a subscription took effect never reach this node, so when a
 * subscription that had to wait takes effect, `caughtUp` runs with those
 * channels and the layers above read from storage what they may have missed.
 *
 * SUBSCRIBEs made in one turn of the event loop go out as one command, so a
 * reconnect with thousands of channels costs a few round trips.
 */
import type { Redis } from 'ioredis';

/** Channels per SUBSCRIBE command. */
const CHUNK = 1_000;
/** Pause before asking again after Redis refused a SUBSCRIBE on a live connection. */
const RETRY_MS = 1_000;
/**
 * A subscription confirmed later than this after it was wanted counts as
 * having waited: a peer's publish can overtake a SUBSCRIBE held up in a
 * stalled Redis, so what was published meanwhile is read from storage too.
 */
const SLOW_CONFIRM_MS = 250;

interface Wanted {
  /** Redis confirmed it on the current connection. */
  confirmed: boolean;
  /** The SUBSCRIBE command in flight for it (0: none). */
  sending: number;
  /** It had to wait (Redis away, refused, or reconnecting): messages may have been missed. */
  delayed: boolean;
  /** Since when (epoch ms) it has been wanted and not confirmed. */
  since: number;
  waiter: Waiter;
}

interface Waiter {
  promise: Promise<void>;
  resolve: () => void;
  settled: boolean;
}

/** See the module comment. */
export class Subscriptions {
  readonly #redis: Redis;
  readonly #caughtUp: (channels: string[]) => void;
  readonly #onError: (error: Error) => void;
  readonly #wanted = new Map<string, Wanted>();
  /** Changes when the connection drops: confirmations of older commands are ignored. */
  #epoch = 0;
  #nextCommand = 1;
  #scheduled = false;
  #retry: NodeJS.Timeout | null = null;
  #closed = false;

  /** Subscribes on `redis` (its own connection, in subscriber mode). */
  constructor(redis: Redis, caughtUp: (channels: string[]) => void, onError: (error: Error) => void) {
    this.#redis = redis;
    this.#caughtUp = caughtUp;
    this.#onError = onError;
  }

  /** Starts listening to `channel` (now, or once Redis is back). */
  want(channel: string): void {
    if (this.#closed || this.#wanted.has(channel)) return;
    this.#wanted.set(channel, {
      confirmed: false,
      sending: 0,
      delayed: this.#redis.status !== 'ready',
      since: Date.now(),
      waiter: waiter(),
    });
    this.#schedule();
  }

  /** Stops listening to `channel`. */
  drop(channel: string): void {
    const state = this.#wanted.get(channel);
    if (!state) return;
    this.#wanted.delete(channel);
    settle(state.waiter);
    // Redis runs commands in order: this UNSUBSCRIBE follows any SUBSCRIBE still in flight.
    if (this.#redis.status === 'ready' && (state.confirmed || state.sending !== 0)) {
      this.#redis.unsubscribe(channel).catch(() => undefined);
    }
  }

  /** Resolves once Redis confirmed `channel` (at once when it is not wanted). */
  whenSubscribed(channel: string): Promise<void> {
    return this.#wanted.get(channel)?.waiter.promise ?? Promise.resolve();
  }

  /** Wanted channels not confirmed yet, and since when the oldest of them has waited. */
  pending(): { count: number; since: number | null } {
    let count = 0;
    let since: number | null = null;
    for (const state of this.#wanted.values()) {
      if (state.confirmed) continue;
      count++;
      if (since === null || state.since < since) since = state.since;
    }
    return { count, since };
  }

  /** The connection dropped: nothing is confirmed any more, and everything will have to catch up. */
  connectionLost(): void {
    this.#epoch++;
    const now = Date.now();
    for (const state of this.#wanted.values()) {
      if (state.confirmed) state.since = now;
      state.confirmed = false;
      state.sending = 0;
      state.delayed = true;
      if (state.waiter.settled) state.waiter = waiter();
    }
  }

  /** The connection is ready: subscribes everything wanted. */
  connected(): void {
    this.#schedule();
  }

  /** Stops; nothing is sent any more. */
  close(): void {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    for (const state of this.#wanted.values()) settle(state.waiter);
    this.#wanted.clear();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#send();
    });
  }

  #send(): void {
    if (this.#closed || this.#redis.status !== 'ready') return;
    const channels: string[] = [];
    for (const [channel, state] of this.#wanted) if (!state.confirmed && state.sending === 0) channels.push(channel);
    for (let i = 0; i < channels.length; i += CHUNK) this.#subscribe(channels.slice(i, i + CHUNK));
  }

  #subscribe(channels: string[]): void {
    const epoch = this.#epoch;
    const command = this.#nextCommand++;
    for (const channel of channels) this.#wanted.get(channel)!.sending = command;
    /** The states this command still speaks for (a channel dropped and wanted again has a newer command). */
    const mine = (): Wanted[] =>
      epoch !== this.#epoch
        ? []
        : channels.map((channel) => this.#wanted.get(channel)).filter((state): state is Wanted => state?.sending === command);
    this.#redis.subscribe(...channels).then(
      () => {
        const delayed: string[] = [];
        const now = Date.now();
        for (const channel of channels) {
          const state = this.#wanted.get(channel);
          if (epoch !== this.#epoch || state?.sending !== command) continue;
          state.sending = 0;
          state.confirmed = true;
          if (state.delayed || now - state.since > SLOW_CONFIRM_MS) delayed.push(channel);
          state.delayed = false;
          settle(state.waiter);
        }
        if (delayed.length > 0) this.#caughtUp(delayed);
      },
      (error: unknown) => {
        const states = mine();
        for (const state of states) {
          state.sending = 0;
          state.delayed = true;
        }
        if (states.length === 0) return;
        this.#onError(error instanceof Error ? error : new Error(String(error)));
        this.#retry ??= setTimeout(() => {
          this.#retry = null;
          this.#schedule();
        }, RETRY_MS);
        this.#retry.unref();
      },
    );
  }
}

function waiter(): Waiter {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  const created: Waiter = { promise, settled: false, resolve: () => undefined };
  created.resolve = () => {
    created.settled = true;
    resolve();
  };
  return created;
}

function settle(w: Waiter): void {
  if (!w.settled) w.resolve();
}
