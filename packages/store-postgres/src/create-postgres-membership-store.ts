import { StoreError, type MembershipStore } from '@groupsync/core'
import { loadPGlite } from './internal/load-pglite.js'
import { mapPgError } from './internal/map-pg-error.js'
import { defaultMapping, resolveMapping } from './internal/mapping.js'
import { DEFAULT_SCHEMA, quoteSchema } from './internal/schema-name.js'
import { checkSliceFold } from './internal/slice-fold.js'
import { migrate } from './migrate.js'
import { fromPgPool, type PgPoolLike } from './pg-pool-client.js'
import { fromPGlite, type PGliteLike } from './pglite-client.js'
import {
  DEFAULT_POSTGRES_STORE_TIMEOUTS,
  postgresMembershipStore,
  type PostgresStoreFaultPoint,
  type PostgresStoreTimeouts,
} from './postgres-membership-store.js'
import type { SqlClient } from './sql-client.js'
import type { TablesDescription } from './tables.js'

/**
 * Where a Postgres store keeps its data: give at most one of `client`, `pool`, `pglite` or
 * `dataDir`. With none, the store opens an embedded in-memory PGlite database: no server needed.
 * The embedded store (none, or `dataDir`) needs the optional peer `@electric-sql/pglite`; without
 * it, it fails with `STORE_DEPENDENCY_MISSING`.
 */
export interface PostgresMembershipStoreOptions {
  /** A SQL client you built (`fromPgPool`, `fromPGlite`, or your own adapter). */
  readonly client?: SqlClient
  /** A node-postgres pool, e.g. `new pg.Pool({ connectionString })`. Left open by `close()`. */
  readonly pool?: PgPoolLike
  /**
   * With `pool` only: send the store's statements as named prepared statements, so that each
   * connection parses and plans each of them once (see {@link fromPgPool}); default false. Turn
   * it on when the pool connects to the server itself, or through PgBouncer 1.21+ with
   * `max_prepared_statements` set; through an older PgBouncer in transaction mode calls fail
   * (`STORE_UNAVAILABLE`: `prepared statement "…" does not exist`, or `… already exists`).
   */
  readonly preparedStatements?: boolean
  /** An embedded PGlite database you opened. Left open by `close()`. */
  readonly pglite?: PGliteLike
  /** A directory for an embedded PGlite database the store opens, and closes on `close()`. */
  readonly dataDir?: string
  /** The schema of groupsync's own tables; default `groupsync`. */
  readonly schema?: string
  /**
   * The application's own groups and memberships tables, for a store that works on them in
   * place; without it, groupsync's default tables in `schema`. Its own tables (settings, last
   * syncs, removals, the audit log) stay in `schema` either way: run {@link migrate} with the same
   * `tables` once per deployment.
   */
  readonly tables?: TablesDescription
  /**
   * Whether to run {@link migrate} before returning the store. Default: true on PGlite (nothing
   * else would), false on a server, where migrations are a deployment step.
   */
  readonly migrate?: boolean
  /** Attempts of a transaction that hits a serialisation failure or deadlock; default 3. */
  readonly maxAttempts?: number
  /**
   * Time limits in milliseconds (0: none), each defaulting to
   * {@link DEFAULT_POSTGRES_STORE_TIMEOUTS}: the server's lock, statement and
   * idle-in-transaction timeouts of every transaction, and a client-side bound on every call.
   * Running out of one is `STORE_TIMEOUT`, with nothing written.
   */
  readonly timeouts?: Partial<PostgresStoreTimeouts>
}

const invalidOptions = (path: string, message: string): StoreError =>
  new StoreError('STORE_INVALID_INPUT', message, { path })

/**
 * Creates the Postgres membership store: on a server through node-postgres (or any
 * {@link SqlClient}), or embedded with PGlite (the default, in memory or in `dataDir`); on
 * groupsync's default tables or, with `tables`, on the application's own. One login is one
 * transaction of five statements whatever the size of the change or of the organisation:
 * BEGIN, the per-(org, user) advisory locks, one read of the settings, the claim's slice of the
 * groups, the user's memberships and last sync, one write, COMMIT.
 *
 * @example
 * ```ts
 * // Embedded, persisted in a directory, migrated on open:
 * const store = await createPostgresMembershipStore({ dataDir: './groupsync-data' })
 *
 * // A server (run `migrate(fromPgPool(pool))` once when deploying):
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * const store2 = await createPostgresMembershipStore({ pool })
 * ```
 */
export const createPostgresMembershipStore = (
  options: PostgresMembershipStoreOptions = {},
): Promise<MembershipStore> => openPostgresStore(options, undefined)

/** {@link createPostgresMembershipStore}, with the test-only fault hook of `/testing`. */
export const openPostgresStore = async (
  options: PostgresMembershipStoreOptions,
  testOnlyFaultHook: ((point: PostgresStoreFaultPoint) => void | Promise<void>) | undefined,
): Promise<MembershipStore> => {
  const schema = options.schema ?? DEFAULT_SCHEMA
  quoteSchema(schema)
  const given = [options.client, options.pool, options.pglite, options.dataDir].filter(
    (x) => x !== undefined,
  )
  if (given.length > 1) {
    throw invalidOptions('', 'Give at most one of client, pool, pglite and dataDir.')
  }
  const { preparedStatements } = options
  if (preparedStatements !== undefined && typeof preparedStatements !== 'boolean') {
    throw invalidOptions('/preparedStatements', 'preparedStatements must be true or false.')
  }
  if (preparedStatements === true && options.pool === undefined) {
    throw invalidOptions(
      '/preparedStatements',
      'preparedStatements applies to a pool only; for your own client, build it with fromPgPool(pool, { preparedStatements: true }).',
    )
  }
  const maxAttempts = options.maxAttempts ?? 3
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw invalidOptions('/maxAttempts', 'maxAttempts must be a whole number of at least 1.')
  }
  const timeouts = { ...DEFAULT_POSTGRES_STORE_TIMEOUTS, ...options.timeouts }
  for (const [name, ms] of Object.entries(timeouts)) {
    // Postgres keeps these as 32-bit milliseconds; setTimeout allows the same range.
    if (!Number.isSafeInteger(ms) || ms < 0 || ms > 2_147_483_647) {
      throw invalidOptions(
        `/timeouts/${name}`,
        `timeouts.${name} must be a whole number of milliseconds, 0 for none.`,
      )
    }
  }

  let client: SqlClient
  let release = (): Promise<void> => Promise.resolve()
  let embedded = options.pglite !== undefined
  if (options.client !== undefined) client = options.client
  else if (options.pool !== undefined) {
    client = fromPgPool(options.pool, { preparedStatements: preparedStatements === true })
  } else if (options.pglite !== undefined) client = fromPGlite(options.pglite)
  else {
    // Loaded only here, so that server users never load (or need to install) PGlite.
    const { PGlite } = await loadPGlite()
    const db = await PGlite.create(options.dataDir)
    client = fromPGlite(db)
    release = () => db.close()
    embedded = true
  }

  let mapping
  try {
    if (options.migrate ?? embedded) {
      await migrate(client, { schema, ...(options.tables && { tables: options.tables }) })
    }
    const q = quoteSchema(schema)
    mapping =
      options.tables === undefined
        ? defaultMapping(q)
        : await resolveMapping(client, q, options.tables)
    checkSliceFold()
  } catch (error) {
    await release()
    // The description's refusals pass through as they are; a database that fails is coded.
    throw mapPgError(error, 'createPostgresMembershipStore')
  }
  return postgresMembershipStore({
    client,
    schema,
    mapping,
    maxAttempts,
    timeouts,
    testOnlyFaultHook,
    release,
  })
}
