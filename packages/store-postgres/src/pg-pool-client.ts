import {
  CommitNotSentError,
  type SqlClient,
  type SqlResult,
  type SqlTransaction,
  type TransactionLimits,
} from './sql-client.js'

/** The part of a node-postgres query result the store reads. */
export interface PgQueryResultLike {
  readonly rows: readonly unknown[]
}

/** The part of a node-postgres `PoolClient` the store uses. */
export interface PgPoolClientLike {
  query(text: string, values?: unknown[]): Promise<PgQueryResultLike>
  release(destroy?: Error | boolean): void
  on(event: 'error', listener: (error: Error) => void): unknown
  removeListener(event: 'error', listener: (error: Error) => void): unknown
}

/**
 * The part of a node-postgres `Pool` the store uses: declared here so that the store does not
 * depend on `pg` (a `pg.Pool` fits it as it is).
 */
export interface PgPoolLike {
  connect(): Promise<PgPoolClientLike>
  query(text: string, values?: unknown[]): Promise<PgQueryResultLike>
  /** A `pg.Pool` emits 'error' when the server drops one of its idle connections. */
  on?(event: 'error', listener: (error: Error) => void): unknown
}

const toResult = (result: PgQueryResultLike): SqlResult => ({
  rows: result.rows as readonly Record<string, unknown>[],
})

const toError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

/** Pools already given an 'error' listener, so that adapting one pool twice adds one listener. */
const guardedPools = new WeakSet<object>()

/**
 * A pool whose idle connection is ended by the server (a restart, `pg_terminate_backend`, an idle
 * timeout of a proxy) emits 'error'; with no listener Node turns that into an uncaught exception
 * that ends the process. The pool has already dropped the dead connection and the next checkout
 * opens a new one, so there is nothing to do but not crash.
 */
const guardIdleErrors = (pool: PgPoolLike): void => {
  if (pool.on === undefined || guardedPools.has(pool)) return
  guardedPools.add(pool)
  pool.on('error', () => undefined)
}

/** BEGIN and the transaction's limits in one simple-protocol message: one round trip. */
const beginText = (limits: TransactionLimits | undefined): string => {
  if (limits === undefined) return 'BEGIN'
  const ms = (value: number): string => String(Math.max(0, Math.floor(value)))
  return [
    'BEGIN',
    `SET LOCAL lock_timeout = ${ms(limits.lockTimeoutMs)}`,
    `SET LOCAL statement_timeout = ${ms(limits.statementTimeoutMs)}`,
    `SET LOCAL idle_in_transaction_session_timeout = ${ms(limits.idleInTransactionTimeoutMs)}`,
  ].join('; ')
}

/**
 * Adapts a node-postgres pool to the store's {@link SqlClient}. Each transaction checks out its
 * own connection; a connection that broke during a transaction is destroyed, not given back.
 * The pool stays the caller's: closing the store does not end it. It does get an 'error' listener,
 * so that an idle connection the server ends cannot crash the process.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * const client = fromPgPool(new pg.Pool({ connectionString: process.env.DATABASE_URL }))
 * ```
 */
export const fromPgPool = (pool: PgPoolLike): SqlClient => {
  guardIdleErrors(pool)
  return {
    concurrent: true,
    query: async (text, params) => toResult(await pool.query(text, params && [...params])),
    begin: async (limits): Promise<SqlTransaction> => {
      const client = await pool.connect()
      // A checked-out client that loses its connection emits 'error'; without a listener that would
      // crash the process. Remember the error and destroy the client on release.
      let broken: Error | undefined
      const onError = (error: Error): void => {
        broken = error
      }
      client.on('error', onError)
      let released = false
      const release = (error?: Error): void => {
        if (released) return
        released = true
        const cause = error ?? broken
        // A broken client keeps the listener: it may emit again while the pool ends it.
        if (cause === undefined) client.removeListener('error', onError)
        client.release(cause)
      }
      try {
        await client.query(beginText(limits))
      } catch (e) {
        release(toError(e))
        throw e
      }
      return {
        query: async (text, params) => toResult(await client.query(text, params && [...params])),
        execScript: async (script) => {
          await client.query(script)
        },
        commit: async () => {
          if (broken !== undefined) {
            const cause = broken
            release(cause)
            throw new CommitNotSentError(cause)
          }
          try {
            await client.query('COMMIT')
          } catch (e) {
            release(toError(e))
            throw e
          }
          release()
        },
        abandon: (reason) => {
          release(reason)
        },
        rollback: async () => {
          if (released) return
          try {
            await client.query('ROLLBACK')
            release()
          } catch (e) {
            release(toError(e))
          }
        },
      }
    },
  }
}
