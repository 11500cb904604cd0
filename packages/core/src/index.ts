// The public API of @groupsync/core. What each export is for:
// - the rules: computeMembershipDiff (Part 1), its order helpers, the org index and the slice
//   rule's keys (rule 11), which a store needs to read only what a login decides on;
// - the ports: the login sync's role, the admin role, and the adapter interfaces a storage
//   adapter implements, with defineLoginSyncStore/defineMembershipStore, the one validation
//   layer every store is built with;
// - the errors, and the audit events a store writes for a group change;
// - storeTimeout, for an adapter that runs out of time; the input checks stay inside core.
export {
  computeMembershipDiff,
  compareCodeUnits,
  compareGroups,
} from './compute-membership-diff.js'
export type {
  CaseOnlyMatch,
  MembershipDiff,
  MembershipDiffOptions,
} from './compute-membership-diff.js'
export type { MatchMode, OrgGroup } from './org-group.js'
export { indexOrgGroups, isOrgGroupIndex } from './org-group-index.js'
export type { OrgGroupIndex } from './org-group-index.js'
export { claimSliceKeys, orgGroupSlice, sliceKey } from './org-group-slice.js'
export {
  GroupsyncError,
  MembershipInputError,
  StoreError,
  ManualMembershipManagementDisabledError,
} from './errors.js'
export { CORE_ERROR_CODES, STORE_ERROR_CODES } from './errors.js'
export type { CoreErrorCode, GroupsyncErrorOptions, StoreErrorCode } from './errors.js'
export { DEFAULT_ORG_SETTINGS } from './ports/membership-store.port.js'
export type {
  AuditEvent,
  AuditEventInput,
  AuditEventType,
  AuditQuery,
  ClosableStore,
  GroupChangeOptions,
  JsonValue,
  LastSync,
  LoginSyncStore,
  Membership,
  MembershipAdminStore,
  MembershipSource,
  MembershipStore,
  OrgSettings,
  OrgSettingsUpdate,
  StaleMember,
  IdKind,
  StoreCallOptions,
  StoredGroup,
  StoreLimits,
  UserRemoval,
  UserRemovalStore,
  UserSyncChanges,
  UserSyncDecision,
  UserSyncSnapshot,
} from './ports/membership-store.port.js'
export type {
  AdapterAdminCall,
  AdapterCall,
  AdapterUnitResult,
  LoginSliceRead,
  LoginSyncAdapter,
  MemberChangeRead,
  MembershipStoreAdapter,
  UserRemovalAdapter,
  UserRemovalRead,
  UserRemovalWrite,
} from './ports/store-adapter.port.js'
export { defineLoginSyncStore, defineMembershipStore } from './define-store.js'
export type { DefineStoreOptions } from './define-store.js'
export { groupCreatedEvent, groupDeletedEvents, groupRenamedEvent } from './group-audit-events.js'
export type { AuditedGroup } from './group-audit-events.js'
export { MAX_STORE_ID_LENGTH, MIN_STORE_TIME, MAX_STORE_TIME, storeTimeout } from './store-input.js'
