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
 * An open transaction on one connection, begun by {@link SqlClient.begin}. Exactly one of
 * `commit` or `rollback` ends it and gives the connection back.
 */
export interface SqlTransaction extends SqlQueryable {
  /** Runs a script of several statements without parameters (the migrations). */
  readonly execScript: (script: string) => Promise<void>
  /** Sends COMMIT and gives the connection back, even if COMMIT fails. */
  readonly commit: () => Promise<void>
  /** Sends ROLLBACK and gives the connection back; never rejects. */
  readonly rollback: () => Promise<void>
}

/**
 * The small SQL interface the Postgres store needs, so that neither node-postgres nor PGlite
 * appears in its API (kysely's pattern). Build one with `fromPgPool` or `fromPGlite`, or
 * implement it for another driver. Every `query`, `begin` and `commit` is one statement sent to
 * the server, which is how the tests count round trips.
 *
 * @example
 * ```ts
 * const client = fromPgPool(new pg.Pool({ connectionString: process.env.DATABASE_URL }))
 * await migrate(client)
 * const store = await createPostgresMembershipStore({ client })
 * ```
 */
export interface SqlClient extends SqlQueryable {
  /** Takes a connection for a transaction and sends BEGIN on it. */
  readonly begin: () => Promise<SqlTransaction>
  /**
   * Whether transactions on different connections can run at the same time (true for a pool;
   * false for PGlite, whose one connection runs one transaction at a time).
   */
  readonly concurrent: boolean
}
