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

/** A statement and its parameters, one of a {@link SqlTransaction.batch}. */
export interface SqlStatement {
  readonly text: string
  readonly params: readonly unknown[]
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
 * Thrown by {@link SqlTransaction.commit} when COMMIT was never sent (the connection had already
 * broken): the transaction certainly did not commit. Any other failure of `commit` without an
 * answer from the server leaves the outcome unknown.
 */
export class CommitNotSentError extends Error {
  constructor(cause: unknown) {
    super('COMMIT was not sent: the connection had already broken', { cause })
    this.name = 'CommitNotSentError'
  }
}

/**
 * An open transaction on one connection, begun by {@link SqlClient.begin}. Exactly one of
 * `commit`, `rollback` or `abandon` ends it and gives the connection back.
 */
export interface SqlTransaction extends SqlQueryable {
  /**
   * Runs `statements` in order, sent together: one round trip to the server (a client without it
   * sends them one at a time). Each statement starts after the one before it has finished, so a
   * statement after a lock reads what was committed before the lock was granted. Stops at the
   * first that fails and rejects with its error; the transaction is then aborted (roll it back).
   */
  readonly batch?: (statements: readonly SqlStatement[]) => Promise<readonly SqlResult[]>
  /** Runs a script of several statements without parameters (the migrations). */
  readonly execScript: (script: string) => Promise<void>
  /**
   * Sends COMMIT and gives the connection back, even if COMMIT fails. Rejects with
   * {@link CommitNotSentError} if the connection was already broken, so COMMIT never left.
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
 * The small SQL interface the Postgres store needs, so that neither node-postgres nor PGlite
 * appears in its API (kysely's pattern). Build one with `fromPgPool` or `fromPGlite`, or
 * implement it for another driver. Every `query`, `begin` and `commit` is one statement sent to
 * the server, and every statement of a transaction's `batch` one more, which is how the tests
 * count statements (round trips they count on the wire).
 *
 * @example
 * ```ts
 * const client = fromPgPool(new pg.Pool({ connectionString: process.env.DATABASE_URL }))
 * await migrate(client)
 * const store = await createPostgresMembershipStore({ client })
 * ```
 */
export interface SqlClient extends SqlQueryable {
  /**
   * Takes a connection for a transaction and sends BEGIN on it, with the given limits where the
   * database has them (PGlite, which runs in this process, has no use for them).
   */
  readonly begin: (limits?: TransactionLimits) => Promise<SqlTransaction>
  /**
   * Whether transactions on different connections can run at the same time (true for a pool;
   * false for PGlite, whose one connection runs one transaction at a time).
   */
  readonly concurrent: boolean
}
