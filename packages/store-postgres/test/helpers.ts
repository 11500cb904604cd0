import { randomBytes } from 'node:crypto'
import type { PostgresMembershipStoreOptions, SqlClient, SqlTransaction } from '../src/index.js'
import { createPostgresMembershipStore } from '../src/testing.js'

/** How the tests reach one database: a client, and the migrated schema of this run. */
export interface Harness {
  readonly client: () => SqlClient
  readonly schema: string
}

/** A store on the harness's database and schema (already migrated). */
export const storeOn = (
  harness: Harness,
  options: PostgresMembershipStoreOptions &
    Parameters<typeof createPostgresMembershipStore>[0] = {},
) =>
  createPostgresMembershipStore({
    client: harness.client(),
    schema: harness.schema,
    migrate: false,
    ...options,
  })

/** A schema of its own for one test run, dropped after it. */
export const randomSchema = (): string => `gs_test_${randomBytes(6).toString('hex')}`

/** A statement sent inside a transaction, as the store sent it. */
export interface SentStatement {
  readonly text: string
  readonly params: readonly unknown[]
}

/**
 * A statement counter around a SQL client: every query, BEGIN, COMMIT and ROLLBACK counts one.
 * The statements sent inside transactions are also kept, for a test to look at (or EXPLAIN).
 */
export const countingClient = (inner: SqlClient) => {
  let count = 0
  let sent: SentStatement[] = []
  const client: SqlClient = {
    concurrent: inner.concurrent,
    query: (text, params) => {
      count += 1
      return inner.query(text, params)
    },
    begin: async (): Promise<SqlTransaction> => {
      count += 1
      const tx = await inner.begin()
      return {
        query: (text, params) => {
          count += 1
          sent.push({ text, params: params ?? [] })
          return tx.query(text, params)
        },
        execScript: (script) => {
          count += 1
          return tx.execScript(script)
        },
        commit: () => {
          count += 1
          return tx.commit()
        },
        rollback: () => {
          count += 1
          return tx.rollback()
        },
      }
    },
  }
  return {
    client,
    /** Statements sent since the last call. */
    take: (): number => {
      const n = count
      count = 0
      return n
    },
    /** The statements sent inside transactions since the last call. */
    takeSent: (): readonly SentStatement[] => {
      const all = sent
      sent = []
      return all
    },
  }
}

/**
 * A SQL client whose transactions fail the first `times` statements matching `match` with a
 * driver-like error of the given SQLSTATE, as Postgres reports serialisation failures.
 */
export const failingClient = (
  inner: SqlClient,
  match: (text: string) => boolean,
  code: string,
  times: number,
): SqlClient => {
  let left = times
  return {
    ...inner,
    begin: async () => {
      const tx = await inner.begin()
      return {
        ...tx,
        query: (text, params) => {
          if (match(text) && left > 0) {
            left -= 1
            return Promise.reject(Object.assign(new Error(`injected SQLSTATE ${code}`), { code }))
          }
          return tx.query(text, params)
        },
      }
    },
  }
}

/** The store's write statement: the one data-modifying CTE a sync sends. */
export const isSyncWrite = (text: string): boolean => text.includes('WITH removed AS')
