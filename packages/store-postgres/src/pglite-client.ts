import type { SqlClient, SqlResult, SqlTransaction } from './sql-client.js'

/** The part of a PGlite query result the store reads. */
export interface PGliteResultLike {
  readonly rows: readonly unknown[]
}

/** The part of a PGlite transaction the store uses. */
export interface PGliteTransactionLike {
  query(text: string, params?: unknown[]): Promise<PGliteResultLike>
  exec(script: string): Promise<unknown>
  rollback(): Promise<void>
}

/**
 * The part of an `@electric-sql/pglite` database the store uses: declared here so that PGlite's
 * types do not appear in the store's API (a `PGlite` fits it as it is).
 */
export interface PGliteLike {
  query(text: string, params?: unknown[]): Promise<PGliteResultLike>
  transaction<T>(callback: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>
}

const toResult = (result: PGliteResultLike): SqlResult => ({
  rows: result.rows as readonly Record<string, unknown>[],
})

/**
 * Adapts an embedded PGlite database to the store's {@link SqlClient}. PGlite has a single
 * connection, so transactions run one at a time: each holds PGlite's own transaction lock from
 * BEGIN to COMMIT, which also keeps other code using the same database out of it meanwhile.
 *
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite'
 * const client = fromPGlite(new PGlite('./groupsync-data'))
 * ```
 */
export const fromPGlite = (db: PGliteLike): SqlClient => ({
  concurrent: false,
  query: async (text, params) => toResult(await db.query(text, params && [...params])),
  begin: () =>
    new Promise<SqlTransaction>((resolveBegin, rejectBegin) => {
      let decide: (commit: boolean) => void = () => undefined
      const decided = new Promise<boolean>((resolve) => {
        decide = resolve
      })
      let begun = false
      // PGlite sends BEGIN, runs the callback, then COMMIT (or ROLLBACK if it threw or rolled back).
      const finished = db.transaction(async (tx) => {
        begun = true
        resolveBegin({
          query: async (text, params) => toResult(await tx.query(text, params && [...params])),
          execScript: async (script) => {
            await tx.exec(script)
          },
          commit: async () => {
            decide(true)
            await finished
          },
          rollback: async () => {
            decide(false)
            await finished.catch(() => undefined)
          },
        })
        if (!(await decided)) await tx.rollback()
      })
      finished.catch((error: unknown) => {
        if (!begun) rejectBegin(error instanceof Error ? error : new Error(String(error)))
      })
    }),
})
