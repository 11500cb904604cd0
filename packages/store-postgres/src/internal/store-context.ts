import type { SqlStatement, SqlTransaction } from '../sql-client.js'
import { adminStatements, type AdminStatements } from './admin-statements.js'
import { KeyedQueue } from './keyed-queue.js'
import { quoteSchema } from './schema-name.js'
import { unitStatements, type UnitStatements } from './statements.js'
import { run, type TransactionRunner } from './transaction-runner.js'

/**
 * The points inside a transaction where a Postgres store calls its test-only fault hook: in a
 * login, after the read (which went with the locks) and after the write but before COMMIT; in
 * the other writes, after the write but before COMMIT.
 */
export type PostgresStoreFaultPoint =
  | 'sync:after-read'
  | 'sync:after-write'
  | 'manual-member:after-write'
  | 'remove-user:after-write'
  | 'settings:after-write'
  | 'group:after-write'

/** What every operation of one store shares. */
export interface StoreContext {
  /** The schema, unquoted: part of every advisory lock's key. */
  readonly schema: string
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

/** The context of a store on `schema`, its statements built once. */
export const storeContext = (
  schema: string,
  runner: TransactionRunner,
  hook: ((point: PostgresStoreFaultPoint) => void | Promise<void>) | undefined,
): StoreContext => {
  const quoted = quoteSchema(schema)
  return {
    schema,
    units: unitStatements(quoted),
    admin: adminStatements(quoted),
    runner,
    hook: hook ?? (() => undefined),
    userQueue: new KeyedQueue(),
  }
}

/**
 * The org's shared lock and the user's exclusive lock, as a statement: taken first by every unit
 * of work of a user.
 */
export const lockUser = (ctx: StoreContext, orgId: string, userId: string): SqlStatement => ({
  text: ctx.units.lockUser,
  params: [ctx.schema, orgId, userId],
})

/** The org's exclusive lock: taken by group and settings changes, which every login depends on. */
export const lockOrg = (ctx: StoreContext, tx: SqlTransaction, orgId: string): Promise<unknown> =>
  run(tx, ctx.units.lockOrg, [ctx.schema, orgId])
