import { StoreError, type MembershipStore } from '@groupsync/core'
import { loadPGlite } from './internal/load-pglite.js'
import { DEFAULT_SCHEMA, quoteSchema } from './internal/schema-name.js'
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
  /**
   * With `pool`: send a unit of work's BEGIN, locks and read together, in one round trip
   * (`fromPgPool`'s `batchStatements`); default true. Set false for a pool whose clients are not
   * node-postgres and do not run submittable queries.
   */
  readonly batchStatements?: boolean
  /** An embedded PGlite database you opened. Left open by `close()`. */
  readonly pglite?: PGliteLike
  /** A directory for an embedded PGlite database the store opens, and closes on `close()`. */
  readonly dataDir?: string
  /** The schema of the store's tables; default `groupsync`. */
  readonly schema?: string
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
  /**
   * TEST ONLY. Called at each {@link PostgresStoreFaultPoint} inside a transaction; a throw there
   * rolls the transaction back, as a crash would. Never set this in production code.
   */
  readonly testOnlyFaultHook?: (point: PostgresStoreFaultPoint) => void | Promise<void>
}

const invalidOptions = (message: string): StoreError =>
  new StoreError('STORE_INVALID_INPUT', message, { path: 'options' })

/**
 * Creates the Postgres membership store: on a server through node-postgres, or embedded with
 * PGlite (the default, in memory or in `dataDir`). One login is one transaction of at most five
 * statements whatever the size of the change or of the organisation: BEGIN, the per-(org, user)
 * advisory locks, one read of the settings, the claim's slice of the groups, the user's
 * memberships and last sync, one write, COMMIT.
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
export const createPostgresMembershipStore = async (
  options: PostgresMembershipStoreOptions = {},
): Promise<MembershipStore> => {
  const schema = options.schema ?? DEFAULT_SCHEMA
  quoteSchema(schema)
  const given = [options.client, options.pool, options.pglite, options.dataDir].filter(
    (x) => x !== undefined,
  )
  if (given.length > 1) {
    throw invalidOptions('Give at most one of client, pool, pglite and dataDir.')
  }
  const { preparedStatements, batchStatements } = options
  // Each with the value that is not its default: only a pool can do anything with it.
  const poolOnly = [
    ['preparedStatements', preparedStatements, true],
    ['batchStatements', batchStatements, false],
  ] as const
  for (const [name, value, changed] of poolOnly) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw invalidOptions(`${name} must be true or false.`)
    }
    if (value === changed && options.pool === undefined) {
      throw invalidOptions(
        `${name} applies to a pool only; for your own client, build it with fromPgPool(pool, { ${name}: ${String(value)} }).`,
      )
    }
  }
  const maxAttempts = options.maxAttempts ?? 3
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw invalidOptions('maxAttempts must be a whole number of at least 1.')
  }
  const timeouts = { ...DEFAULT_POSTGRES_STORE_TIMEOUTS, ...options.timeouts }
  for (const [name, ms] of Object.entries(timeouts)) {
    // Postgres keeps these as 32-bit milliseconds; setTimeout allows the same range.
    if (!Number.isSafeInteger(ms) || ms < 0 || ms > 2_147_483_647) {
      throw invalidOptions(`timeouts.${name} must be a whole number of milliseconds, 0 for none.`)
    }
  }

  let client: SqlClient
  let release = (): Promise<void> => Promise.resolve()
  let embedded = options.pglite !== undefined
  if (options.client !== undefined) client = options.client
  else if (options.pool !== undefined) {
    client = fromPgPool(options.pool, {
      preparedStatements: preparedStatements === true,
      batchStatements: batchStatements !== false,
    })
  } else if (options.pglite !== undefined) client = fromPGlite(options.pglite)
  else {
    // Loaded only here, so that server users never load (or need to install) PGlite.
    const { PGlite } = await loadPGlite()
    const db = await PGlite.create(options.dataDir)
    client = fromPGlite(db)
    release = () => db.close()
    embedded = true
  }

  if (options.migrate ?? embedded) {
    try {
      await migrate(client, { schema })
    } catch (error) {
      await release()
      throw error
    }
  }
  return postgresMembershipStore({
    client,
    schema,
    maxAttempts,
    timeouts,
    testOnlyFaultHook: options.testOnlyFaultHook,
    release,
  })
}
