import {
  PgStatementBatch,
  type BatchStatement,
  type PgTypeParsers,
  type PreparedNames,
} from './internal/pg-batch.js'
import {
  CommitNotSentError,
  type SqlClient,
  type SqlResult,
  type SqlStatement,
  type SqlTransaction,
  type TransactionLimits,
} from './sql-client.js'

/** The part of a node-postgres query result the store reads. */
export interface PgQueryResultLike {
  readonly rows: readonly unknown[]
}

/**
 * A node-postgres query with a name (its `QueryConfig`): the connection parses and plans `text`
 * once, as the prepared statement `name`, and then only binds `values` to it.
 */
export interface PgNamedQueryLike {
  /** The prepared statement's name on the connection. */
  readonly name: string
  /** The statement, parsed on a connection's first use of `name`. */
  readonly text: string
  /** The parameters, `$1` first. */
  readonly values?: unknown[]
}

/** The part of a node-postgres `PoolClient` the store uses. */
export interface PgPoolClientLike {
  query(text: string | PgNamedQueryLike, values?: unknown[]): Promise<PgQueryResultLike>
  /**
   * How the client parses a column of type `oid` (node-postgres' `Client.getTypeParser`). A
   * client that has it is taken to be node-postgres, which also runs "submittable" queries (as
   * pg-cursor does): the store then sends several statements in one round trip, parsing their
   * columns as node-postgres would.
   */
  getTypeParser?(oid: number, format: 'text'): (value: string) => unknown
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
 * A transaction's first statements when they go in one batch with the statements after them:
 * BEGIN, and the limits (and custom plans, as {@link beginText} says) set by `set_config(…,
 * true)`, the function form of SET LOCAL.
 */
const openingStatements = (
  limits: TransactionLimits | undefined,
  customPlans: boolean,
): readonly SqlStatement[] => {
  const ms = (value: number): string => String(Math.max(0, Math.floor(value)))
  const settings = [
    ...(limits === undefined
      ? []
      : [
          ['lock_timeout', ms(limits.lockTimeoutMs)],
          ['statement_timeout', ms(limits.statementTimeoutMs)],
          ['idle_in_transaction_session_timeout', ms(limits.idleInTransactionTimeoutMs)],
        ]),
    ...(customPlans ? [['plan_cache_mode', 'force_custom_plan']] : []),
  ]
  const set = settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`)
  return [
    { text: 'BEGIN', params: [] },
    ...(set.length === 0 ? [] : [{ text: `SELECT ${set.join(', ')}`, params: settings.flat() }]),
  ]
}

/**
 * BEGIN and the transaction's limits in one simple-protocol message: one round trip. With
 * prepared statements, also custom plans: a statement prepared once keeps its parse, but is
 * planned for its values each time, since a generic plan cached while an organisation was small
 * (a sequential scan of its groups) would outlive the organisation's growth.
 */
const beginText = (limits: TransactionLimits | undefined, customPlans: boolean): string => {
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

/** How {@link fromPgPool} sends statements. */
export interface PgPoolClientOptions {
  /**
   * Send every statement that has parameters as a named prepared statement, so that each
   * connection parses and plans it once and then only binds values to it; default false. Worth
   * it for the store, whose statements are a fixed set of texts (a login's read plans in more
   * time than it runs). Leave it off behind a proxy that moves transactions between server
   * connections unless the proxy tracks prepared statements: PgBouncer in transaction mode does
   * only from version 1.21 with `max_prepared_statements` set, and through older versions
   * statements fail with `prepared statement "…" does not exist` (or `… already exists`). Only
   * for fixed texts: each distinct text stays prepared on each connection for its life.
   */
  readonly preparedStatements?: boolean
  /**
   * Give transactions {@link SqlTransaction.batch}: statements sent together, one round trip,
   * with BEGIN joining the first batch of a transaction (the store's units of work send BEGIN,
   * their locks and their read this way); default true. Needs node-postgres (a client with
   * `getTypeParser`, which runs submittable queries, as pg-cursor's cursors are, and is not in
   * its `pipeline` mode); with another client, or false, a batch's statements go one at a time. With `preparedStatements`, a
   * batch's statements are prepared too, under names of their own (`groupsyncb_…`).
   */
  readonly batchStatements?: boolean
}

/**
 * A statement's name for the server: `groupsync_` and a 64-bit hash of its text (hex), the same
 * in every process and store, so that one text always has one name on a connection however many
 * stores share the pool, and within the server's 63-byte limit for names. Two texts with the
 * same name would make node-postgres refuse the second (it checks), never run the wrong one.
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

/**
 * Where a connection's client object keeps the statements batches have prepared on it: a key of
 * the global symbol registry, so that two copies of this package sharing one pool (two versions
 * in one process) see the same record, as node-postgres' own record lives on the connection.
 */
const BATCH_PREPARED = Symbol.for('groupsync.store-postgres.batchPrepared')

const preparedNamesOf = (client: PgPoolClientLike): PreparedNames => {
  const holder = client as { [BATCH_PREPARED]?: PreparedNames }
  let names = holder[BATCH_PREPARED]
  if (names === undefined) {
    names = { known: new Set(), unsure: new Set() }
    holder[BATCH_PREPARED] = names
  }
  return names
}

/**
 * How a statement goes to node-postgres: as it is, or, with prepared statements on and
 * parameters given, as a named query. The names are remembered per text, so that hashing a
 * statement costs once per process, not once per call.
 */
const querySender = (
  options: PgPoolClientOptions,
): ((
  text: string,
  params?: readonly unknown[],
) => [string | PgNamedQueryLike, (unknown[] | undefined)?]) => {
  if (options.preparedStatements !== true) {
    return (text, params) => [text, params && [...params]]
  }
  const names = new Map<string, string>()
  return (text, params) => {
    // Without parameters: a script (migrations) or a fixed command (BEGIN …), sent as simple
    // queries; a script of several statements could not be prepared anyway.
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
 * The client's type parsers when it is node-postgres and can run a batch (see
 * {@link PgPoolClientLike}); undefined when it cannot.
 */
const typeParsers = (client: PgPoolClientLike): PgTypeParsers | undefined =>
  typeof client.getTypeParser === 'function' &&
  // A client in node-postgres' pipeline mode refuses submittable queries (and pipelines anyway).
  (client as { readonly pipeline?: unknown }).pipeline !== true
    ? client.getTypeParser.bind(client)
    : undefined

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
 * // Straight to the server (or PgBouncer 1.21+ with max_prepared_statements): plan once.
 * const prepared = fromPgPool(pool, { preparedStatements: true })
 * ```
 */
export const fromPgPool = (pool: PgPoolLike, options: PgPoolClientOptions = {}): SqlClient => {
  guardIdleErrors(pool)
  const statement = querySender(options)
  const batching = options.batchStatements !== false
  // With prepared statements, a batch's statements are prepared too, under names of their own
  // (node-postgres keeps its own list of what it prepared; the two never share a name).
  const prepared = options.preparedStatements === true
  const batchNames = new Map<string, string>()
  const named = (s: SqlStatement): BatchStatement => {
    if (!prepared) return s
    let name = batchNames.get(s.text)
    if (name === undefined) {
      name = `groupsyncb_${statementName(s.text).slice('groupsync_'.length)}`
      batchNames.set(s.text, name)
    }
    return { ...s, name }
  }
  // A store passes the same limits to every transaction: their opening statements are built once.
  let openingCache: [TransactionLimits | undefined, readonly BatchStatement[]] | undefined
  const opening = (limits: TransactionLimits | undefined): readonly BatchStatement[] => {
    if (openingCache === undefined || openingCache[0] !== limits) {
      openingCache = [limits, openingStatements(limits, prepared).map(named)]
    }
    return openingCache[1]
  }
  return {
    concurrent: true,
    query: async (text, params) => toResult(await pool.query(...statement(text, params))),
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
      const parsers = batching ? typeParsers(client) : undefined
      // BEGIN goes at once without batches. With them it waits for the transaction's first
      // statement, and goes in the same round trip when that is a batch (a unit of work's locks
      // and read); before a lone statement or a script it goes on its own, as before.
      let begun = false
      const beginNow = async (): Promise<void> => {
        if (begun) return
        begun = true
        await client.query(beginText(limits, prepared))
      }
      if (parsers === undefined) {
        try {
          await beginNow()
        } catch (e) {
          release(toError(e))
          throw e
        }
      }
      const batch =
        parsers &&
        (async (statements: readonly SqlStatement[]): Promise<readonly SqlResult[]> => {
          const first = begun ? [] : opening(limits)
          begun = true
          const sent = new PgStatementBatch(
            [...first, ...statements.map(named)],
            parsers,
            preparedNamesOf(client),
          )
          ;(client as unknown as { query(submittable: PgStatementBatch): unknown }).query(sent)
          return (await sent.done).slice(first.length)
        })
      return {
        query: async (text, params) => {
          await beginNow()
          return toResult(await client.query(...statement(text, params)))
        },
        ...(batch !== undefined && { batch }),
        execScript: async (script) => {
          await beginNow()
          await client.query(script)
        },
        commit: async () => {
          if (broken !== undefined) {
            const cause = broken
            release(cause)
            throw new CommitNotSentError(cause)
          }
          if (!begun) {
            // Nothing was sent, BEGIN included: there is nothing to commit.
            release()
            return
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
          if (!begun) {
            release()
            return
          }
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
