import {
  GroupsyncError,
  ManualMembershipManagementDisabledError,
  MembershipInputError,
  StoreError,
} from '@groupsync/core'
import { ClaimsError } from '@groupsync/claims'

/** The sync's denials: the org's policy refused the login's claim; one `sync.denied` event. */
const SYNC_DENIAL_CODES = [
  'GROUPS_CLAIM_OVER_LIMIT',
  'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
  'GROUPS_CLAIM_ABSENT_DENIED',
  'MASS_REMOVAL_GUARD_TRIPPED',
  'STALE_LOGIN_DENIED',
] as const

/**
 * The codes of the errors the sync package raises itself (claims and store errors keep their
 * own codes), once, for code that lists or checks them: the denials, then configuration and
 * input (nothing written), then `SYNC_FAILED`, a failure that is not a groupsync error (a bug, or
 * a store that threw something uncoded). Stable: match on them, never on messages.
 */
export const SYNC_ERROR_CODES = [
  ...SYNC_DENIAL_CODES,
  'SYNC_POLICY_INVALID',
  'SYNC_INPUT_INVALID',
  'SYNC_FAILED',
] as const

/** A code of a {@link SyncError}. */
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number]

/**
 * An error the sync package raises itself: a policy denial, an invalid policy, freshness limit
 * or login input, or an unexpected failure.
 *
 * @example
 * ```ts
 * if (error instanceof SyncError && error.code === 'MASS_REMOVAL_GUARD_TRIPPED') alertAdmin()
 * ```
 */
export class SyncError extends GroupsyncError<SyncErrorCode> {
  readonly _tag = 'SyncError'
}

/**
 * Everything {@link syncOnLogin}, {@link planOnLogin} and {@link readLastSync} can fail with:
 * the sync's own errors, the claims package's (an invalid ID token, a malformed claim), the
 * store's, and core's (a match mode the store handed back that is not one).
 */
export type LoginSyncError = SyncError | ClaimsError | StoreError | MembershipInputError

/** Everything the membership admin service can fail with. */
export type MembershipAdminError = ManualMembershipManagementDisabledError | StoreError | SyncError

/**
 * The codes of a denial: the login was authenticated but the org's policy refused its claim, so
 * nothing changed except one `sync.denied` audit event. The sync's five, and the claims
 * package's two the sync refuses the same way (rule S3).
 */
export const DENIAL_CODES: ReadonlySet<string> = new Set([
  ...SYNC_DENIAL_CODES,
  'GROUPS_CLAIM_MALFORMED',
  'DISTRIBUTED_CLAIMS_FAILED',
])

/**
 * Tells whether a sync error is a policy denial (a `sync.denied` audit event was written) rather
 * than an invalid login, an invalid configuration or a store failure.
 *
 * @example
 * ```ts
 * const r = await syncOnLogin(input, deps)()
 * if (r._tag === 'Left' && isSyncDenial(r.left)) showLoginRefusedPage(r.left.code)
 * ```
 */
export const isSyncDenial = (error: LoginSyncError): boolean => DENIAL_CODES.has(error.code)

/** Keeps the login sync's errors as they are and wraps anything else as `SYNC_FAILED`. */
export function toLoginSyncError(error: unknown): LoginSyncError {
  if (
    error instanceof SyncError ||
    error instanceof ClaimsError ||
    error instanceof StoreError ||
    error instanceof MembershipInputError
  ) {
    return error
  }
  return unexpected(error)
}

/** Keeps the admin service's errors as they are and wraps anything else as `SYNC_FAILED`. */
export function toAdminError(error: unknown): MembershipAdminError {
  if (
    error instanceof ManualMembershipManagementDisabledError ||
    error instanceof StoreError ||
    error instanceof SyncError
  ) {
    return error
  }
  return unexpected(error)
}

function unexpected(error: unknown): SyncError {
  const code = error instanceof GroupsyncError ? ` (${String(error.code)})` : ''
  return new SyncError(
    'SYNC_FAILED',
    `The sync failed unexpectedly${code}; nothing was written. See the cause, and report it if it is not a store outage.`,
    { cause: error },
  )
}
