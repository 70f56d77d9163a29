/**
 * A `Bus` across server nodes on Redis pub/sub (ioredis).
 *
 * Each node holds two connections: one that publishes and one that
 * subscribes, with one Redis channel per topic that has local subscribers
 * (`<prefix><topic>`, e.g. `parley:room:r1`). A publish is delivered to this
 * node's subscribers at once, like the in-process bus, and sent to Redis for
 * the others; a node ignores its own messages coming back.
 *
 * Redis pub/sub is at-most-once: a message published while a node's
 * subscriber is disconnected is gone. Publishes never wait for Redis (they
 * fail at once while it is down), and `onResync` tells the layer above when
 * the subscriber is back so it can fill what it missed from storage (see
 * `room-order.ts`).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Bus, BusHandler, BusMessage } from './bus.js';

/** Settings of a {@link RedisBus}. */
export interface RedisBusOptions {
  /** `redis://host:port/db` (the `REDIS_URL` of the CLI). */
  url: string;
  /** Prefix of every channel, so deployments (and tests) can share one Redis; default `parley:`. */
  prefix?: string;
  /** This node's id, carried in every message; default random. */
  nodeId?: string;
  /** Called with connection errors (they are retried; nothing is thrown). */
  onError?: (error: Error) => void;
}

/** A bus that also says when it may have missed messages. */
export interface ResyncingBus extends Bus {
  /** `listener` runs whenever messages may have been lost (the subscriber reconnected). Returns an unsubscribe function. */
  onResync(listener: () => void): () => void;
  /** Resolves once a subscription to `topic` took effect, so messages published after that reach it. */
  whenSubscribed?(topic: string): Promise<void>;
}

/** Header of a message on the wire: [node id, seq, membership, rev]. The frame follows after a newline. */
type Header = [string, number | null, BusMessage['membership'] | null, number | null];

/** The Redis implementation of {@link Bus}. */
/** Room messages kept for a republish after an outage; older ones are left to gap fill and client resume. */
const MAX_UNSENT = 10_000;

export class RedisBus implements ResyncingBus {
  /** This node's id. */
  readonly nodeId: string;
  readonly #prefix: string;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #topics = new Map<string, Set<BusHandler>>();
  /** Per subscribed topic: settles once Redis confirmed the SUBSCRIBE. */
  readonly #subscribed = new Map<string, Promise<void>>();
  readonly #resync = new Set<() => void>();
  /** Room messages whose publish failed while Redis was away, oldest first. */
  readonly #unsent: [channel: string, payload: string][] = [];
  #wasReady = false;
  #closed = false;

  /** Connects (in the background; publishes fail until Redis answers). */
  constructor(options: RedisBusOptions) {
    this.nodeId = options.nodeId ?? randomBytes(6).toString('hex');
    this.#prefix = options.prefix ?? 'parley:';
    const onError = options.onError ?? (() => undefined);
    const common = {
      // Reconnect forever, backing off to 2 s: the bus must come back by itself.
      retryStrategy: (times: number) => Math.min(100 * times, 2_000),
      maxRetriesPerRequest: 1,
    };
    // No offline queue: a publish while Redis is away fails now instead of hanging the sender.
    this.#pub = new Redis(options.url, { ...common, enableOfflineQueue: false, connectionName: `parley-pub-${this.nodeId}` });
    this.#sub = new Redis(options.url, { ...common, autoResubscribe: true, connectionName: `parley-sub-${this.nodeId}` });
    this.#pub.on('error', onError);
    this.#pub.on('ready', () => this.#republish());
    this.#sub.on('error', onError);
    this.#sub.on('message', (channel: string, payload: string) => this.#receive(channel, payload));
    this.#sub.on('ready', () => {
      // The first ready is the start; later ones follow a lost connection.
      if (this.#wasReady) {
        // ioredis re-sends the SUBSCRIBEs right after emitting 'ready'; a PING sent after them is
        // answered once they took effect, so a fill that starts then misses nothing published later.
        setImmediate(() => {
          this.#sub
            .ping()
            .catch(() => undefined)
            .finally(() => {
              for (const listener of [...this.#resync]) listener();
            });
        });
      }
      this.#wasReady = true;
    });
  }

  /** Resolves once both connections are ready (for start-up and tests). */
  async ready(): Promise<void> {
    await Promise.all([this.#pub, this.#sub].map((r) => (r.status === 'ready' ? Promise.resolve() : once(r, 'ready'))));
  }

  async publish(topic: string, message: BusMessage): Promise<void> {
    if (this.#closed) return;
    this.#deliver(topic, message);
    const header: Header = [this.nodeId, message.seq ?? null, message.membership ?? null, message.rev ?? null];
    const channel = this.#prefix + topic;
    const payload = `${JSON.stringify(header)}\n${message.frame}`;
    try {
      await this.#pub.publish(channel, payload);
    } catch (error) {
      // Other nodes find a lost message as a gap only when a later one arrives; the last ones
      // before a quiet spell are sent again once Redis is back (receivers drop repeats by rev).
      if (message.rev !== undefined) this.#remember(channel, payload);
      throw error;
    }
  }

  /** Keeps a room message whose publish failed, to send again when the publisher reconnects (bounded). */
  #remember(channel: string, payload: string): void {
    this.#unsent.push([channel, payload]);
    if (this.#unsent.length > MAX_UNSENT) this.#unsent.shift();
  }

  #republish(): void {
    const unsent = this.#unsent.splice(0);
    for (const [channel, payload] of unsent) this.#pub.publish(channel, payload).catch(() => this.#remember(channel, payload));
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let handlers = this.#topics.get(topic);
    if (!handlers) {
      handlers = new Set();
      this.#topics.set(topic, handlers);
      // ioredis queues the command until connected and repeats it after a reconnect.
      this.#subscribed.set(
        topic,
        this.#sub.subscribe(this.#prefix + topic).then(
          () => undefined,
          () => undefined,
        ),
      );
    }
    handlers.add(handler);
    return () => {
      const set = this.#topics.get(topic);
      if (!set?.delete(handler) || set.size > 0) return;
      this.#topics.delete(topic);
      this.#subscribed.delete(topic);
      if (!this.#closed) this.#sub.unsubscribe(this.#prefix + topic).catch(() => undefined);
    };
  }

  /** Resolves once Redis confirmed the subscription to `topic` (pending while Redis is away). */
  whenSubscribed(topic: string): Promise<void> {
    return this.#subscribed.get(topic) ?? Promise.resolve();
  }

  onResync(listener: () => void): () => void {
    this.#resync.add(listener);
    return () => this.#resync.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#topics.clear();
    this.#resync.clear();
    await Promise.all([this.#pub, this.#sub].map((r) => r.quit().catch(() => r.disconnect())));
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
    const message: BusMessage = { frame: payload.slice(newline + 1) };
    if (typeof header[1] === 'number') message.seq = header[1];
    if (typeof header[3] === 'number') message.rev = header[3];
    if (header[2]) message.membership = header[2];
    this.#deliver(channel.slice(this.#prefix.length), message);
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

function once(emitter: Redis, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}
