export { SqliteStorage, createSqliteStorage, SQLITE_FILE_NAME, type SqliteStorageOptions } from './sqlite-storage.js';
export { MIGRATIONS, SchemaTooNewError, migrate, type Migration } from './migrations.js';
