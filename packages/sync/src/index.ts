export { syncOnLogin, syncOnLoginAsync, planOnLogin, planOnLoginAsync } from './sync-on-login.js'
export type {
  ClaimPolicyApplied,
  ClaimSummary,
  LoginSyncInput,
  PlannedChanges,
  PlanStep,
  SyncDeps,
  StaleLoginCause,
  StaleLoginResult,
  SyncedResult,
  SyncPlan,
  SyncResult,
  SyncTimings,
} from './sync-types.js'
export {
  AbsentClaimPolicyCodec,
  DEFAULT_SYNC_POLICY,
  MassRemovalGuardCodec,
  OverageClaimPolicyCodec,
  RemovalModeCodec,
  resolveSyncPolicy,
  StaleLoginPolicyCodec,
  SyncPolicyCodec,
} from './sync-policy.js'
export type {
  AbsentClaimPolicy,
  MassRemovalGuard,
  OverageClaimPolicy,
  RemovalMode,
  ResolvedSyncPolicy,
  StaleLoginPolicy,
  SyncPolicy,
} from './sync-policy.js'
export {
  createFreshnessGuard,
  DEFAULT_CLOCK_SKEW_MS,
  FreshnessLimitsCodec,
  readLastSync,
  readLastSyncAsync,
  syncFreshness,
} from './sync-freshness.js'
export type { FreshnessGuard, FreshnessLimits, SyncFreshness } from './sync-freshness.js'
export { createMembershipAdmin } from './membership-admin.js'
export type {
  ActorOptions,
  MembershipAdmin,
  MembershipAdminDeps,
  SettingsChange,
} from './membership-admin.js'
export { applyRemovalMode, explainMembershipDiff } from './explain-membership-diff.js'
export type { DiffExplanation, ExplainOptions } from './explain-membership-diff.js'
export { DENIAL_CODES, isSyncDenial, SYNC_ERROR_CODES, SyncError } from './errors.js'
export type { LoginSyncError, MembershipAdminError, SyncErrorCode } from './errors.js'
export { SYNC_TELEMETRY } from './sync-telemetry.js'
export type { SyncTelemetryOptions } from './sync-telemetry.js'
