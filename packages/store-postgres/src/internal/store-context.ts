import type { SqlTransaction } from '../sql-client.js'
import { adminStatements, type AdminStatements } from './admin-statements.js'
import { DeadlinePassed, type Deadline } from './call-deadline.js'
import { KeyedQueue } from './keyed-queue.js'
import type { Mapping } from './mapping.js'
import { unitStatements, type UnitStatements } from './statements.js'
import { firstRow, run, type TransactionRunner } from './transaction-runner.js'

/**
 * The points inside a transaction where a Postgres store calls its test-only fault hook: in a
 * login, after its read (its write and COMMIT then go together); in the other writes, after the
 * write but before COMMIT.
 */
export type PostgresStoreFaultPoint =
  | 'sync:after-read'
  | 'manual-member:after-write'
  | 'remove-user:after-write'
  | 'settings:after-write'
  | 'group:after-write'

/** What every operation of one store shares. */
export interface StoreContext {
  /** groupsync's schema, unquoted: part of every advisory lock's key. */
  readonly schema: string
  readonly mapping: Mapping
  readonly units: UnitStatements
  readonly admin: AdminStatements
  readonly runner: TransactionRunner
  readonly hook: (point: PostgresStoreFaultPoint) => void | Promise<void>
  /**
   * A user's units of work wait here, without a connection, until the one before them is done:
   * a burst of one user's logins then holds one pool connection instead of all of them.
   */
  readonly userQueue: KeyedQueue
}

/** The context of a store on `schema` over `mapping`, its statements built once. */
export const storeContext = (
  schema: string,
  mapping: Mapping,
  runner: TransactionRunner,
  hook: ((point: PostgresStoreFaultPoint) => void | Promise<void>) | undefined,
): StoreContext => ({
  schema,
  mapping,
  units: unitStatements(mapping),
  admin: adminStatements(mapping),
  runner,
  hook: hook ?? (() => undefined),
  userQueue: new KeyedQueue(),
})

/**
 * The org's shared lock and the user's exclusive lock, issued without waiting for the answer:
 * taken first by every unit of work of a user, the read that follows runs once they are granted.
 */
export const lockUser = (
  ctx: StoreContext,
  tx: SqlTransaction,
  orgId: string,
  userId: string,
): Promise<unknown> => run(tx, ctx.units.lockUser, [ctx.schema, orgId, userId])

const sleep = (ms: number, deadline: Deadline): Promise<void> =>
  new Promise((resolve, reject) => {
    if (deadline.aborted) {
      reject(new DeadlinePassed(deadline.reason))
      return
    }
    const timer = setTimeout(() => {
      cancel()
      resolve()
    }, ms)
    const cancel = deadline.onPass((reason) => {
      clearTimeout(timer)
      reject(new DeadlinePassed(reason))
    })
  })

/**
 * The org's exclusive lock, taken by group and settings changes, which every login depends on.
 * It is tried, never waited for: a waiting exclusive request would make every later login of the
 * org queue behind it (and behind whatever holds the shared lock, a frozen login say). Tried
 * again with growing pauses until the call's deadline, which outlives the server's
 * idle-in-transaction timeout by default, so a frozen session is ended before the change gives up.
 */
export const lockOrg = async (
  ctx: StoreContext,
  tx: SqlTransaction,
  orgId: string,
  signal: Deadline,
): Promise<void> => {
  for (let attempt = 0; ; attempt += 1) {
    const row = firstRow(await run(tx, ctx.units.tryLockOrg, [ctx.schema, orgId]))
    if (row.locked === true) return
    await sleep(Math.min(2 ** attempt, 100) + Math.random() * 5, signal)
  }
}
