/** The codes a {@link StoreError} can carry, once, for code that lists or checks them. */
export const STORE_ERROR_CODES = [
  'STORE_UNAVAILABLE',
  'STORE_CONFLICT',
  'STORE_INVALID_INPUT',
  'STORE_TIMEOUT',
  'STORE_OUTCOME_UNKNOWN',
  'GROUP_NOT_FOUND',
  'GROUP_NAME_TAKEN',
] as const

/** Codes a {@link StoreError} can carry. */
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number]

/**
 * Every error code core defines: the diff's precondition, the manual-change lock and the stores'.
 * Each other package exports its own list the same way (`CLAIMS_ERROR_CODES`,
 * `SYNC_ERROR_CODES`, …). Codes are stable: match on them, never on messages.
 */
export const CORE_ERROR_CODES = [
  'DUPLICATE_GROUP_ID',
  'MATCH_MODE_INVALID',
  'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED',
  ...STORE_ERROR_CODES,
] as const

/** An error code of core. */
export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number]

/** Options shared by every {@link GroupsyncError}. */
export interface GroupsyncErrorOptions {
  /** The underlying error (a driver error, a jose error). */
  readonly cause?: unknown
  /** Where in the input the problem is (a claim path, a field name). */
  readonly path?: string
  /** The offending value, when it is small and safe to show. */
  readonly value?: unknown
}

/**
 * Base class of every error groupsync raises or returns: a stable `code`, a message that says
 * what to do, and the offending `path` or `value` where there is one.
 *
 * @example
 * ```ts
 * if (error instanceof GroupsyncError && error.code === 'STORE_UNAVAILABLE') retryLater()
 * ```
 */
export class GroupsyncError<C extends string = string> extends Error {
  /** Stable, SCREAMING_SNAKE error code. */
  readonly code: C
  /** Where in the input the problem is, if known. */
  readonly path: string | undefined
  /** The offending value, if known. */
  readonly value: unknown

  constructor(code: C, message: string, options: GroupsyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.path = options.path
    this.value = options.value
  }
}

/**
 * A broken precondition of {@link computeMembershipDiff}: the inputs cannot describe a real
 * organisation (two groups with the same id), or the match mode is neither `exact` nor
 * `case-insensitive` (`MATCH_MODE_INVALID`).
 */
export class MembershipInputError extends GroupsyncError<
  'DUPLICATE_GROUP_ID' | 'MATCH_MODE_INVALID'
> {
  readonly _tag = 'MembershipInputError'
}

/**
 * A failure reported by a {@link MembershipStore}: the store could not be reached
 * (`STORE_UNAVAILABLE`), a concurrent change won (`STORE_CONFLICT`), the input cannot be stored
 * (`STORE_INVALID_INPUT`, e.g. a NUL character), the call ran out of time or was aborted
 * (`STORE_TIMEOUT`), or a group rule was broken. All of these mean nothing was written.
 *
 * `STORE_OUTCOME_UNKNOWN` is the one exception: the connection was lost after COMMIT was sent, so
 * the change may or may not have been committed. Retrying is safe: a login sync recomputes its
 * diff from what is stored and converges; a manual add or remove answers false if it had landed;
 * a group create answers `GROUP_NAME_TAKEN` and a delete `GROUP_NOT_FOUND` if theirs had.
 */
export class StoreError extends GroupsyncError<StoreErrorCode> {
  readonly _tag = 'StoreError'
}

/**
 * A manual membership change refused because the organisation maps group memberships from its
 * identity provider; the change must be made there.
 */
export class ManualMembershipManagementDisabledError extends GroupsyncError<'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED'> {
  readonly _tag = 'ManualMembershipManagementDisabledError'
}
