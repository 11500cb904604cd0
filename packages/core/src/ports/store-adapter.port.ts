import type {
  AuditEvent,
  AuditEventInput,
  AuditQuery,
  LastSync,
  Membership,
  OrgSettings,
  OrgSettingsUpdate,
  StaleMember,
  StoreLimits,
  StoredGroup,
  UserSyncDecision,
} from './membership-store.port.js'

// The adapter side of the store ports: what a storage adapter implements. An adapter does I/O
// only. `defineLoginSyncStore` and `defineMembershipStore` wrap it in the one validation layer
// every store shares: input checks, the closed state, copying and ordering of what it returns,
// the check of a unit of work's changes, and the manual-change lock. Services hold the wrapped
// ports, never an adapter: an adapter's units of work run whatever `work` they are given.
//
// Every input an adapter receives has been checked (ids, names, times, audit events, changes).
// Every `work` callback is synchronous and may be called more than once (a retried transaction);
// an adapter applies what the last call returned. An error thrown by `work` must be rethrown
// unchanged after rolling back. Failures of the adapter's own I/O should be `StoreError`s
// (`STORE_UNAVAILABLE`, `STORE_CONFLICT`, `STORE_TIMEOUT`, `STORE_OUTCOME_UNKNOWN`,
// `GROUP_NAME_TAKEN`); anything else reaches the caller as it is.

/** Per-call context an adapter receives: the caller's signal, if any. */
export interface AdapterCall {
  /** The caller's deadline or cancellation; an adapter adds its own timeouts to it. */
  readonly signal: AbortSignal | undefined
}

/** An admin write's context: the signal and who acted. */
export interface AdapterAdminCall extends AdapterCall {
  readonly actor: string | undefined
}

/** What a login's unit of work read, under the per-user lock. */
export interface LoginSliceRead {
  /** The org's settings, or null when it never stored any. */
  readonly settings: OrgSettings | null
  /**
   * At least the groups of the slice (rule 11): those whose `sliceKey(name)` is one of the keys
   * asked for, and those the user is a member of. Only groups of the organisation; any order. The
   * store's wrapper keeps exactly the slice.
   */
  readonly groups: readonly StoredGroup[]
  /** The user's memberships of the organisation's groups, any order. */
  readonly memberships: readonly Membership[]
  readonly lastSyncedAt: Date | null
  readonly lastTokenIssuedAt: Date | null
  /** When the user was last removed from the organisation; null or absent when never. */
  readonly removedAt?: Date | null
}

/** What an application implements to run the login sync over its own tables. */
export interface LoginSyncAdapter {
  /**
   * What the adapter's tables can keep; the wrapper refuses inputs beyond it. Default: text ids
   * and names of up to 65,536 bytes.
   */
  readonly limits?: StoreLimits
  /** The org's settings, or null when it never stored any. */
  readonly readSettings: (orgId: string, call: AdapterCall) => Promise<OrgSettings | null>
  /**
   * One login's unit of work: serialised per (org, user) against other units of work of that
   * user (and against changes of the org's groups and settings), it reads a {@link
   * LoginSliceRead} for the slice keys (the groups whose `sliceKey(name)` is one of `sliceKeys`,
   * plus the user's memberships' groups), calls `work`, and applies its `changes` in the same
   * transaction: delete the memberships in `remove`, insert those in `add` (leaving an existing
   * one as it is), append the audit events in order, and when `syncedAt` is set, record it (and
   * `tokenIssuedAt`, when set) as the user's last sync. Resolves with `result`.
   */
  readonly loginUnit: <A>(
    orgId: string,
    userId: string,
    sliceKeys: readonly string[],
    work: (read: LoginSliceRead) => UserSyncDecision<A>,
    call: AdapterCall,
  ) => Promise<A>
  /** The user's last-sync record, or null. */
  readonly readLastSync: (
    orgId: string,
    userId: string,
    call: AdapterCall,
  ) => Promise<LastSync | null>
  /** Releases what the adapter opened itself; called once, after calls in flight have ended. */
  readonly close?: () => Promise<void>
}

/** What a manual change's unit of work read, under the per-user lock. */
export interface MemberChangeRead {
  readonly settings: OrgSettings | null
  /** The group, or null when the org has no group of that id. */
  readonly group: StoredGroup | null
  /** Whether the user is a member of it. */
  readonly isMember: boolean
}

/** What a user removal's unit of work read, under the per-user lock. */
export interface UserRemovalRead {
  /** The user's memberships of the organisation's groups, with their groups' names. */
  readonly memberships: readonly (Membership & { readonly groupName: string })[]
  /** Whether the user has a last-sync record. */
  readonly hasLastSync: boolean
}

/** The writes of a user removal. */
export interface UserRemovalWrite {
  /** Audit events, appended in this order. */
  readonly audit: readonly AuditEventInput[]
  /** The removal time, kept so that older tokens cannot bring the memberships back. */
  readonly removedAt: Date
}

/**
 * The removal unit of an adapter: part of {@link MembershipStoreAdapter}, and what a {@link
 * LoginSyncAdapter} adds so that `defineLoginSyncStore` also gives `removeUser`. The unit must
 * hold the same per-(org, user) lock as the adapter's login unit, and the login unit must then
 * read the recorded `removedAt` back (`LoginSliceRead.removedAt`).
 */
export interface UserRemovalAdapter {
  /**
   * A user removal's unit of work, serialised with the user's logins: reads a {@link
   * UserRemovalRead}, calls `work`; when it returns a write, deletes every membership of the user
   * in the org and the last-sync record, records `removedAt`, and appends the audit events, in
   * one transaction.
   */
  readonly removeUserUnit: <A>(
    orgId: string,
    userId: string,
    work: (read: UserRemovalRead) => {
      readonly write: UserRemovalWrite | null
      readonly result: A
    },
    call: AdapterCall,
  ) => Promise<A>
}

/**
 * The full adapter: the login sync's role and the admin role. The org's exclusive lock (group and
 * settings changes) must never make logins wait behind a change that is itself waiting: take it
 * without queueing (try, pause, try again within the call's deadline, as the Postgres store does),
 * or use a lock whose waiting writer does not block new readers.
 */
export interface MembershipStoreAdapter extends LoginSyncAdapter, UserRemovalAdapter {
  /** Creates a group and appends `groupCreatedEvent(group, actor)` in one transaction. */
  readonly createGroup: (
    orgId: string,
    name: string,
    call: AdapterAdminCall,
  ) => Promise<StoredGroup>
  /**
   * Renames a group and appends `groupRenamedEvent` in one transaction under the org's exclusive
   * lock; null when there is no such group (nothing written).
   */
  readonly renameGroup: (
    orgId: string,
    groupId: string,
    name: string,
    call: AdapterAdminCall,
  ) => Promise<StoredGroup | null>
  /**
   * Deletes a group and its memberships and appends `groupDeletedEvents` in one transaction under
   * the org's exclusive lock; false when there is no such group (nothing written).
   */
  readonly deleteGroup: (orgId: string, groupId: string, call: AdapterAdminCall) => Promise<boolean>
  readonly listGroups: (orgId: string, call: AdapterCall) => Promise<readonly StoredGroup[]>
  /**
   * Under the org's exclusive lock: reads the settings (null if none), calls `work`, and when it
   * returns an update, stores its settings and appends its audit events in the same transaction.
   */
  readonly updateSettings: (
    orgId: string,
    work: (current: OrgSettings | null) => OrgSettingsUpdate | null,
    call: AdapterCall,
  ) => Promise<void>
  /**
   * A manual change's unit of work, serialised with the user's logins: reads a {@link
   * MemberChangeRead}, calls `work`, applies its changes like {@link LoginSyncAdapter.loginUnit}.
   */
  readonly memberUnit: <A>(
    orgId: string,
    groupId: string,
    userId: string,
    work: (read: MemberChangeRead) => UserSyncDecision<A>,
    call: AdapterCall,
  ) => Promise<A>
  /** The group's members (any order), or null when there is no such group. */
  readonly listMembers: (
    orgId: string,
    groupId: string,
    call: AdapterCall,
  ) => Promise<readonly Membership[] | null>
  readonly listUserMemberships: (
    orgId: string,
    userId: string,
    call: AdapterCall,
  ) => Promise<readonly Membership[]>
  /** Users whose last sync is strictly older than `olderThan`, any order. */
  readonly listStaleMembers: (
    orgId: string,
    olderThan: Date,
    call: AdapterCall,
  ) => Promise<readonly StaleMember[]>
  /** Events with `seq > afterSeq` (and of `userId` when set), in `seq` order, at most `limit`. */
  readonly listAuditEvents: (
    orgId: string,
    query: Required<Pick<AuditQuery, 'afterSeq'>> & Pick<AuditQuery, 'userId' | 'limit'>,
    call: AdapterCall,
  ) => Promise<readonly AuditEvent[]>
}
