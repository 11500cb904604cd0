// The public API of @groupsync/store-postgres: the store (on groupsync's tables or the
// application's own), its migrations, and the SQL client port with its adapters.
export { createPostgresMembershipStore } from './create-postgres-membership-store.js'
export type { PostgresMembershipStoreOptions } from './create-postgres-membership-store.js'
export { DEFAULT_POSTGRES_STORE_TIMEOUTS } from './postgres-membership-store.js'
export type { PostgresStoreTimeouts } from './postgres-membership-store.js'
export type { ColumnValue, GroupsTable, MembershipsTable, TablesDescription } from './tables.js'
export { migrate } from './migrate.js'
export type { MigrateOptions, MigrationResult } from './migrate.js'
export { fromPgPool } from './pg-pool-client.js'
export type { PgPoolClientLike, PgPoolClientOptions, PgPoolLike } from './pg-pool-client.js'
export { fromPGlite } from './pglite-client.js'
export type { PGliteLike } from './pglite-client.js'
export { fromPostgresJs } from './postgres-js-client.js'
export type { PostgresJsLike } from './postgres-js-client.js'
export type {
  SqlClient,
  SqlQueryable,
  SqlResult,
  SqlTransaction,
  TransactionLimits,
} from './sql-client.js'
export { StoreDependencyError } from './store-dependency-error.js'
