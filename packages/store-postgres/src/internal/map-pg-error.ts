import { GroupsyncError, StoreError } from '@groupsync/core'

/** SQLSTATEs after which the whole transaction can simply be run again. */
const RETRYABLE = new Set(['40001', '40P01'])

/** The SQLSTATE of a driver error (node-postgres and PGlite both put it in `code`), if any. */
export const sqlState = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  const code = error.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** True for a serialisation failure or a deadlock: running the transaction again may succeed. */
export const isRetryable = (error: unknown): boolean => RETRYABLE.has(sqlState(error) ?? '')

const constraintOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'constraint' in error
    ? String(error.constraint)
    : undefined

/**
 * Turns a driver error into a coded {@link StoreError} with the driver error as its cause.
 * Groupsync's own errors pass through unchanged.
 */
export const mapPgError = (error: unknown, action: string): GroupsyncError<string> => {
  if (error instanceof GroupsyncError) return error as GroupsyncError<string>
  const state = sqlState(error)
  const fail = (code: StoreError['code'], what: string) =>
    new StoreError(code, `${action}: ${what}`, { cause: error, ...(state && { value: state }) })
  if (state === undefined) {
    return fail('STORE_UNAVAILABLE', 'the database could not be reached; retry later.')
  }
  if (RETRYABLE.has(state)) {
    return fail('STORE_CONFLICT', 'a concurrent change kept winning; retry the operation.')
  }
  if (
    (state === '23P01' || state === '23505') &&
    constraintOf(error) === 'org_groups_name_unique'
  ) {
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
