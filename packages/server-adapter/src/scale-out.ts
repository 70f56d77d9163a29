/**
 * The defaults `createServer` picks for storage and bus: SQLite and the
 * in-process bus on one node, or PostgreSQL (`databaseUrl`) and Redis
 * (`redisUrl`) when several nodes share the work. See docs/scaling.md.
 */
import type { Logger } from 'pino';
import type { Bus } from './bus/bus.js';
import { InProcessBus } from './bus/in-process-bus.js';
import { RedisBus } from './bus/redis-bus.js';
import { RoomOrderBus } from './bus/room-order.js';
import { RedisCallDirectory } from './calls/call-directory.js';
import type { CallDirectory } from './calls/call-directory.js';
import type { EncryptionKey } from './encryption/key.js';
import type { ResolvedOptions, ServerOptions } from './options.js';
import { storageFill } from './rooms/gap-fill.js';
import { createPostgresStorage } from './storage/postgres/index.js';
import { createSqliteStorage } from './storage/sqlite/index.js';
import type { Storage } from './storage/storage.js';

/**
 * The storage the server uses: the given one, PostgreSQL for `databaseUrl`,
 * else SQLite under `dataDir` (encrypted with `encryptionKey` when there is one).
 */
export function defaultStorage(options: ServerOptions, dataDir: string, encryptionKey: EncryptionKey | null): Storage {
  if (options.storage) return options.storage;
  if (options.databaseUrl) return createPostgresStorage({ ...options.postgres, connectionString: options.databaseUrl });
  return createSqliteStorage(encryptionKey ? { dataDir, encryptionKey } : { dataDir });
}

/** How long a single node holds a room event whose predecessor has not been published yet before reading it from storage (ms). */
const LOCAL_GAP_WAIT_MS = 250;

/**
 * The bus the server uses: the given one; else, on one node, the in-process
 * bus, or for `redisUrl`, Redis pub/sub — both with each room's message
 * events put in rev order and gaps filled from `storage`. One node needs the
 * order too: connections publish after their own acks, so two senders'
 * events would otherwise leave in ack order, and a client that resumes from
 * the newest rev it saw would skip the older ones still on their way.
 */
export function defaultBus(options: ServerOptions, storage: Storage, logger: Logger): Bus {
  if (options.bus) return options.bus;
  const lastRev = async (room: string): Promise<number | null> => (await storage.getRoom(room))?.rev ?? null;
  if (!options.redisUrl) {
    return new RoomOrderBus(new InProcessBus(), storageFill(storage), {
      gapWaitMs: LOCAL_GAP_WAIT_MS,
      lastRev,
      onError: (error, room) => logger.warn({ err: error, room }, 'reading a room event back from storage failed; will retry'),
    });
  }
  // ioredis reports every failed reconnect; one line per outage is enough.
  let reported = false;
  const redis = new RedisBus({
    url: options.redisUrl,
    prefix: options.redisPrefix,
    onError: (error) => {
      if (reported) return;
      reported = true;
      logger.warn({ err: error }, 'redis bus connection lost; reconnecting');
    },
  });
  redis.onResync((topics) => {
    reported = false;
    logger.info({ topics: topics?.length ?? 'all' }, 'redis bus caught up; filling missed room messages from storage');
  });
  return new RoomOrderBus(redis, storageFill(storage), {
    lastRev,
    onError: (error, room) => logger.warn({ err: error, room }, 'gap fill failed; will retry'),
  });
}

/**
 * Who hosts each call: with `redisUrl` (and the Redis bus), a key per call
 * in Redis, so one node runs a call for clients of every node; otherwise
 * none (this node hosts all its calls, as a single node does).
 */
export function defaultCallDirectory(options: ServerOptions, resolved: ResolvedOptions, logger: Logger): CallDirectory | undefined {
  if (options.bus || !options.redisUrl || !resolved.calls.enabled) return undefined;
  let reported = false;
  return new RedisCallDirectory({
    url: options.redisUrl,
    prefix: options.redisPrefix,
    ttlMs: resolved.calls.ownerTtlMs,
    onError: (error) => {
      if (reported) return;
      reported = true;
      logger.warn({ err: error }, 'redis connection of the call directory lost; reconnecting');
    },
  });
}
