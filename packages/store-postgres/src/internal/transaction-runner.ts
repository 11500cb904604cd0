import { StoreError, storeTimeout } from '@groupsync/core'
import type { SqlClient, SqlResult, SqlTransaction, TransactionLimits } from '../sql-client.js'
import { Deadline, DeadlinePassed } from './call-deadline.js'
import {
  commitOutcomeUnknown,
  isRetryable,
  mapPgError,
  outcomeUnknown,
  sqlState,
} from './map-pg-error.js'

// How every call of the store reaches the database: under a deadline (the caller's signal and the
// store's own call timeout), in a transaction that is retried after a serialisation failure or a
// deadlock, with driver errors turned into coded StoreErrors and everything else (an error thrown
// by a unit of work's `work`, or by the test-only fault hook) passed on unchanged.

/** A statement's failure, kept apart from errors thrown by `work` or the fault hook. */
class SqlFailure extends Error {
  constructor(readonly error: unknown) {
    super('SQL statement failed', { cause: error })
  }
}

/**
 * Runs one statement of a transaction; a driver failure becomes a {@link SqlFailure}. Statements
 * of a transaction may be issued without waiting for each other (see {@link SqlTransaction}).
 */
export const run = async (
  tx: SqlTransaction,
  text: string,
  params: readonly unknown[],
): Promise<SqlResult> => {
  try {
    return await tx.query(text, params)
  } catch (error) {
    throw new SqlFailure(error)
  }
}

/** The first row of a result, or an empty one (every column then reads as undefined). */
export const firstRow = (result: SqlResult): Record<string, unknown> => result.rows[0] ?? {}

/** What the runner needs: the client, the retry budget and the time limits. */
export interface TransactionRunnerConfig {
  readonly client: SqlClient
  /** Attempts of a transaction that hits a serialisation failure or deadlock (at least 1). */
  readonly maxAttempts: number
  /** The server-side limits set with BEGIN. */
  readonly limits: TransactionLimits
  /** The longest a whole call may take, on the client (0: no limit). */
  readonly callMs: number
}

const pause = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, attempt * 5 + Math.random() * 10))

/** Maps statement failures to StoreErrors; lets the caller's own errors through unchanged. */
const toStoreError = (error: unknown, action: string): unknown =>
  error instanceof SqlFailure ? mapPgError(error.error, action) : error

/** Gives a transaction up without waiting for it: its connection may be frozen. */
const giveUp = (tx: SqlTransaction, reason: unknown): void => {
  const error = new Error('the call ran out of time', { cause: reason })
  if (tx.abandon !== undefined) tx.abandon(error)
  else void tx.rollback()
}

/** The store's way to the database: deadlines, transactions with retries, one-statement reads. */
export const transactionRunner = (config: TransactionRunnerConfig) => {
  const { client, limits } = config

  /**
   * Runs `work` under one call's deadline: aborted by the caller's signal or after the store's
   * call timeout, whichever comes first. Running out is `STORE_TIMEOUT` (or, from inside a
   * COMMIT, `STORE_OUTCOME_UNKNOWN`, which `transaction` decides).
   */
  const timed = async <A>(
    action: string,
    caller: AbortSignal | undefined,
    work: (deadline: Deadline) => Promise<A>,
  ): Promise<A> => {
    const deadline = new Deadline(config.callMs, caller)
    try {
      return await work(deadline)
    } catch (error) {
      throw error instanceof DeadlinePassed ? storeTimeout(action, error.reason) : error
    } finally {
      deadline.end()
    }
  }

  /**
   * Runs `fn` in one transaction: BEGIN (with the server-side limits), fn's statements, COMMIT.
   * COMMIT follows the statements `fn` issued without waiting for their answers (a pipelining
   * client sends them in one round trip). Any failure rolls back; a serialisation failure or
   * deadlock runs the whole transaction again, `fn` included, up to maxAttempts times. When the
   * deadline passes first, the transaction is given up: `STORE_TIMEOUT` before COMMIT was issued,
   * `STORE_OUTCOME_UNKNOWN` after. A statement in flight with COMMIT that the server refused
   * means nothing was committed; one whose connection was lost with COMMIT on its way leaves the
   * outcome unknown.
   */
  const transaction = async <A>(
    action: string,
    signal: Deadline,
    fn: (tx: SqlTransaction) => Promise<A>,
  ): Promise<A> => {
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) throw storeTimeout(action, signal.reason)
      const beginning = client.begin(limits)
      let tx: SqlTransaction
      try {
        tx = await signal.race(beginning)
      } catch (error) {
        if (error instanceof DeadlinePassed) {
          beginning.then(
            (late) => late.rollback(),
            () => undefined,
          )
          throw storeTimeout(action, error.reason)
        }
        throw mapPgError(error, action)
      }
      const issued: Promise<unknown>[] = []
      const tracked: SqlTransaction = {
        ...tx,
        query: (text, params) => {
          const answer = tx.query(text, params)
          issued.push(answer)
          answer.catch(() => undefined)
          return answer
        },
      }
      let result: A
      try {
        result = await signal.race(fn(tracked))
      } catch (error) {
        if (error instanceof DeadlinePassed) {
          giveUp(tx, error.reason)
          throw storeTimeout(action, error.reason)
        }
        await signal.race(tx.rollback()).catch((late: unknown) => {
          giveUp(tx, late)
        })
        if (
          error instanceof SqlFailure &&
          isRetryable(error.error) &&
          attempt < config.maxAttempts
        ) {
          await pause(attempt)
          continue
        }
        throw toStoreError(error, action)
      }
      const committing = tx.commit()
      committing.catch(() => undefined)
      let failed: unknown
      let commitError: unknown
      try {
        const answers = await signal.race(Promise.allSettled(issued))
        failed = answers.find((a) => a.status === 'rejected')?.reason
        await signal.race(committing)
      } catch (error) {
        if (error instanceof DeadlinePassed) {
          giveUp(tx, error.reason)
          throw outcomeUnknown(action, error.reason)
        }
        commitError = error
      }
      const notSent = commitError instanceof StoreError
      if (failed !== undefined) {
        // A statement failed with COMMIT behind it: the server's answer means it rolled back.
        if (notSent || (sqlState(failed) !== undefined && !commitOutcomeUnknown(failed))) {
          if (isRetryable(failed) && attempt < config.maxAttempts) {
            await pause(attempt)
            continue
          }
          throw mapPgError(failed, action)
        }
        throw outcomeUnknown(action, failed)
      }
      if (commitError !== undefined) {
        if (notSent) {
          throw new StoreError(
            'STORE_UNAVAILABLE',
            `${action}: the connection broke before COMMIT was sent; nothing was written, retry.`,
            { cause: commitError },
          )
        }
        if (isRetryable(commitError) && attempt < config.maxAttempts) {
          await pause(attempt)
          continue
        }
        if (commitOutcomeUnknown(commitError)) throw outcomeUnknown(action, commitError)
        throw mapPgError(commitError, action)
      }
      return result
    }
  }

  /** One statement outside a transaction, under the call's deadline. */
  const read = async (
    action: string,
    signal: Deadline,
    text: string,
    params: readonly unknown[],
  ): Promise<SqlResult> => {
    try {
      return await signal.race(client.query(text, params))
    } catch (error) {
      if (error instanceof DeadlinePassed) throw error
      throw mapPgError(error, action)
    }
  }

  return {
    timed,
    transaction,
    /** A transaction under its own call deadline, whose signal `fn` is given. */
    inTransaction: <A>(
      action: string,
      caller: AbortSignal | undefined,
      fn: (tx: SqlTransaction, deadline: Deadline) => Promise<A>,
    ): Promise<A> =>
      timed(action, caller, (signal) => transaction(action, signal, (tx) => fn(tx, signal))),
    /** One statement outside a transaction, under its own call deadline. */
    query: (
      action: string,
      caller: AbortSignal | undefined,
      text: string,
      params: readonly unknown[],
    ): Promise<SqlResult> => timed(action, caller, (signal) => read(action, signal, text, params)),
  }
}

/** The runner of one store. */
export type TransactionRunner = ReturnType<typeof transactionRunner>
