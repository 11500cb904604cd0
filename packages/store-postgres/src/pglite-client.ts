import { rolledBack, type SqlClient, type SqlResult, type SqlTransaction } from './sql-client.js'

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

/** One turn of the event loop: timers and I/O that are due run before the promise resolves. */
const nextTurn = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve)
  })

/**
 * Runs calls one after the other, with a turn of the event loop before each. PGlite answers in
 * microtasks, so a queue of calls would otherwise run to its end without letting a timer or a
 * socket of the application run in between (a 10 ms timer fired after 0.8 s behind 200 logins).
 */
const turnTaking = () => {
  let tail: Promise<unknown> = Promise.resolve()
  return <A>(work: () => Promise<A>, finished: (result: A) => Promise<unknown>): Promise<A> => {
    const turn = tail.then(nextTurn).then(work)
    tail = turn.then(finished).catch(() => undefined)
    return turn
  }
}

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
export const fromPGlite = (db: PGliteLike): SqlClient => {
  const inTurn = turnTaking()
  return {
    concurrent: false,
    query: (text, params) =>
      inTurn(
        async () => toResult(await db.query(text, params && [...params])),
        () => Promise.resolve(),
      ),
    // The limits are for a server shared over a network; PGlite runs inside this process.
    begin: () =>
      inTurn(
        () => beginOn(db),
        (tx) => tx.done,
      ),
  }
}

/** Begins a PGlite transaction; `done` settles once it has ended (committed or rolled back). */
const beginOn = (db: PGliteLike): Promise<SqlTransaction & { readonly done: Promise<unknown> }> =>
  new Promise((resolveBegin, rejectBegin) => {
    let decide: (commit: boolean) => void = () => undefined
    const decided = new Promise<boolean>((resolve) => {
      decide = resolve
    })
    let begun = false
    // Statements issued together run one after the other; after one fails, COMMIT rolls back.
    let tail: Promise<unknown> = Promise.resolve()
    let failed = false
    const inOrder = <A>(work: () => Promise<A>): Promise<A> => {
      const next = tail.then(work)
      tail = next.catch(() => {
        failed = true
      })
      return next
    }
    // PGlite sends BEGIN, runs the callback, then COMMIT (or ROLLBACK if it threw or rolled back).
    const finished = db.transaction(async (tx) => {
      begun = true
      resolveBegin({
        done: finished.catch(() => undefined),
        query: (text, params) =>
          inOrder(async () => toResult(await tx.query(text, params && [...params]))),
        execScript: (script) =>
          inOrder(async () => {
            await tx.exec(script)
          }),
        commit: async () => {
          await tail
          decide(!failed)
          await finished
          if (failed) throw rolledBack()
        },
        rollback: async () => {
          decide(false)
          await finished.catch(() => undefined)
        },
        abandon: () => {
          decide(false)
        },
      })
      if (!(await decided)) await tx.rollback()
    })
    finished.catch((error: unknown) => {
      if (!begun) rejectBegin(error instanceof Error ? error : new Error(String(error)))
    })
  })
