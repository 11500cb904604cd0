// The public API of @groupsync/store-postgres: the store (on groupsync's tables or the
// application's own, described by a TablesDescription), its options, its migrations, the SQL
// client port with one adapter per driver. A driver that is not installed is the coded error
// STORE_DEPENDENCY_MISSING, matched by its code.
// The drivers' shapes (PgPoolLike, PGliteLike) are named for a service that wraps the adapters.
export { createPostgresMembershipStore } from './create-postgres-membership-store.js'
export type { PostgresMembershipStoreOptions } from './create-postgres-membership-store.js'
export type { TablesDescription } from './tables.js'
export { migrate } from './migrate.js'
export type { MigrationResult } from './migrate.js'
export { fromPgPool } from './pg-pool-client.js'
export type { PgPoolLike } from './pg-pool-client.js'
export { fromPGlite } from './pglite-client.js'
export type { PGliteLike } from './pglite-client.js'
export { fromPostgresJs } from './postgres-js-client.js'
export type { SqlClient, SqlTransaction } from './sql-client.js'
