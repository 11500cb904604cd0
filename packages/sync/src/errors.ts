import {
  GroupsyncError,
  ManualMembershipManagementDisabledError,
  MembershipInputError,
  StoreError,
} from '@groupsync/core'
import { ClaimsError } from '@groupsync/claims'

/**
 * Codes of the errors the sync service raises itself (claims and store errors keep their own
 * codes). Stable: match on them, never on messages.
 */
export type SyncErrorCode =
  // denials: the org's policy refused the login's claim; a `sync.denied` audit event was written
  | 'GROUPS_CLAIM_OVER_LIMIT'
  | 'GROUPS_CLAIM_OVERAGE_UNRESOLVED'
  | 'GROUPS_CLAIM_ABSENT_DENIED'
  | 'MASS_REMOVAL_GUARD_TRIPPED'
  | 'STALE_LOGIN_DENIED'
  // configuration and input, nothing written
  | 'SYNC_POLICY_INVALID'
  | 'SYNC_INPUT_INVALID'
  // a failure that is not a groupsync error (a bug, or a store that threw something uncoded)
  | 'SYNC_FAILED'

/**
 * An error raised by the sync service itself: a policy denial, an invalid policy or input, or an
 * unexpected failure.
 *
 * @example
 * ```ts
 * if (error instanceof SyncServiceError && error.code === 'MASS_REMOVAL_GUARD_TRIPPED') alertAdmin()
 * ```
 */
export class SyncServiceError extends GroupsyncError<SyncErrorCode> {
  readonly _tag = 'SyncServiceError'
}

/**
 * Everything {@link syncOnLogin} and {@link planOnLogin} can fail with: its own errors, the
 * claims package's (an invalid ID token, a malformed claim), and the store's.
 */
export type SyncError = SyncServiceError | ClaimsError | StoreError | MembershipInputError

/** Everything the membership admin service can fail with. */
export type MembershipAdminError =
  ManualMembershipManagementDisabledError | StoreError | SyncServiceError

/**
 * The codes of a denial: the login was authenticated but the org's policy refused its claim, so
 * nothing changed except one `sync.denied` audit event.
 */
export const DENIAL_CODES: ReadonlySet<string> = new Set([
  'GROUPS_CLAIM_OVER_LIMIT',
  'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
  'GROUPS_CLAIM_ABSENT_DENIED',
  'MASS_REMOVAL_GUARD_TRIPPED',
  'STALE_LOGIN_DENIED',
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
export const isSyncDenial = (error: SyncError): boolean => DENIAL_CODES.has(error.code)

/** Keeps groupsync errors as they are and wraps anything else as `SYNC_FAILED`. */
export function toSyncError(error: unknown): SyncError {
  if (
    error instanceof SyncServiceError ||
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
    error instanceof SyncServiceError
  ) {
    return error
  }
  return unexpected(error)
}

function unexpected(error: unknown): SyncServiceError {
  const code = error instanceof GroupsyncError ? ` (${String(error.code)})` : ''
  return new SyncServiceError(
    'SYNC_FAILED',
    `The sync failed unexpectedly${code}; nothing was written. See the cause, and report it if it is not a store outage.`,
    { cause: error },
  )
}
