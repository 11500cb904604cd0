// The public API of @groupsync/core. What each export is for:
// - the rules: computeMembershipDiff (Part 1) and its order helpers, and the slice rule's key
//   (rule 11), which a store needs to read only what a login decides on;
// - the ports: the login sync's role, the admin role, and the adapter interfaces a storage
//   adapter implements, with defineLoginSyncStore/defineMembershipStore, the one validation
//   layer every store is built with; the parts of a port a caller or an adapter names in its own
//   signatures are exported, the others are reached through the port (`MembershipStoreAdapter`);
// - the errors, and the audit events a store writes for a group change;
// - storeTimeout and the store's limits, for an adapter that runs out of time or checks a value.
export {
  computeMembershipDiff,
  compareCodeUnits,
  compareGroups,
} from './compute-membership-diff.js'
export type { MembershipDiff } from './compute-membership-diff.js'
export type { MatchMode, OrgGroup } from './org-group.js'
export { orgGroupSlice, sliceKey } from './org-group-slice.js'
export {
  GroupsyncError,
  MembershipInputError,
  StoreError,
  ManualMembershipManagementDisabledError,
} from './errors.js'
export { CORE_ERROR_CODES, STORE_ERROR_CODES } from './errors.js'
export type { StoreErrorCode } from './errors.js'
export { DEFAULT_ORG_SETTINGS } from './ports/membership-store.port.js'
export type {
  AuditEvent,
  AuditEventInput,
  AuditQuery,
  ClosableStore,
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
  StoredGroup,
  StoreLimits,
  UserRemoval,
  UserRemovalStore,
  UserSyncChanges,
  UserSyncDecision,
  UserSyncSnapshot,
} from './ports/membership-store.port.js'
export type {
  AdapterCall,
  LoginSliceRead,
  LoginSyncAdapter,
  MembershipStoreAdapter,
  UserRemovalAdapter,
} from './ports/store-adapter.port.js'
export { defineLoginSyncStore, defineMembershipStore } from './define-store.js'
export { groupCreatedEvent, groupDeletedEvents, groupRenamedEvent } from './group-audit-events.js'
export { MAX_STORE_ID_LENGTH, MIN_STORE_TIME, MAX_STORE_TIME, storeTimeout } from './store-input.js'
