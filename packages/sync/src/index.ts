// The public API of @groupsync/sync, for a service: the login sync and its dry run (each as a
// TaskEither and as a Promise), what they take and answer, the policy (its codec decodes a policy
// read from the service's own settings), the freshness guard, the admin service, the errors with
// their codes, and the telemetry names. The parts of a result or of a policy are reached through
// it (`SyncResult`, `SyncPolicy['removalMode']`); the CLI names the few it renders.
export { syncOnLogin, syncOnLoginAsync, planOnLogin, planOnLoginAsync } from './sync-on-login.js'
export type {
  ClaimSummary,
  LoginSyncInput,
  PlannedChanges,
  SyncDeps,
  SyncPlan,
  SyncResult,
} from './sync-types.js'
export { SyncPolicyCodec } from './sync-policy.js'
export type { MassRemovalGuard, SyncPolicy } from './sync-policy.js'
export { createFreshnessGuard, readLastSync, readLastSyncAsync } from './sync-freshness.js'
export type { FreshnessGuard, FreshnessLimits, SyncFreshness } from './sync-freshness.js'
export { createMembershipAdmin } from './membership-admin.js'
export type { MembershipAdmin } from './membership-admin.js'
export { DENIAL_CODES, isSyncDenial, SYNC_ERROR_CODES, SyncError } from './errors.js'
export type { LoginSyncError, MembershipAdminError, SyncErrorCode } from './errors.js'
export { SYNC_TELEMETRY } from './sync-telemetry.js'
