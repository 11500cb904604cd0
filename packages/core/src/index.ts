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
export {
  GroupsyncError,
  MembershipInputError,
  StoreError,
  ManualMembershipManagementDisabledError,
} from './errors.js'
export type { GroupsyncErrorCode, GroupsyncErrorOptions, StoreErrorCode } from './errors.js'
export { left, right, isLeft, isRight } from './result.js'
export type { Left, Right, Result } from './result.js'
export { DEFAULT_ORG_SETTINGS } from './ports/membership-store.port.js'
export type {
  AuditEvent,
  AuditEventInput,
  AuditEventType,
  AuditQuery,
  GroupChangeOptions,
  JsonValue,
  Membership,
  MembershipSource,
  MembershipStore,
  OrgSettings,
  OrgSettingsUpdate,
  StaleMember,
  StoreCallOptions,
  StoredGroup,
  UserSyncChanges,
  UserSyncDecision,
  UserSyncSnapshot,
} from './ports/membership-store.port.js'
export { groupCreatedEvent, groupDeletedEvents, groupRenamedEvent } from './group-audit-events.js'
export type { AuditedGroup } from './group-audit-events.js'
export {
  MAX_STORE_ID_LENGTH,
  MIN_STORE_TIME,
  MAX_STORE_TIME,
  assertAuditEvents,
  assertAuditQuery,
  assertGroupChangeOptions,
  assertMembershipSource,
  assertOrgSettings,
  assertStoreDate,
  assertStoreId,
  assertStoreText,
  assertUserSyncChanges,
  userSyncScope,
  groupNotFound,
  storeTimeout,
} from './store-input.js'
export type { UserSyncScope } from './store-input.js'
