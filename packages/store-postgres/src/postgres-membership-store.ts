import {
  defineMembershipStore,
  type MembershipStore,
  type MembershipStoreAdapter,
} from '@groupsync/core'
import { adminOperations } from './internal/admin-operations.js'
import type { Mapping } from './internal/mapping.js'
import { storeContext, type PostgresStoreFaultPoint } from './internal/store-context.js'
import { transactionRunner } from './internal/transaction-runner.js'
import { unitsOfWork } from './internal/units-of-work.js'
import type { SqlClient } from './sql-client.js'

export type { PostgresStoreFaultPoint } from './internal/store-context.js'

/**
 * How long a Postgres store lets things take, in milliseconds (0: no limit). The first three are
 * set on the server for each transaction; `callMs` bounds a whole call, its wait in the user's
 * queue included, on the client. Running out of any is `STORE_TIMEOUT`, with nothing written.
 */
export interface PostgresStoreTimeouts {
  /** `lock_timeout`: the longest a transaction waits for a user's or an org's lock. */
  readonly lockMs: number
  /** `statement_timeout`: the longest one statement runs. */
  readonly statementMs: number
  /**
   * `idle_in_transaction_session_timeout`: the server ends a session that sends nothing for this
   * long inside a transaction (a frozen client), which releases the locks it held.
   */
  readonly idleInTransactionMs: number
  /** The longest a call may take from start to end, on the client. */
  readonly callMs: number
}

/** The timeouts a store has unless told otherwise: generous for a login, finite for a fault. */
export const DEFAULT_POSTGRES_STORE_TIMEOUTS: PostgresStoreTimeouts = {
  lockMs: 10_000,
  statementMs: 10_000,
  idleInTransactionMs: 15_000,
  callMs: 30_000,
}

/** What the store is built from: a SQL client, a validated schema, and how to behave. */
export interface PostgresStoreConfig {
  readonly client: SqlClient
  readonly schema: string
  /** The tables the store reads and writes, resolved. */
  readonly mapping: Mapping
  /** Attempts of a transaction that hits a serialisation failure or deadlock (at least 1). */
  readonly maxAttempts: number
  readonly timeouts: PostgresStoreTimeouts
  readonly testOnlyFaultHook: ((point: PostgresStoreFaultPoint) => void | Promise<void>) | undefined
  /** Releases what the store owns (an embedded database it opened), once work has drained. */
  readonly release: () => Promise<void>
}

/**
 * The Postgres store's adapter: the I/O of every operation, on a SQL client whose schema is
 * already migrated. `defineMembershipStore` wraps it in the checks every store shares.
 */
const postgresMembershipStoreAdapter = (config: PostgresStoreConfig): MembershipStoreAdapter => {
  const runner = transactionRunner({
    client: config.client,
    maxAttempts: config.maxAttempts,
    limits: {
      lockTimeoutMs: config.timeouts.lockMs,
      statementTimeoutMs: config.timeouts.statementMs,
      idleInTransactionTimeoutMs: config.timeouts.idleInTransactionMs,
    },
    callMs: config.timeouts.callMs,
  })
  const ctx = storeContext(config.schema, config.mapping, runner, config.testOnlyFaultHook)
  return {
    limits: config.mapping.limits,
    ...unitsOfWork(ctx),
    ...adminOperations(ctx),
    close: config.release,
  }
}

/**
 * Builds the Postgres membership store on a SQL client whose schema is already migrated. Most
 * callers want `createPostgresMembershipStore`, which also opens PGlite or adapts a pool.
 *
 * @example
 * ```ts
 * const store = postgresMembershipStore({
 *   client: fromPgPool(pool), schema: 'groupsync', maxAttempts: 3,
 *   timeouts: DEFAULT_POSTGRES_STORE_TIMEOUTS, testOnlyFaultHook: undefined,
 *   release: () => Promise.resolve(),
 * })
 * ```
 */
export const postgresMembershipStore = (config: PostgresStoreConfig): MembershipStore =>
  defineMembershipStore(postgresMembershipStoreAdapter(config))
