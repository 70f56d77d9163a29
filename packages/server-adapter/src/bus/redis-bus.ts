/**
 * A `Bus` across server nodes on Redis pub/sub (ioredis).
 *
 * Each node holds two connections: one that publishes and one that
 * subscribes, with one Redis channel per topic that has local subscribers
 * (`<prefix><topic>`, e.g. `parley:room:r1`). A publish is delivered to this
 * node's subscribers at once, like the in-process bus, and queued for the
 * others (`redis-publish-queue.ts`): publishing never waits for Redis, while
 * it is down or when it stops answering. A node ignores its own messages
 * coming back.
 *
 * Redis pub/sub is at-most-once: a message published while a node's
 * subscription is not in place is gone for that node. Subscriptions wanted
 * while Redis is away are made once it is back (`redis-subscriptions.ts`), and
 * `onResync` then tells the layer above to fill what it missed from storage
 * (see `room-order.ts`). A node that had to drop messages it could not send
 * asks the others to do the same, on the channel `<prefix>bus:resync`.
 *
 * `health()` says whether both connections are up, answer a PING within
 * `stallMs`, and every subscription is in place.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Bus, BusHandler, BusMessage, HealthCheck } from './bus.js';
import { PublishQueue } from './redis-publish-queue.js';
import type { PublishLimits } from './redis-publish-queue.js';
import { RedisProbe } from './redis-probe.js';
import { Subscriptions } from './redis-subscriptions.js';

/** Settings of a {@link RedisBus}. */
export interface RedisBusOptions extends Partial<PublishLimits> {
  /** `redis://host:port/db` (the `REDIS_URL` of the CLI). */
  url: string;
  /** Prefix of every channel, so deployments (and tests) can share one Redis; default `parley:`. */
  prefix?: string;
  /** This node's id, carried in every message; default random. */
  nodeId?: string;
  /** Called with connection errors (they are retried; nothing is thrown). */
  onError?: (error: Error) => void;
  /** A connection whose PING waits longer than this counts as stalled (ms); default 2 000. */
  stallMs?: number;
}

/** A bus that also says when it may have missed messages. */
export interface ResyncingBus extends Bus {
  /**
   * `listener` runs whenever messages may have been lost, with the topics
   * concerned (subscriptions back in place after a reconnect or an outage),
   * or without, for every topic (another node had to drop messages).
   * Returns an unsubscribe function.
   */
  onResync(listener: (topics?: readonly string[]) => void): () => void;
  /** Resolves once a subscription to `topic` took effect, so messages published after that reach it. */
  whenSubscribed?(topic: string): Promise<void>;
}

/** Header of a message on the wire: [node id, seq, membership, rev]. The frame follows after a newline. */
type Header = [string, number | null, BusMessage['membership'] | null, number | null];

/** Default bounds of what waits for Redis: 10 000 messages or 32 MiB queued, 1 000 writes or 8 MiB unanswered. */
export const DEFAULT_PUBLISH_LIMITS: Readonly<PublishLimits> = Object.freeze({
  maxQueued: 10_000,
  maxQueuedBytes: 32 * 1024 * 1024,
  maxInFlight: 1_000,
  maxInFlightBytes: 8 * 1024 * 1024,
});

/** How long `close()` waits for Redis to confirm QUIT before cutting the connections. */
const CLOSE_WAIT_MS = 1_000;
/** The channel (after the prefix) on which a node asks the others to fill from storage. */
const RESYNC_CHANNEL = 'bus:resync';

/** The Redis implementation of {@link Bus}. */
export class RedisBus implements ResyncingBus {
  /** This node's id. */
  readonly nodeId: string;
  readonly #prefix: string;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #topics = new Map<string, Set<BusHandler>>();
  readonly #subscriptions: Subscriptions;
  readonly #queue: PublishQueue;
  readonly #probes: RedisProbe[];
  readonly #probeTimer: NodeJS.Timeout;
  readonly #stallMs: number;
  readonly #resync = new Set<(topics?: readonly string[]) => void>();
  /** Since when (epoch ms) a connection has not been ready; null while both are. */
  #downSince: number | null = Date.now();
  /** Messages were dropped: the other nodes are asked to catch up once Redis answers. */
  #askResync = false;
  #closed = false;

  /** Connects (in the background; publishes wait in a bounded queue until Redis answers). */
  constructor(options: RedisBusOptions) {
    this.nodeId = options.nodeId ?? randomBytes(6).toString('hex');
    this.#prefix = options.prefix ?? 'parley:';
    this.#stallMs = options.stallMs ?? 2_000;
    const onError = options.onError ?? (() => undefined);
    const common = {
      // Reconnect forever, backing off to 2 s: the bus must come back by itself.
      retryStrategy: (times: number) => Math.min(100 * times, 2_000),
      // Commands are written only while a connection is ready; what a lost connection left unanswered is
      // handled here (room events sent again, subscriptions made again), never resent blindly by ioredis.
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
      maxRetriesPerRequest: null,
    };
    this.#pub = new Redis(options.url, { ...common, connectionName: `parley-pub-${this.nodeId}` });
    this.#sub = new Redis(options.url, { ...common, connectionName: `parley-sub-${this.nodeId}` });
    this.#queue = new PublishQueue(this.#pub, { ...DEFAULT_PUBLISH_LIMITS, ...definedLimits(options) }, () => {
      this.#askResync = true;
    });
    this.#subscriptions = new Subscriptions(this.#sub, (channels) => this.#caughtUp(channels), onError);
    const [pubProbe, subProbe] = (this.#probes = [new RedisProbe(this.#pub), new RedisProbe(this.#sub)]);
    this.#pub.on('error', onError);
    this.#pub.on('ready', () => {
      this.#connectionReady();
      this.#queue.pump();
    });
    this.#pub.on('close', () => {
      this.#connectionLost();
      pubProbe.connectionLost();
      this.#queue.connectionLost();
    });
    this.#sub.on('error', onError);
    this.#sub.on('message', (channel: string, payload: string) => this.#receive(channel, payload));
    this.#sub.on('ready', () => {
      this.#connectionReady();
      this.#subscriptions.connected();
    });
    this.#sub.on('close', () => {
      this.#connectionLost();
      subProbe.connectionLost();
      this.#subscriptions.connectionLost();
    });
    this.#subscriptions.want(this.#prefix + RESYNC_CHANNEL);
    // PINGs measure stalls for health; an answer on the publisher also means everything before it was sent.
    this.#probeTimer = setInterval(() => {
      pubProbe.ping(() => this.#maybeAskResync());
      subProbe.ping(() => undefined);
    }, Math.max(100, Math.floor(this.#stallMs / 2)));
    this.#probeTimer.unref();
  }

  /** Resolves once both connections are ready (for start-up and tests). */
  async ready(): Promise<void> {
    await Promise.all([this.#pub, this.#sub].map((r) => (r.status === 'ready' ? Promise.resolve() : once(r, 'ready'))));
  }

  /** Delivers to this node's subscribers now and queues the message for the other nodes; never waits for Redis. */
  publish(topic: string, message: BusMessage): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#deliver(topic, message);
    const header: Header = [this.nodeId, message.seq ?? null, message.membership ?? null, message.rev ?? null];
    this.#queue.push({
      channel: this.#prefix + topic,
      payload: `${JSON.stringify(header)}\n${message.frame}`,
      repeatable: message.rev !== undefined,
      expiresAt: message.expiresAt,
    });
    this.#maybeAskResync();
    return Promise.resolve();
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let handlers = this.#topics.get(topic);
    if (!handlers) {
      handlers = new Set();
      this.#topics.set(topic, handlers);
      this.#subscriptions.want(this.#prefix + topic);
    }
    handlers.add(handler);
    return () => {
      const set = this.#topics.get(topic);
      if (!set?.delete(handler) || set.size > 0) return;
      this.#topics.delete(topic);
      this.#subscriptions.drop(this.#prefix + topic);
    };
  }

  /** Resolves once Redis confirmed the subscription to `topic` (pending while Redis is away, however long). */
  whenSubscribed(topic: string): Promise<void> {
    return this.#subscriptions.whenSubscribed(this.#prefix + topic);
  }

  onResync(listener: (topics?: readonly string[]) => void): () => void {
    this.#resync.add(listener);
    return () => this.#resync.delete(listener);
  }

  /** Messages waiting to be sent to Redis (bounded; see {@link DEFAULT_PUBLISH_LIMITS}). */
  get queued(): number {
    return this.#queue.queued + this.#queue.inFlight;
  }

  /** Messages dropped so far because Redis was away or slow for too long (the other nodes were asked to catch up). */
  get dropped(): number {
    return this.#queue.dropped;
  }

  /** Both connections ready, answering within `stallMs`, every subscription in place. */
  health(): HealthCheck {
    const now = Date.now();
    for (const [name, redis] of [['publisher', this.#pub], ['subscriber', this.#sub]] as const) {
      if (redis.status !== 'ready') {
        return { status: 'down', reason: `the ${name} connection to Redis is ${redis.status}`, since: this.#downSince ?? now };
      }
    }
    const waiting = Math.max(...this.#probes.map((probe) => probe.waitingMs(now)));
    if (waiting > this.#stallMs) {
      return { status: 'stalled', reason: `Redis has not answered a PING for ${waiting} ms`, since: now - waiting };
    }
    const pending = this.#subscriptions.pending();
    if (pending.since !== null && now - pending.since > this.#stallMs) {
      return { status: 'down', reason: `${pending.count} subscription(s) not in place yet`, since: pending.since };
    }
    return { status: 'ok' };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#probeTimer);
    this.#topics.clear();
    this.#resync.clear();
    this.#subscriptions.close();
    this.#queue.clear();
    await Promise.all([this.#pub, this.#sub].map((r) => quit(r)));
  }

  #connectionReady(): void {
    if (this.#pub.status === 'ready' && this.#sub.status === 'ready') this.#downSince = null;
  }

  #connectionLost(): void {
    this.#downSince ??= Date.now();
  }

  /** After drops, once nothing waits any more: tells the other nodes to fill from storage (behind everything sent). */
  #maybeAskResync(): void {
    if (!this.#askResync || this.#queue.queued > 0 || this.#pub.status !== 'ready' || this.#closed) return;
    this.#askResync = false;
    const header: Header = [this.nodeId, null, null, null];
    this.#queue.push({ channel: this.#prefix + RESYNC_CHANNEL, payload: `${JSON.stringify(header)}\n`, repeatable: false });
  }

  /** Subscriptions that had to wait are in place: their topics may have missed messages. */
  #caughtUp(channels: string[]): void {
    const topics = channels
      .map((channel) => channel.slice(this.#prefix.length))
      .filter((topic) => topic !== RESYNC_CHANNEL);
    if (topics.length > 0) this.#fireResync(topics);
  }

  #fireResync(topics?: readonly string[]): void {
    for (const listener of [...this.#resync]) listener(topics);
  }

  #receive(channel: string, payload: string): void {
    if (!channel.startsWith(this.#prefix)) return;
    const newline = payload.indexOf('\n');
    if (newline < 0) return;
    let header: Header;
    try {
      header = JSON.parse(payload.slice(0, newline)) as Header;
    } catch {
      return; // not ours
    }
    if (!Array.isArray(header) || header[0] === this.nodeId) return;
    const topic = channel.slice(this.#prefix.length);
    if (topic === RESYNC_CHANNEL) return this.#fireResync();
    const message: BusMessage = { frame: payload.slice(newline + 1) };
    if (typeof header[1] === 'number') message.seq = header[1];
    if (typeof header[3] === 'number') message.rev = header[3];
    if (header[2]) message.membership = header[2];
    this.#deliver(topic, message);
  }

  #deliver(topic: string, message: BusMessage): void {
    const handlers = this.#topics.get(topic);
    if (!handlers) return;
    for (const handler of [...handlers]) {
      try {
        handler(message, topic);
      } catch {
        // A subscriber's failure is its own; the others still get the message.
      }
    }
  }
}

/** The limits given in `options`, without the keys left undefined (so they do not hide the defaults). */
function definedLimits(options: Partial<PublishLimits>): Partial<PublishLimits> {
  const limits: Partial<PublishLimits> = {};
  for (const key of ['maxQueued', 'maxQueuedBytes', 'maxInFlight', 'maxInFlightBytes'] as const) {
    const value = options[key];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/** QUIT, or cut the connection when Redis does not confirm within {@link CLOSE_WAIT_MS} (it may be stalled). */
async function quit(redis: Redis): Promise<void> {
  const timer = setTimeout(() => redis.disconnect(), CLOSE_WAIT_MS);
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

function once(emitter: Redis, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}
