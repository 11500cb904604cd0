import type { MatchMode, OrgGroup } from '../org-group.js'

/** Who created a membership: the login sync, or an admin by hand. */
export type MembershipSource = 'sync' | 'manual'

/** An org group as a store keeps it. Names are unique within an organisation. */
export interface StoredGroup extends OrgGroup {
  readonly orgId: string
  /** When the group was created; null when the store's table keeps no creation time. */
  readonly createdAt: Date | null
}

/** One user's membership of one group, with where it came from. */
export interface Membership {
  readonly orgId: string
  readonly groupId: string
  readonly userId: string
  readonly source: MembershipSource
  /** When the membership was created; null when the store's table keeps no creation time. */
  readonly createdAt: Date | null
}

/** An organisation's group-mapping settings, as a store keeps them. */
export interface OrgSettings {
  /** When true, every login sets the user's memberships and manual changes are refused. */
  readonly manageGroupMemberships: boolean
  /** How claim entries are compared with group names. */
  readonly matchMode: MatchMode
}

/** What an `updateOrgSettings` step decides: the new settings and the events that record it. */
export interface OrgSettingsUpdate {
  readonly settings: OrgSettings
  readonly audit: readonly AuditEventInput[]
}

/**
 * The settings in force for an organisation that has never stored any: what a login's snapshot
 * and `updateOrgSettings`'s `current` see. `getOrgSettings` answers null for such an organisation,
 * so that a caller can tell an organisation never configured (a typo in its id?) from one with
 * mapping off.
 */
export const DEFAULT_ORG_SETTINGS: OrgSettings = {
  manageGroupMemberships: false,
  matchMode: 'exact',
}

/** A JSON value, for the free-form detail of an audit event. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue }

/**
 * The kinds of audit event groupsync writes. The `group.*` and `user.removed` events are written
 * by the store itself when a group is created, renamed or deleted or a user is removed from the
 * organisation (a delete or a removal first writes a `membership.removed` for each membership it
 * takes away), so the log alone rebuilds the groups and memberships.
 */
export type AuditEventType =
  | 'membership.added'
  | 'membership.removed'
  | 'sync.denied'
  | 'settings.changed'
  | 'group.created'
  | 'group.renamed'
  | 'group.deleted'
  | 'user.removed'

/** An audit event to append; the store stamps it with `seq` and `at`. */
export interface AuditEventInput {
  readonly type: AuditEventType
  readonly orgId: string
  readonly userId?: string
  readonly groupId?: string
  readonly groupName?: string
  readonly source?: MembershipSource
  /** SHA-256 hex digest of the claim that caused the event; never the raw token. */
  readonly claimDigest?: string
  /** Who acted, for manual changes and settings changes. */
  readonly actor?: string
  readonly detail?: { readonly [key: string]: JsonValue }
}

/** An appended audit event. `seq` increases strictly in the order events were committed. */
export interface AuditEvent extends AuditEventInput {
  readonly seq: number
  readonly at: Date
}

/**
 * What one login's unit of work sees: read once, at its start, under the per-user lock. Only the
 * slice of the organisation's groups that can change the diff (rule 11), so that a login's cost
 * depends on the claim and the user's memberships, not on the size of the organisation.
 */
export interface UserSyncSnapshot {
  readonly orgId: string
  readonly userId: string
  readonly settings: OrgSettings
  /**
   * The slice of the org's groups for this login's claim (rule 11), by name then id: the groups
   * whose lower-cased name is that of a claim entry, and the groups the user is a member of.
   * `computeMembershipDiff` over it returns the diff over the whole organisation.
   */
  readonly groups: readonly StoredGroup[]
  /** The user's memberships of the organisation's groups, by group id. */
  readonly memberships: readonly Membership[]
  /** When the user was last synced in this organisation, or null if never. */
  readonly lastSyncedAt: Date | null
  /**
   * The issue time of the token behind the user's last applied sync in this organisation
   * (`UserSyncChanges.tokenIssuedAt`), or null if none was recorded: a login whose token is older
   * is a replay of a stale token.
   */
  readonly lastTokenIssuedAt: Date | null
  /**
   * When the user was last removed from the organisation (`removeUser`), or null: a login whose
   * token was issued before it is a login from before the removal and must not bring the user's
   * memberships back.
   */
  readonly removedAt: Date | null
}

/** The writes of one unit of work, applied together or not at all. */
export interface UserSyncChanges {
  /** Groups of the snapshot to add the user to; an existing membership is left as it is. */
  readonly add: readonly { readonly groupId: string; readonly source: MembershipSource }[]
  /** Groups of the snapshot to remove the user from; absent memberships are ignored. */
  readonly remove: readonly string[]
  /** Audit events appended in the same transaction, in this order. */
  readonly audit: readonly AuditEventInput[]
  /** When given, recorded as the user's last sync time. */
  readonly syncedAt?: Date
  /**
   * When given (only together with `syncedAt`), recorded as the issue time of the token behind
   * this sync; when left out, the recorded one stays.
   */
  readonly tokenIssuedAt?: Date
}

/**
 * What the decide step of a unit of work returns: the writes to apply (or null for none) and the
 * value handed back to the caller.
 */
export interface UserSyncDecision<A> {
  readonly changes: UserSyncChanges | null
  readonly result: A
}

/** What a `removeUser` did. */
export interface UserRemoval {
  /** False when the user had nothing in the organisation: nothing was written. */
  readonly removed: boolean
  /** How many memberships were removed. */
  readonly memberships: number
}

/** A user's last-sync record in an organisation. */
export interface LastSync {
  readonly lastSyncedAt: Date
  /** The issue time of the token behind that sync, or null if none was recorded. */
  readonly lastTokenIssuedAt: Date | null
}

/** A user whose last sync in an organisation is older than some time. */
export interface StaleMember {
  readonly userId: string
  readonly lastSyncedAt: Date
}

/**
 * Per-call options of a store operation that writes.
 *
 * @example
 * ```ts
 * // Give up after 2 s: the call rejects with STORE_TIMEOUT and nothing is written.
 * await store.withLoginSync(orgId, userId, claimGroups, decide, { signal: AbortSignal.timeout(2_000) })
 * ```
 */
export interface StoreCallOptions {
  /**
   * Aborts the call (a deadline is `AbortSignal.timeout(ms)`): while it waits for its turn or
   * before it commits, the call rejects with `STORE_TIMEOUT` and writes nothing; once COMMIT has
   * been sent it may end in `STORE_OUTCOME_UNKNOWN`.
   */
  readonly signal?: AbortSignal
}

/** Options of an admin write: a group change or a manual membership change. */
export interface GroupChangeOptions extends StoreCallOptions {
  /** Who acted, recorded in the change's audit events. */
  readonly actor?: string
}

/** Which audit events to list. */
export interface AuditQuery {
  readonly userId?: string
  /** Only events with a larger `seq`. */
  readonly afterSeq?: number
  readonly limit?: number
}

// The failures every store operation may reject with, all `StoreError`s that mean nothing was
// written (`STORE_UNAVAILABLE`, `STORE_CONFLICT`, `STORE_INVALID_INPUT`, `STORE_TIMEOUT`,
// `GROUP_NOT_FOUND`, `GROUP_NAME_TAKEN`) — except `STORE_OUTCOME_UNKNOWN`: the connection was lost
// after COMMIT was sent, so the write may or may not have landed. Every write is safe to retry
// then: a login sync recomputes its diff from what is stored and converges, a manual change
// answers false if the first attempt landed, a repeated `createGroup` answers `GROUP_NAME_TAKEN`
// and a repeated `deleteGroup` `GROUP_NOT_FOUND`, and settings are written as a whole.
//
// Names and ids are arbitrary strings except that they may not hold a NUL character or a lone
// UTF-16 surrogate (`STORE_INVALID_INPUT`); ids are 1 to 255 code units; times lie between the
// years 1 and 9999. Every store built with `defineMembershipStore` or `defineLoginSyncStore`
// applies exactly the same checks, in core.

/** The forms an id column of a store can take; ids always travel as strings. */
export const ID_KINDS = ['text', 'uuid', 'integer', 'bigint'] as const

/**
 * The form of a store's ids: `text` (1 to 255 UTF-16 code units), `uuid` (the 8-4-4-4-12 hex
 * form, any case, handed back in lower case), `integer` or `bigint` (a signed 32- or 64-bit
 * decimal, handed back without a sign or leading zeros).
 */
export type IdKind = (typeof ID_KINDS)[number]

/**
 * What a store can keep, as its tables allow: every store built with `defineMembershipStore` or
 * `defineLoginSyncStore` refuses anything beyond these before its adapter sees it.
 */
export interface StoreLimits {
  /** The longest group name the store keeps, in UTF-8 bytes. */
  readonly maxNameBytes: number
  /** The form of the organisation, user and group ids of its tables. */
  readonly ids: { readonly org: IdKind; readonly user: IdKind; readonly group: IdKind }
}

/**
 * The login sync's role: what `syncOnLogin` needs and nothing more. An application that keeps
 * groups and memberships in its own tables implements this role (through `defineLoginSyncStore`)
 * and nothing else.
 */
export interface LoginSyncStore {
  /** What the store can keep; inputs beyond it are refused with `STORE_INVALID_INPUT`. */
  readonly limits: StoreLimits
  /**
   * The org's settings, or null if it never stored any (a login then changes nothing, and says
   * the org was never configured). Read before the unit of work.
   */
  readonly getOrgSettings: (
    orgId: string,
    options?: StoreCallOptions,
  ) => Promise<OrgSettings | null>
  /**
   * One login's unit of work, serialised per (org, user): reads the settings, the slice of the
   * org's groups for `claimGroups` (rule 11), the user's memberships and last-sync record, calls
   * `decide` with them, and applies what it returns — memberships, audit events and last-sync
   * time — all committed together or not at all. Calls for the same (org, user) run one after
   * the other; calls for different users do not wait for each other.
   *
   * `decide` MUST be synchronous (a returned promise is refused with `STORE_INVALID_INPUT`): the
   * store holds its locks while it runs. It MAY run more than once, when the store retries a
   * transaction after a serialisation failure, so it must have no side effects; only the last
   * run's decision is applied. If it throws, nothing is written and the error is rethrown.
   * Its changes may only add and remove groups of the snapshot.
   *
   * @example
   * ```ts
   * const diff = await store.withLoginSync('org1', 'alice', claim, (snap) => {
   *   const d = computeMembershipDiff(claim, snap.groups, snap.memberships.map((m) => m.groupId))
   *   return { result: d, changes: { add: d.toAdd.map((g) => ({ groupId: g.id, source: 'sync' })),
   *     remove: d.toRemove.map((g) => g.id), audit: [], syncedAt: new Date() } }
   * })
   * ```
   */
  readonly withLoginSync: <A>(
    orgId: string,
    userId: string,
    claimGroups: readonly string[],
    decide: (snapshot: UserSyncSnapshot) => UserSyncDecision<A>,
    options?: StoreCallOptions,
  ) => Promise<A>
  /** The user's last-sync record in the org, or null if never synced (the freshness guard's read). */
  readonly readLastSync: (
    orgId: string,
    userId: string,
    options?: StoreCallOptions,
  ) => Promise<LastSync | null>
}

/**
 * The offboarding role: removing a user from an organisation. Part of the admin role; a login-sync
 * store over an application's own tables has it too when its adapter has a removal unit
 * (`defineLoginSyncStore`).
 */
export interface UserRemovalStore {
  /**
   * Removes a user from the organisation (offboarding): every membership whatever its source,
   * with a `membership.removed` event each (by group id, the membership's source, the actor),
   * the user's last-sync record, and then one `user.removed` event with the actor — in one
   * transaction, serialised with the user's logins. Allowed while mapping is on: this is the
   * user's departure, not a manual change. It leaves a removal time behind (see
   * `UserSyncSnapshot.removedAt`) so that a login whose token was issued before the removal
   * cannot bring the memberships back. Idempotent: for a user with no memberships and no
   * last-sync record it writes nothing and resolves `{ removed: false, memberships: 0 }`.
   */
  readonly removeUser: (
    orgId: string,
    userId: string,
    options?: GroupChangeOptions,
  ) => Promise<UserRemoval>
}

/**
 * The admin role: groups, settings, manual membership changes, listings and the audit log. Manual
 * changes check the manual-change lock in their own unit of work: no member of this role can add
 * or remove a member while the organisation's mapping is on.
 */
export interface MembershipAdminStore extends UserRemovalStore {
  /**
   * Creates a group and appends a `group.created` event (with the actor) in the same transaction;
   * `GROUP_NAME_TAKEN` if the org has one of that name. Allowed while mapping is on.
   */
  readonly createGroup: (
    orgId: string,
    name: string,
    options?: GroupChangeOptions,
  ) => Promise<StoredGroup>
  /**
   * Renames a group and appends a `group.renamed` event (the new name in `groupName`, the old in
   * `detail.previousName`); `GROUP_NOT_FOUND`, or `GROUP_NAME_TAKEN` if another group has the name.
   */
  readonly renameGroup: (
    orgId: string,
    groupId: string,
    name: string,
    options?: GroupChangeOptions,
  ) => Promise<StoredGroup>
  /**
   * Deletes a group and all its memberships, appending a `membership.removed` event per member
   * (ordered by user id) and then `group.deleted`, in the same transaction; `GROUP_NOT_FOUND` if
   * there is none. Allowed while mapping is on: the group goes, not a member of it.
   */
  readonly deleteGroup: (
    orgId: string,
    groupId: string,
    options?: GroupChangeOptions,
  ) => Promise<void>
  /** The org's groups, ordered by name then id (UTF-16 code units). */
  readonly listGroups: (
    orgId: string,
    options?: StoreCallOptions,
  ) => Promise<readonly StoredGroup[]>

  /** The org's settings, or null if it never stored any ({@link DEFAULT_ORG_SETTINGS} then apply). */
  readonly getOrgSettings: (
    orgId: string,
    options?: StoreCallOptions,
  ) => Promise<OrgSettings | null>
  /**
   * Reads the org's settings and stores what `update` returns, with its audit events, in one
   * transaction under the org's exclusive lock, so that two concurrent changes of different
   * fields cannot undo each other and turning mapping on or off is never unaudited. `update`
   * returning null writes nothing; it may run more than once (a retried transaction), so it must
   * not have side effects. Resolves with the settings in force afterwards.
   *
   * @example
   * ```ts
   * await store.updateOrgSettings('acme', (current) =>
   *   current.manageGroupMemberships ? null : {
   *     settings: { ...current, manageGroupMemberships: true },
   *     audit: [{ type: 'settings.changed', orgId: 'acme', actor: 'admin@acme' }],
   *   })
   * ```
   */
  readonly updateOrgSettings: (
    orgId: string,
    update: (current: OrgSettings) => OrgSettingsUpdate | null,
    options?: StoreCallOptions,
  ) => Promise<OrgSettings>

  /**
   * Adds a user to a group by hand (source `manual`) with a `membership.added` event naming the
   * actor, in one unit of work that first reads the org's settings: while mapping is on it
   * rejects with `MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED` and writes nothing. Resolves false
   * (nothing written) if the user already was a member; `GROUP_NOT_FOUND` if no such group.
   */
  readonly addManualMember: (
    orgId: string,
    groupId: string,
    userId: string,
    options?: GroupChangeOptions,
  ) => Promise<boolean>
  /**
   * Removes a user from a group by hand with a `membership.removed` event (source `manual`, the
   * actor), under the same lock check as {@link MembershipAdminStore.addManualMember}; false if
   * the user was not a member.
   */
  readonly removeManualMember: (
    orgId: string,
    groupId: string,
    userId: string,
    options?: GroupChangeOptions,
  ) => Promise<boolean>
  /** The members of a group, ordered by user id; `GROUP_NOT_FOUND` if no such group. */
  readonly listMembers: (
    orgId: string,
    groupId: string,
    options?: StoreCallOptions,
  ) => Promise<readonly Membership[]>
  /** A user's memberships in an org, ordered by group id. */
  readonly listUserMemberships: (
    orgId: string,
    userId: string,
    options?: StoreCallOptions,
  ) => Promise<readonly Membership[]>
  /** Users whose last sync in the org is strictly older than `olderThan`, oldest first. */
  readonly listStaleMembers: (
    orgId: string,
    olderThan: Date,
    options?: StoreCallOptions,
  ) => Promise<readonly StaleMember[]>
  /** The org's audit events in `seq` order. */
  readonly listAuditEvents: (
    orgId: string,
    query?: AuditQuery,
    options?: StoreCallOptions,
  ) => Promise<readonly AuditEvent[]>
}

/** A store's lifecycle. */
export interface ClosableStore {
  /** Waits for calls in flight, then releases what the store opened itself; later calls reject. */
  readonly close: () => Promise<void>
}

/** A store that plays both roles: the memory and Postgres stores. */
export interface MembershipStore extends LoginSyncStore, MembershipAdminStore, ClosableStore {}
