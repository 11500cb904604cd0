/** The rows a statement returned, as plain objects keyed by column name. */
export interface SqlResult {
  readonly rows: readonly Record<string, unknown>[]
}

/**
 * A statement runner: one SQL statement per `query`, with `$1`-style parameters. Values are
 * passed as strings, numbers, booleans, null or arrays of those; the store casts them in SQL.
 */
export interface SqlQueryable {
  readonly query: (text: string, params?: readonly unknown[]) => Promise<SqlResult>
}

/**
 * Server-side limits of one transaction, in milliseconds (0: none). A server client sets them
 * with `SET LOCAL` together with BEGIN, so they end with the transaction and work through a
 * transaction-pooling proxy such as PgBouncer.
 */
export interface TransactionLimits {
  /** `lock_timeout`: the longest wait for a lock (the per-user and per-org advisory locks). */
  readonly lockTimeoutMs: number
  /** `statement_timeout`: the longest any one statement runs. */
  readonly statementTimeoutMs: number
  /**
   * `idle_in_transaction_session_timeout`: the server ends a session that sits this long inside
   * the transaction without sending anything (a client that froze), releasing its locks.
   */
  readonly idleInTransactionTimeoutMs: number
}

/**
 * An open transaction on one connection, begun by {@link SqlClient.begin}. Exactly one of
 * `commit`, `rollback` or `abandon` ends it and gives the connection back.
 *
 * Statements run in the order `query` is called, and a call need not wait for the one before it
 * to settle: a client that pipelines (node-postgres in `pipeline` mode, postgres.js) sends them
 * without waiting, so statements issued together cost one round trip; any other client sends them
 * one after the other. BEGIN goes with the first statement. After a statement fails the server
 * refuses the rest of the transaction.
 */
export interface SqlTransaction extends SqlQueryable {
  /** Runs a script of several statements without parameters (the migrations). */
  readonly execScript: (script: string) => Promise<void>
  /**
   * Sends COMMIT after the statements already issued (which it need not wait for) and gives the
   * connection back. Resolves when the server committed. Rejects with the server's error, or an
   * error whose `code` is `25P02` when the server answered ROLLBACK (a statement before it failed):
   * nothing was committed. Rejects with a `StoreError` `STORE_UNAVAILABLE` when the connection had
   * broken before COMMIT could be sent: nothing was committed. Any other rejection (the connection
   * lost while COMMIT was on its way) leaves the outcome unknown.
   */
  readonly commit: () => Promise<void>
  /** Sends ROLLBACK and gives the connection back; never rejects. */
  readonly rollback: () => Promise<void>
  /**
   * Gives the transaction up at once, without waiting for a statement in flight (a connection
   * that froze): a server connection is destroyed, so the server rolls back. Without it, the
   * store calls `rollback` and does not wait for it.
   */
  readonly abandon?: (reason: Error) => void
}

/**
 * The small SQL interface the Postgres store needs, so that no driver appears in its API
 * (kysely's pattern). Build one with `fromPgPool`, `fromPGlite` or `fromPostgresJs`, or implement
 * it for another driver.
 *
 * @example
 * ```ts
 * const client = fromPgPool(new pg.Pool({ connectionString: process.env.DATABASE_URL, pipeline: true }))
 * await migrate(client)
 * const store = await createPostgresMembershipStore({ client })
 * ```
 */
export interface SqlClient extends SqlQueryable {
  /**
   * Takes a connection for a transaction; BEGIN, with the given limits where the database has
   * them, goes with the transaction's first statement.
   */
  readonly begin: (limits?: TransactionLimits) => Promise<SqlTransaction>
  /**
   * Whether transactions on different connections can run at the same time (true for a pool;
   * false for PGlite, whose one connection runs one transaction at a time).
   */
  readonly concurrent: boolean
}

/** The error a client's `commit` rejects with when the server answered COMMIT with ROLLBACK. */
export const rolledBack = (): Error =>
  Object.assign(
    new Error('the server rolled the transaction back: a statement before COMMIT failed'),
    { code: '25P02' },
  )
