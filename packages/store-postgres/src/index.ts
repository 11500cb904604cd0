export { createPostgresMembershipStore } from './create-postgres-membership-store.js'
export type { PostgresMembershipStoreOptions } from './create-postgres-membership-store.js'
export {
  DEFAULT_POSTGRES_STORE_TIMEOUTS,
  postgresMembershipStore,
} from './postgres-membership-store.js'
export type {
  PostgresStoreConfig,
  PostgresStoreFaultPoint,
  PostgresStoreTimeouts,
} from './postgres-membership-store.js'
export { migrate, listMigrations } from './migrate.js'
export type { MigrateOptions, MigrationResult } from './migrate.js'
export { fromPgPool } from './pg-pool-client.js'
export type {
  PgNamedQueryLike,
  PgPoolClientLike,
  PgPoolClientOptions,
  PgPoolLike,
  PgQueryResultLike,
} from './pg-pool-client.js'
export { fromPGlite } from './pglite-client.js'
export type { PGliteLike, PGliteResultLike, PGliteTransactionLike } from './pglite-client.js'
export { CommitNotSentError } from './sql-client.js'
export type {
  SqlClient,
  SqlQueryable,
  SqlResult,
  SqlStatement,
  SqlTransaction,
  TransactionLimits,
} from './sql-client.js'
export { DEFAULT_SCHEMA } from './internal/schema-name.js'
export { StoreDependencyError, STORE_DEPENDENCY_ERROR_CODES } from './store-dependency-error.js'
export type { StoreDependencyErrorCode } from './store-dependency-error.js'
