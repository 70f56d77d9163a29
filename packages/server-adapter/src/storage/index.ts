export type * from './storage.js';
export { StorageError, isStorageError, type StorageErrorCode } from './errors.js';
export { DEFAULT_SEARCH_TIMEOUT_MS } from './common/search-plan.js';
export {
  SqliteStorage,
  createSqliteStorage,
  SQLITE_FILE_NAME,
  SchemaTooNewError,
  type SqliteStorageOptions,
} from './sqlite/index.js';
export {
  PostgresStorage,
  createPostgresStorage,
  PG_MIGRATIONS,
  PgSchemaTooNewError,
  type PostgresStorageOptions,
} from './postgres/index.js';
