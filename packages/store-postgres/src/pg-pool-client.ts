import { StoreError } from '@groupsync/core'
import {
  rolledBack,
  type SqlClient,
  type SqlResult,
  type SqlTransaction,
  type TransactionLimits,
} from './sql-client.js'

/** The part of a node-postgres query result the store reads. */
export interface PgQueryResultLike {
  readonly rows: readonly unknown[]
  /** The command tag: `COMMIT`, or `ROLLBACK` when the server rolled a failed transaction back. */
  readonly command?: string | null
}

/**
 * A node-postgres query with a name (its `QueryConfig`): the connection parses and plans `text`
 * once, as the prepared statement `name`, and then only binds `values` to it.
 */
export interface PgNamedQueryLike {
  readonly name: string
  readonly text: string
  readonly values?: unknown[]
}

/** The part of a node-postgres `PoolClient` the store uses. */
export interface PgPoolClientLike {
  query(text: string | PgNamedQueryLike, values?: unknown[]): Promise<PgQueryResultLike>
  /**
   * True for a client in node-postgres' documented pipeline mode (`new pg.Pool({ pipeline: true
   * })`): it sends a query without waiting for the answers of those before it.
   */
  readonly pipeline?: boolean
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
  query(text: string | PgNamedQueryLike, values?: unknown[]): Promise<PgQueryResultLike>
  /** A `pg.Pool` emits 'error' when the server drops one of its idle connections. */
  on?(event: 'error', listener: (error: Error) => void): unknown
}

/** How {@link fromPgPool} sends statements. */
export interface PgPoolClientOptions {
  /**
   * Send every statement that has parameters as a named prepared statement, so that each
   * connection parses and plans it once and then only binds values to it; default false. Leave
   * it off behind a proxy that moves transactions between server connections unless the proxy
   * tracks prepared statements: PgBouncer in transaction mode does only from version 1.21 with
   * `max_prepared_statements` set.
   */
  readonly preparedStatements?: boolean
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

/**
 * BEGIN and the transaction's limits in one simple-protocol message. With prepared statements,
 * also custom plans: a statement prepared once keeps its parse, but is planned for its values
 * each time, since a generic plan cached while an organisation was small would outlive its growth.
 */
export const beginText = (limits: TransactionLimits | undefined, customPlans: boolean): string => {
  const ms = (value: number): string => String(Math.max(0, Math.floor(value)))
  return [
    'BEGIN',
    ...(limits === undefined
      ? []
      : [
          `SET LOCAL lock_timeout = ${ms(limits.lockTimeoutMs)}`,
          `SET LOCAL statement_timeout = ${ms(limits.statementTimeoutMs)}`,
          `SET LOCAL idle_in_transaction_session_timeout = ${ms(limits.idleInTransactionTimeoutMs)}`,
        ]),
    ...(customPlans ? ['SET LOCAL plan_cache_mode = force_custom_plan'] : []),
  ].join('; ')
}

/**
 * A statement's name for the server: `groupsync_` and a 64-bit hash of its text (hex), the same
 * in every process and store, so that one text always has one name on a connection however many
 * stores share the pool, and within the server's 63-byte limit for names.
 */
const statementName = (text: string): string => {
  // FNV-1a in two 32-bit lanes with different offsets.
  let a = 0x811c9dc5
  let b = 0x01000193 ^ text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0')
  return `groupsync_${hex(a)}${hex(b)}`
}

/** How a statement goes to node-postgres: as it is, or as a named query (names kept per text). */
const querySender = (
  prepared: boolean,
): ((text: string, params?: readonly unknown[]) => [string | PgNamedQueryLike, unknown[]?]) => {
  if (!prepared) return (text, params) => (params === undefined ? [text] : [text, [...params]])
  const names = new Map<string, string>()
  return (text, params) => {
    // Without parameters: a script (migrations) or a fixed command (BEGIN …), sent as it is.
    if (params === undefined) return [text]
    let name = names.get(text)
    if (name === undefined) {
      name = statementName(text)
      names.set(text, name)
    }
    return [{ name, text, values: [...params] }]
  }
}

/**
 * Adapts a node-postgres pool to the store's {@link SqlClient}. Each transaction checks out its
 * own connection; a connection that broke during a transaction is destroyed, not given back.
 * With a pool in node-postgres' pipeline mode (`new pg.Pool({ pipeline: true })`), the statements
 * a unit of work issues together go in one round trip, and a login takes three; with any other
 * pool they go one after the other. The pool stays the caller's: closing the store does not end
 * it. It does get an 'error' listener, so that an idle connection the server ends cannot crash
 * the process.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * const client = fromPgPool(new pg.Pool({ connectionString: process.env.DATABASE_URL, pipeline: true }))
 * ```
 */
export const fromPgPool = (pool: PgPoolLike, options: PgPoolClientOptions = {}): SqlClient => {
  guardIdleErrors(pool)
  const prepared = options.preparedStatements === true
  const statement = querySender(prepared)
  return {
    concurrent: true,
    query: async (text, params) => toResult(await pool.query(...statement(text, params))),
    begin: async (limits): Promise<SqlTransaction> => {
      const client = await pool.connect()
      // A checked-out client that loses its connection emits 'error'; without a listener that
      // would crash the process. Remember the error and destroy the client on release.
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
      // A statement that failed with no SQLSTATE lost the connection: nothing more goes on it.
      const send = (query: () => Promise<PgQueryResultLike>): Promise<PgQueryResultLike> =>
        query().catch((error: unknown) => {
          if (!/^[0-9A-Z]{5}$/.test(String((error as { code?: unknown }).code))) {
            broken ??= toError(error)
          }
          throw error
        })
      // Without pipeline mode node-postgres must not be handed a query while one runs: queue.
      let tail: Promise<unknown> = Promise.resolve()
      const run = (query: () => Promise<PgQueryResultLike>): Promise<PgQueryResultLike> => {
        if (client.pipeline === true) return send(query)
        const next = tail.then(() => send(query))
        tail = next.catch(() => undefined)
        return next
      }
      let begun = false
      const beginFirst = (): void => {
        if (begun) return
        begun = true
        // Its failure (a broken connection) fails the statements after it, which the store sees.
        run(() => client.query(beginText(limits, prepared))).catch(() => undefined)
      }
      /** COMMIT, unless the connection is known to have broken by the time it would be sent. */
      const commitNow = (): Promise<PgQueryResultLike> => {
        if (broken === undefined) return client.query('COMMIT')
        const cause = broken
        return Promise.reject(
          new StoreError('STORE_UNAVAILABLE', 'COMMIT was not sent: the connection had broken.', {
            cause,
          }),
        )
      }
      return {
        query: async (text, params) => {
          beginFirst()
          const [q, values] = statement(text, params)
          return toResult(await run(() => client.query(q, values)))
        },
        execScript: async (script) => {
          beginFirst()
          await run(() => client.query(script))
        },
        commit: async () => {
          if (!begun && broken === undefined) {
            // Nothing was sent, BEGIN included: there is nothing to commit.
            release()
            return
          }
          let result: PgQueryResultLike
          try {
            result = await run(commitNow)
          } catch (e) {
            release(toError(e instanceof StoreError ? e.cause : e))
            throw e
          }
          release()
          if (result.command === 'ROLLBACK') throw rolledBack()
        },
        abandon: (reason) => {
          release(reason)
        },
        rollback: async () => {
          if (released) return
          if (!begun) {
            release()
            return
          }
          try {
            await run(() => client.query('ROLLBACK'))
            release()
          } catch (e) {
            release(toError(e))
          }
        },
      }
    },
  }
}
