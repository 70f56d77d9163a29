/**
 * @parley/server-adapter: the Parley reference server.
 *
 * ```ts
 * import { createServer } from '@parley/server-adapter';
 * const server = createServer({ auth: { secret: process.env.PARLEY_JWT_SECRET } });
 * await server.listen(8787);
 * ```
 */
export { createServer, WS_PATH } from './server.js';
export type { AttachOptions, ListenResult, ParleyServer } from './server.js';
export { ConfigError, DEFAULT_ABUSE, DEFAULT_TIMING } from './options.js';
export type { TrustProxySetting } from './auth/proxy-trust.js';
export type {
  AbuseOptions,
  AuthOptions,
  ModerationContext,
  ModerationVerdict,
  ServerHooks,
  ServerOptions,
  TimingOptions,
} from './options.js';
export { DEFAULT_QUOTAS } from './quotas/quota-options.js';
export type { QuotaOptions, WindowQuota } from './quotas/quota-options.js';
export { DEFAULT_WEBHOOKS } from './webhooks/webhook-options.js';
export type { WebhookOptions } from './webhooks/webhook-options.js';
export { DEFAULT_SIGNATURE_TOLERANCE_SECONDS, SIGNATURE_HEADER, signWebhookBody, verifyWebhookSignature } from './webhooks/signature.js';
export type { Bus, BusHandler, BusMessage } from './bus/bus.js';
export { InProcessBus } from './bus/in-process-bus.js';
export { DEFAULT_PUBLISH_LIMITS, RedisBus, type RedisBusOptions, type ResyncingBus } from './bus/redis-bus.js';
export type { PublishLimits } from './bus/redis-publish-queue.js';
export type { HealthCheck, HealthReport } from './health.js';
export { RoomOrderBus, type FillChanges, type RoomOrderOptions } from './bus/room-order.js';
export type * from './storage/storage.js';
export { SqliteStorage, StorageError, createSqliteStorage, isStorageError } from './storage/index.js';
export type { SqliteStorageOptions, StorageErrorCode } from './storage/index.js';
export { DEFAULT_SEARCH_TIMEOUT_MS } from './storage/index.js';
export type { SearchOptions } from './storage/index.js';
export { PostgresStorage, createPostgresStorage } from './storage/index.js';
export type { PostgresStorageOptions } from './storage/index.js';
export { POLICY, ROLE_RANK, can } from './rooms/policy.js';
export { EncryptionError, isEncryptionError, type EncryptionErrorCode } from './encryption/errors.js';
export { EncryptionKey } from './encryption/key.js';
export { rekeyDataDir, type RekeyOptions, type RekeyResult } from './encryption/rekey.js';
export type { PolicyQuery, RoomAction } from './rooms/policy.js';
