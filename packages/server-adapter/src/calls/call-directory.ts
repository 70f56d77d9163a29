/**
 * Which node owns a room's call. One node runs a call's mediasoup router;
 * the others forward their clients' `call.*` requests to it (see
 * `call-cluster.ts`).
 *
 * On one node ({@link LocalCallDirectory}) this node owns every call and
 * nothing is stored. With Redis ({@link RedisCallDirectory}) the owner is
 * the key `<prefix>call:<room>`, holding the owner's node id (its bus
 * address is the topic `node:<id>`). A node claims it with `SET NX PX`,
 * keeps it alive while the call lives (every third of the TTL) and deletes
 * it when the call ends; a node that dies stops refreshing, so its key
 * expires within one TTL and the next join opens the call on a live node.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** See the module comment. */
export interface CallDirectory {
  /** This node's id (its bus topic is `node:<id>`). */
  readonly nodeId: string;
  /** False on one node: every call is this node's and nothing needs refreshing. */
  readonly shared: boolean;
  /** The node owning the room's call, or null when nobody does. */
  owner(room: string): Promise<string | null>;
  /** Claims the room's call for this node unless another holds it; resolves with the owner after the claim. */
  claim(room: string): Promise<string>;
  /** Keeps this node's claims alive (claiming again any that vanished); resolves with the rooms another node holds now. */
  refresh(rooms: string[]): Promise<string[]>;
  /** Gives up this node's claim (a no-op when another node holds it). */
  release(room: string): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when a claim finds the call owned by another node: the request goes there instead. */
export class OwnedElsewhere extends Error {
  override readonly name = 'OwnedElsewhere';
  readonly owner: string;

  /** `owner`: the node id holding the call. */
  constructor(owner: string) {
    super(`the call is hosted by node ${owner}`);
    this.owner = owner;
  }
}

/** A single node: it owns every call. */
export class LocalCallDirectory implements CallDirectory {
  readonly nodeId = randomBytes(6).toString('hex');
  readonly shared = false;

  owner(): Promise<string | null> {
    return Promise.resolve(this.nodeId);
  }

  claim(): Promise<string> {
    return Promise.resolve(this.nodeId);
  }

  refresh(): Promise<string[]> {
    return Promise.resolve([]);
  }

  release(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Settings of a {@link RedisCallDirectory}. */
export interface RedisCallDirectoryOptions {
  url: string;
  /** Key prefix (the bus's channel prefix); default `parley:`. */
  prefix?: string;
  /** How long a claim lives without a refresh (ms). */
  ttlMs: number;
  /** Connection errors (retried; nothing is thrown). */
  onError?: (error: Error) => void;
  /** A command Redis has not answered by then fails (ms); default 2 000. */
  commandTimeoutMs?: number;
}

/** Extends the key when it is ours; claims it again when it vanished (a Redis restart); 0 when another node holds it. */
const REFRESH = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

/** Deletes the key only while it is ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Call ownership in Redis; one small connection, opened on the first call. */
export class RedisCallDirectory implements CallDirectory {
  readonly nodeId = randomBytes(6).toString('hex');
  readonly shared = true;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(options: RedisCallDirectoryOptions) {
    this.#prefix = options.prefix ?? 'parley:';
    this.#ttlMs = options.ttlMs;
    this.#redis = new Redis(options.url, {
      lazyConnect: true,
      // A claim or lookup while Redis is away fails soon (the request answers call_unavailable) instead of hanging,
      // and so does one Redis does not answer (stalled): the join's answer must not wait on it.
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      retryStrategy: (times: number) => Math.min(100 * times, 2_000),
      connectionName: `parley-calls-${this.nodeId}`,
    });
    this.#redis.on('error', options.onError ?? (() => undefined));
  }

  #key(room: string): string {
    return `${this.#prefix}call:${room}`;
  }

  async owner(room: string): Promise<string | null> {
    return await this.#redis.get(this.#key(room));
  }

  async claim(room: string): Promise<string> {
    // The key can expire between a lost SET and the GET: try again, a bounded number of times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const set = await this.#redis.set(this.#key(room), this.nodeId, 'PX', this.#ttlMs, 'NX');
      if (set === 'OK') return this.nodeId;
      const owner = await this.owner(room);
      if (owner !== null) return owner;
    }
    throw new Error('the call owner key kept changing');
  }

  async refresh(rooms: string[]): Promise<string[]> {
    if (rooms.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const room of rooms) pipeline.eval(REFRESH, 1, this.#key(room), this.nodeId, this.#ttlMs);
    const results = (await pipeline.exec()) ?? [];
    const lost: string[] = [];
    results.forEach(([error, value], i) => {
      if (error) throw error;
      if (value === 0) lost.push(rooms[i]);
    });
    return lost;
  }

  async release(room: string): Promise<void> {
    await this.#redis.eval(RELEASE, 1, this.#key(room), this.nodeId);
  }

  async close(): Promise<void> {
    if (this.#redis.status === 'wait') {
      this.#redis.disconnect();
      return;
    }
    // QUIT fails after the command timeout when Redis is stalled; the connection is cut then.
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
