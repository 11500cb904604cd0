import type { MatchMode, OrgGroup } from '../org-group.js'
import type { OrgGroupIndex } from '../org-group-index.js'

/** Who created a membership: the login sync, or an admin by hand. */
export type MembershipSource = 'sync' | 'manual'

/** An org group as a store keeps it. Names are unique within an organisation. */
export interface StoredGroup extends OrgGroup {
  readonly orgId: string
  readonly createdAt: Date
}

/** One user's membership of one group, with where it came from. */
export interface Membership {
  readonly orgId: string
  readonly groupId: string
  readonly userId: string
  readonly source: MembershipSource
  readonly createdAt: Date
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

/** The settings of an organisation that has never stored any. */
export const DEFAULT_ORG_SETTINGS: OrgSettings = {
  manageGroupMemberships: false,
  matchMode: 'exact',
}

/** A JSON value, for the free-form detail of an audit event. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue }

/**
 * The kinds of audit event groupsync writes. The `group.*` events are written by the store itself
 * when a group is created, renamed or deleted (a delete first writes a `membership.removed` for
 * each member it takes away), so the log alone rebuilds the groups and memberships.
 */
export type AuditEventType =
  | 'membership.added'
  | 'membership.removed'
  | 'sync.denied'
  | 'settings.changed'
  | 'group.created'
  | 'group.renamed'
  | 'group.deleted'

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

/** What one user's unit of work sees: read once, at its start, under the per-user lock. */
export interface UserSyncSnapshot {
  readonly orgId: string
  readonly userId: string
  readonly settings: OrgSettings
  /** All groups of the organisation; read-only (a store may share them between snapshots). */
  readonly groups: readonly StoredGroup[]
  /**
   * An index of `groups` (from `indexOrgGroups`: the same groups in the same order), when the
   * store keeps one per version of the organisation's groups. `computeMembershipDiff` given it
   * returns the same diff as given `groups` without walking every group. Absent otherwise.
   */
  readonly groupIndex?: OrgGroupIndex<StoredGroup>
  /** The user's memberships of the organisation's groups. */
  readonly memberships: readonly Membership[]
  /** When the user was last synced in this organisation, or null if never. */
  readonly lastSyncedAt: Date | null
  /**
   * The issue time of the token behind the user's last applied sync in this organisation
   * (`UserSyncChanges.tokenIssuedAt`), or null if none was recorded: a login whose token is older
   * is a replay of a stale token.
   */
  readonly lastTokenIssuedAt: Date | null
}

/** The writes of one unit of work, applied together or not at all. */
export interface UserSyncChanges {
  /** Groups (of this org) to add the user to; an existing membership is left as it is. */
  readonly add: readonly { readonly groupId: string; readonly source: MembershipSource }[]
  /** Groups (of this org) to remove the user from; absent memberships are ignored. */
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
 * What the decide step of {@link MembershipStore.withUserSync} returns: the writes to apply
 * (or null for none) and the value handed back to the caller.
 */
export interface UserSyncDecision<A> {
  readonly changes: UserSyncChanges | null
  readonly result: A
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
 * await store.withUserSync(orgId, userId, decide, { signal: AbortSignal.timeout(2_000) })
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

/** Options of a group create, rename or delete. */
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

/**
 * Where memberships live. Every operation rejects with a `StoreError` on failure
 * (`STORE_UNAVAILABLE`, `STORE_CONFLICT`, `STORE_INVALID_INPUT`, `STORE_TIMEOUT`,
 * `GROUP_NOT_FOUND`, `GROUP_NAME_TAKEN`) and then has changed nothing — except
 * `STORE_OUTCOME_UNKNOWN`: the connection was lost after COMMIT was sent, so the write may or may
 * not have landed. Every write is safe to retry then: a login sync recomputes its diff from what
 * is stored and converges, `addMember`/`removeMember` answer false if the first attempt landed,
 * a repeated `createGroup` answers `GROUP_NAME_TAKEN` and a repeated `deleteGroup`
 * `GROUP_NOT_FOUND`, and settings are written as a whole.
 *
 * Writes take an optional {@link StoreCallOptions} `signal` (a caller's deadline); a store may
 * also bound every call by its own default timeouts, reported as `STORE_TIMEOUT`.
 *
 * Names and ids are arbitrary strings except that they may not hold a NUL character
 * (`STORE_INVALID_INPUT`): Postgres text cannot, so no store accepts one. Every store applies the
 * same input checks (`assertStoreText`, `assertStoreId`, `assertUserSyncChanges`, … in
 * `store-input.ts`): no lone UTF-16 surrogates either, ids of 1 to 255 code units, times between
 * the years 1 and 9999, and a unit of work may only add or remove groups of its organisation.
 */
export interface MembershipStore {
  /**
   * One login's unit of work, serialised per (org, user): reads a snapshot, calls `decide`, and
   * applies what it returns — memberships, audit events and last-sync time — all committed
   * together or not at all. Calls for the same (org, user) run one after the other; calls for
   * different users do not wait for each other, however many calls of one user are queued (a
   * queued call holds no database connection). If `decide` throws, nothing is written.
   *
   * @example
   * ```ts
   * const diff = await store.withUserSync('org1', 'alice', (snap) => {
   *   const d = computeMembershipDiff(claim, snap.groups, snap.memberships.map((m) => m.groupId))
   *   return { result: d, changes: { add: d.toAdd.map((g) => ({ groupId: g.id, source: 'sync' })),
   *     remove: d.toRemove.map((g) => g.id), audit: [], syncedAt: new Date() } }
   * })
   * ```
   */
  readonly withUserSync: <A>(
    orgId: string,
    userId: string,
    decide: (snapshot: UserSyncSnapshot) => UserSyncDecision<A> | Promise<UserSyncDecision<A>>,
    options?: StoreCallOptions,
  ) => Promise<A>

  /**
   * Creates a group and appends a `group.created` event (with the actor) in the same transaction;
   * `GROUP_NAME_TAKEN` if the org has one of that name.
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
   * there is none.
   */
  readonly deleteGroup: (
    orgId: string,
    groupId: string,
    options?: GroupChangeOptions,
  ) => Promise<void>
  /** The org's groups, ordered by name then id (UTF-16 code units). */
  readonly listGroups: (orgId: string) => Promise<readonly StoredGroup[]>

  /** The org's settings; {@link DEFAULT_ORG_SETTINGS} if never set. */
  readonly getOrgSettings: (orgId: string) => Promise<OrgSettings>
  /**
   * Stores the org's settings and appends the given audit events in the same transaction, so
   * that turning mapping on or off is never unaudited.
   */
  readonly setOrgSettings: (
    orgId: string,
    settings: OrgSettings,
    audit: readonly AuditEventInput[],
    options?: StoreCallOptions,
  ) => Promise<void>

  /**
   * Reads the org's settings and stores what `update` returns, with its audit events, in one
   * transaction under the org's exclusive lock, so that two concurrent changes of different
   * fields cannot undo each other. `update` returning null writes nothing; it may run more than
   * once (a retried transaction), so it must not have side effects. Resolves with the settings in
   * force afterwards.
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
   * Adds a member with the given source and appends the audit events, together; returns false
   * (and writes nothing) if the user already was a member. `GROUP_NOT_FOUND` if no such group.
   * Does not check the manual-change lock: the sync service does.
   */
  readonly addMember: (
    orgId: string,
    groupId: string,
    userId: string,
    source: MembershipSource,
    audit: readonly AuditEventInput[],
    options?: StoreCallOptions,
  ) => Promise<boolean>
  /**
   * Removes a member and appends the audit events, together; false (nothing written) if absent.
   * `GROUP_NOT_FOUND` if no such group.
   */
  readonly removeMember: (
    orgId: string,
    groupId: string,
    userId: string,
    audit: readonly AuditEventInput[],
    options?: StoreCallOptions,
  ) => Promise<boolean>
  /** The members of a group, ordered by user id; `GROUP_NOT_FOUND` if no such group. */
  readonly listMembers: (orgId: string, groupId: string) => Promise<readonly Membership[]>
  /** A user's memberships in an org, ordered by group id. */
  readonly listUserMemberships: (orgId: string, userId: string) => Promise<readonly Membership[]>
  /** Users whose last sync in the org is strictly older than `olderThan`, oldest first. */
  readonly listStaleMembers: (orgId: string, olderThan: Date) => Promise<readonly StaleMember[]>
  /** The org's audit events in `seq` order. */
  readonly listAuditEvents: (orgId: string, query?: AuditQuery) => Promise<readonly AuditEvent[]>
  /** Releases connections the store opened itself; a pool the caller passed in stays open. */
  readonly close: () => Promise<void>
}
