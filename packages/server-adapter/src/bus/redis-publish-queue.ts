/**
 * The sending side of the Redis bus: every publish is handed to Redis in
 * publish order, and the publisher never waits for it.
 *
 * Messages are written to the publisher connection while it is ready and
 * fewer than `maxInFlight` (and `maxInFlightBytes`) writes wait for Redis's
 * answer; everything else waits here, in order, at most `maxQueued` messages
 * and `maxQueuedBytes` (the oldest are dropped beyond that). So while Redis
 * is down or has stopped answering, memory stays bounded, and once it answers
 * again (a reconnect, or just the replies of a stall that ended) the rest goes
 * out in order.
 *
 * When the connection drops, the writes still unanswered may or may not have
 * reached Redis. Room events with a rev are written again (receivers drop a
 * rev they already have); other messages are not, since a repeat would show
 * twice. Whenever something was dropped, `onLoss` runs, so the bus can ask
 * the other nodes to catch up from storage.
 */
import type { Redis } from 'ioredis';

/** Bounds of a {@link PublishQueue}. */
export interface PublishLimits {
  /** Messages waiting for Redis (not yet written); the oldest are dropped beyond it. */
  maxQueued: number;
  /** Bytes of the messages waiting for Redis. */
  maxQueuedBytes: number;
  /** Writes Redis has not answered yet; more wait in the queue. */
  maxInFlight: number;
  /** Bytes of the writes Redis has not answered yet. */
  maxInFlightBytes: number;
}

/** One message on its way to Redis. */
export interface Outgoing {
  channel: string;
  payload: string;
  /** Written again after a lost connection (a room event receivers deduplicate by rev). */
  repeatable: boolean;
  /** Dropped instead of sent after this time (epoch ms), when set. */
  expiresAt?: number;
}

interface Entry extends Outgoing {
  bytes: number;
}

/** See the module comment. */
export class PublishQueue {
  readonly #redis: Redis;
  readonly #limits: PublishLimits;
  readonly #onLoss: () => void;
  /** Waiting messages, oldest first, from `#head` on. */
  #queue: Entry[] = [];
  #head = 0;
  #queuedBytes = 0;
  /** Written and not answered yet, oldest first (Redis answers in order). */
  #inFlight: Entry[] = [];
  #inFlightBytes = 0;
  /** Changes when the connection drops: answers of older writes are ignored. */
  #epoch = 0;
  /** Messages dropped so far (overflow, expiry, lost connection). */
  dropped = 0;

  /** Sends over `redis`; `onLoss` runs whenever a message could not be delivered. */
  constructor(redis: Redis, limits: PublishLimits, onLoss: () => void) {
    this.#redis = redis;
    this.#limits = limits;
    this.#onLoss = onLoss;
  }

  /** Messages waiting to be written. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Writes Redis has not answered. */
  get inFlight(): number {
    return this.#inFlight.length;
  }

  /** Queues a message behind the ones already waiting and sends what it can. */
  push(message: Outgoing): void {
    this.#queue.push({ ...message, bytes: Buffer.byteLength(message.payload) + message.channel.length });
    this.#queuedBytes += this.#queue[this.#queue.length - 1].bytes;
    this.#trim();
    this.pump();
  }

  /** Writes waiting messages while the connection is ready and the in-flight bounds allow. */
  pump(): void {
    if (this.#redis.status !== 'ready') return;
    const now = Date.now();
    while (this.#head < this.#queue.length) {
      if (this.#inFlight.length >= this.#limits.maxInFlight || this.#inFlightBytes >= this.#limits.maxInFlightBytes) break;
      const entry = this.#shift();
      if (entry.expiresAt !== undefined && entry.expiresAt < now) {
        this.#lose();
        continue;
      }
      this.#write(entry);
    }
  }

  /**
   * The connection dropped: writes still unanswered are given up; room events
   * among them go back to the front of the queue, in order.
   */
  connectionLost(): void {
    this.#epoch++;
    const unanswered = this.#inFlight;
    this.#inFlight = [];
    this.#inFlightBytes = 0;
    const again = unanswered.filter((entry) => entry.repeatable);
    if (again.length < unanswered.length) {
      this.dropped += unanswered.length - again.length;
      this.#onLoss();
    }
    if (again.length === 0) return;
    const waiting = this.#queue.slice(this.#head);
    this.#queue = [...again, ...waiting];
    this.#head = 0;
    for (const entry of again) this.#queuedBytes += entry.bytes;
    this.#trim();
  }

  /** Forgets everything waiting (the bus is closing). */
  clear(): void {
    this.#epoch++;
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#inFlight = [];
    this.#inFlightBytes = 0;
  }

  #write(entry: Entry): void {
    const epoch = this.#epoch;
    this.#inFlight.push(entry);
    this.#inFlightBytes += entry.bytes;
    const answered = (delivered: boolean): void => {
      if (epoch !== this.#epoch) return;
      // Answers come in write order (the oldest write is first), unless the write failed at once.
      const index = this.#inFlight.indexOf(entry);
      if (index >= 0) this.#inFlight.splice(index, 1);
      this.#inFlightBytes -= entry.bytes;
      if (!delivered) this.#lose();
      this.pump();
    };
    this.#redis.publish(entry.channel, entry.payload).then(
      () => answered(true),
      // Redis refused it (an error reply) or the write failed: it is not coming back.
      () => answered(false),
    );
  }

  /** Drops the oldest waiting messages beyond the bounds. */
  #trim(): void {
    while (this.queued > this.#limits.maxQueued || (this.#queuedBytes > this.#limits.maxQueuedBytes && this.queued > 0)) {
      this.#shift();
      this.#lose();
    }
  }

  #shift(): Entry {
    const entry = this.#queue[this.#head++];
    this.#queuedBytes -= entry.bytes;
    // Compact now and then instead of shifting the array for every message.
    if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  #lose(): void {
    this.dropped++;
    this.#onLoss();
  }
}
