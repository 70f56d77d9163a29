export { PostgresStorage, createPostgresStorage, type PostgresStorageOptions } from './postgres-storage.js';
export { PG_MIGRATIONS, PgSchemaTooNewError, migratePostgres, type PgMigration } from './migrations.js';
