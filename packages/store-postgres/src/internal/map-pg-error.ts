import { GroupsyncError, StoreError } from '@groupsync/core'

/** SQLSTATEs after which the whole transaction can simply be run again. */
const RETRYABLE = new Set(['40001', '40P01'])

/**
 * The server gave up on the transaction for one of the store's limits: a lock wait over
 * `lock_timeout` (55P03), a statement over `statement_timeout` (57014), or the session idle in
 * the transaction over `idle_in_transaction_session_timeout` (25P03). It rolled back.
 */
const TIMED_OUT = new Set(['55P03', '57014', '25P03'])

/** The SQLSTATE of a driver error (node-postgres and PGlite both put it in `code`), if any. */
export const sqlState = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  const code = error.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** True for a serialisation failure or a deadlock: running the transaction again may succeed. */
export const isRetryable = (error: unknown): boolean => RETRYABLE.has(sqlState(error) ?? '')

/**
 * Turns a driver error into a coded {@link StoreError} with the driver error as its cause.
 * Groupsync's own errors pass through unchanged.
 */
export const mapPgError = (error: unknown, action: string): GroupsyncError => {
  if (error instanceof GroupsyncError) return error as GroupsyncError
  const state = sqlState(error)
  const fail = (code: StoreError['code'], what: string) =>
    new StoreError(code, `${action}: ${what}`, { cause: error, ...(state && { value: state }) })
  if (state === undefined) {
    return fail('STORE_UNAVAILABLE', 'the database could not be reached; retry later.')
  }
  if (TIMED_OUT.has(state)) {
    return fail(
      'STORE_TIMEOUT',
      'a time limit of the store was reached; nothing was written, retry.',
    )
  }
  if (RETRYABLE.has(state)) {
    return fail('STORE_CONFLICT', 'a concurrent change kept winning; retry the operation.')
  }
  // The only unique value a group change writes is the name: whatever constraint refused it
  // (groupsync's own, or an application's unique name, perhaps of a row its `where` hides).
  if ((state === '23P01' || state === '23505') && /Group$/.test(action)) {
    return fail('GROUP_NAME_TAKEN', 'the organisation already has a group of that name.')
  }
  if (state === '23503') {
    return fail('GROUP_NOT_FOUND', 'the group does not exist (it may just have been deleted).')
  }
  if (state.startsWith('22') || state.startsWith('23')) {
    return fail('STORE_INVALID_INPUT', 'the database refused the values; check the input.')
  }
  if (state === '42P01' || state === '3F000') {
    return fail(
      'STORE_UNAVAILABLE',
      "the store's tables are missing; run migrate() (or `groupsync migrate`) for this schema.",
    )
  }
  return fail('STORE_UNAVAILABLE', 'the database failed; see the cause, and retry later.')
}

/**
 * Whether a failed COMMIT may still have committed: the connection was lost without the server
 * answering (no SQLSTATE), or the server was going away (classes 08 and 57, except a timeout of
 * ours, which rolled back). A SQLSTATE the server sent in answer to COMMIT means it rolled back.
 */
export const commitOutcomeUnknown = (error: unknown): boolean => {
  const state = sqlState(error)
  if (state === undefined) return true
  if (TIMED_OUT.has(state)) return false
  return state.startsWith('08') || state.startsWith('57')
}

/** The `STORE_OUTCOME_UNKNOWN` error of a COMMIT whose answer was lost. */
export const outcomeUnknown = (action: string, cause: unknown): StoreError =>
  new StoreError(
    'STORE_OUTCOME_UNKNOWN',
    `${action}: the connection was lost after COMMIT was sent; the change may have been committed. Retrying is safe.`,
    { cause },
  )
