import type { SqlClient, SqlResult, SqlTransaction } from './sql-client.js'

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
}

const toResult = (result: PgQueryResultLike): SqlResult => ({
  rows: result.rows as readonly Record<string, unknown>[],
})

const toError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

/**
 * Adapts a node-postgres pool to the store's {@link SqlClient}. Each transaction checks out its
 * own connection; a connection that broke during a transaction is destroyed, not given back.
 * The pool stays the caller's: closing the store does not end it.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * const client = fromPgPool(new pg.Pool({ connectionString: process.env.DATABASE_URL }))
 * ```
 */
export const fromPgPool = (pool: PgPoolLike): SqlClient => ({
  concurrent: true,
  query: async (text, params) => toResult(await pool.query(text, params && [...params])),
  begin: async (): Promise<SqlTransaction> => {
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
      await client.query('BEGIN')
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
        try {
          await client.query('COMMIT')
        } catch (e) {
          release(toError(e))
          throw e
        }
        release()
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
})
