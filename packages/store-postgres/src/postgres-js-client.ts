import { StoreError } from '@groupsync/core'
import { beginText } from './pg-pool-client.js'
import { rolledBack, type SqlClient, type SqlResult, type SqlTransaction } from './sql-client.js'

/**
 * The part of a postgres.js instance (`postgres(url)`) the store uses: declared here so that the
 * store does not depend on `postgres` (its `Sql` fits it as it is).
 */
export interface PostgresJsLike {
  unsafe(
    query: string,
    parameters?: unknown[],
    options?: { prepare?: boolean },
  ): PromiseLike<readonly unknown[] & { readonly command?: unknown }> & {
    cancel(): unknown
    /** The rows as the server sent them, without the instance's `transform` (postgres.js 4). */
    transform?(transform: false): unknown
  }
  /** A connection of its own until `release()`. */
  reserve(): PromiseLike<Pick<PostgresJsLike, 'unsafe'> & { release(): void }>
}

type Queryable = Pick<PostgresJsLike, 'unsafe'>
type Query = ReturnType<Queryable['unsafe']>

/** A failure with no SQLSTATE (`CONNECTION_CLOSED`, …): the connection is gone. */
const lostConnection = (error: unknown): boolean =>
  !/^[0-9A-Z]{5}$/.test(String((error as { code?: unknown } | null)?.code))

/** A statement, prepared unless `postgres()` has `prepare: false`; its rows untransformed. */
const send = (sql: Queryable, text: string, params?: readonly unknown[]) => {
  const query =
    params === undefined ? sql.unsafe(text) : sql.unsafe(text, [...params], { prepare: true })
  query.transform?.(false)
  return query
}

/** COMMIT's refusal when the connection was known broken before it: nothing was committed. */
const notSent = (cause: unknown): StoreError =>
  new StoreError('STORE_UNAVAILABLE', 'COMMIT was not sent: the connection had broken.', { cause })

const toResult = (rows: readonly unknown[]): SqlResult => ({
  rows: rows as readonly Record<string, unknown>[],
})

/**
 * Adapts a postgres.js (4.x) instance to the store's {@link SqlClient}. Each transaction reserves
 * a connection (`sql.reserve()`) and sends BEGIN and COMMIT itself; postgres.js pipelines the
 * statements the store issues together, so a login's unit of work costs two round trips. No
 * `postgres()` option is needed: the store's statements are prepared on each connection (the
 * first run of one on a connection describes it, one round trip more), and its rows are read
 * without the instance's `transform` (`postgres.camel` is fine). Custom `types` must leave text,
 * integer and boolean columns as strings, numbers and booleans. Through PgBouncer in transaction
 * mode before 1.21, pass `prepare: false` to `postgres()`: every statement is then described
 * before it runs, and a login's unit costs five round trips. The instance stays the caller's:
 * closing the store does not end it.
 *
 * @example
 * ```ts
 * import postgres from 'postgres'
 * const client = fromPostgresJs(postgres(process.env.DATABASE_URL))
 * ```
 */
export const fromPostgresJs = (sql: PostgresJsLike): SqlClient => ({
  concurrent: true,
  query: async (text, params) => toResult(await send(sql, text, params)),
  begin: async (limits): Promise<SqlTransaction> => {
    const reserved = await sql.reserve()
    let begun = false
    let broken: unknown
    let released = false
    const inFlight = new Set<Query>()
    // A reserved connection released inside a transaction is closed by postgres.js (once the
    // statements in flight have answered): the server rolls back.
    const release = (): void => {
      if (!released) reserved.release()
      released = true
    }
    const run = async (text: string, params?: readonly unknown[]) => {
      if (!begun) {
        begun = true
        // Its failure fails the statements after it, which the store sees.
        send(reserved, beginText(limits, true)).then(undefined, () => undefined)
      }
      const query = send(reserved, text, params)
      inFlight.add(query)
      try {
        return await query
      } catch (error) {
        if (lostConnection(error)) broken ??= error
        throw error
      } finally {
        inFlight.delete(query)
      }
    }
    return {
      query: async (text, params) => toResult(await run(text, params)),
      execScript: async (script) => {
        await run(script)
      },
      commit: async () => {
        try {
          if (!begun) return
          // One turn of the event loop first: statements issued on a connection that has closed
          // fail at once, and then COMMIT is known not to have been sent.
          await new Promise((resolve) => setImmediate(resolve))
          if (broken !== undefined) throw notSent(broken)
          if ((await run('COMMIT')).command === 'ROLLBACK') throw rolledBack()
        } finally {
          release()
        }
      },
      rollback: async () => {
        if (begun && !released) await run('ROLLBACK').then(undefined, () => undefined)
        release()
      },
      // A frozen connection: postgres.js cancels what is in flight and, when the server does not
      // answer the cancel within its `cancel_timeout`, closes the connection.
      abandon: () => {
        release()
        for (const query of inFlight) void Promise.resolve(query.cancel()).catch(() => undefined)
      },
    }
  },
})
