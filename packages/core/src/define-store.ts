import { compareCodeUnits, compareGroups } from './compute-membership-diff.js'
import { ManualMembershipManagementDisabledError, StoreError } from './errors.js'
import { claimSliceKeys } from './org-group-slice.js'
import {
  ID_KINDS,
  type AuditEvent,
  type AuditEventInput,
  type ClosableStore,
  type GroupChangeOptions,
  type LoginSyncStore,
  type MembershipStore,
  type OrgSettings,
  type StoreLimits,
  type UserRemoval,
  type UserRemovalStore,
  type UserSyncChanges,
  type UserSyncDecision,
  type UserSyncSnapshot,
} from './ports/membership-store.port.js'
import type {
  AdapterCall,
  LoginSyncAdapter,
  MembershipStoreAdapter,
  UserRemovalAdapter,
} from './ports/store-adapter.port.js'
import {
  assertAuditEvents,
  assertAuditQuery,
  assertClaimGroups,
  assertGroupName,
  assertOrgSettings,
  assertStoreDate,
  DEFAULT_STORE_LIMITS,
  groupNotFound,
  isStorableText,
  storeGroupId,
  storeId,
} from './store-input.js'
import {
  byGroupId,
  byUserId,
  checkDecision,
  copyDate,
  copyGroup,
  copyMembership,
  copySettings,
  invalid,
  isThenable,
  snapshotOf,
} from './adapter-results.js'
import { lifecycle } from './store-lifecycle.js'

// The one validation layer of every store: the adapters below it only do I/O. Everything a caller
// hands a store is checked here, before any adapter sees it; everything an adapter hands back is
// copied and put in the documented order here, so no caller ever shares an adapter's objects and
// every store orders its lists the same way. The copies, the login's snapshot and the check of a
// decision are in adapter-results.ts; the closed state and the calls in flight in
// store-lifecycle.ts.

/** Options of {@link defineMembershipStore} and of `defineLoginSyncStore`. */
export interface DefineStoreOptions {
  /** The clock of a user removal's time; `() => new Date()` by default. */
  readonly now?: () => Date
}

/**
 * The error of a manual change refused by the manual-change lock (rule S9).
 *
 * @internal
 */
export const manualChangeLocked = (
  orgId: string,
  action: 'add' | 'remove',
): ManualMembershipManagementDisabledError =>
  new ManualMembershipManagementDisabledError(
    'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED',
    `Organisation ${JSON.stringify(orgId)} maps group memberships from its identity provider: members cannot be ${action === 'add' ? 'added' : 'removed'} by hand. Change the groups at the provider, or turn mapping off.`,
    { path: '/manageGroupMemberships', value: orgId },
  )

/** The limits an adapter states, checked: a broken statement of them is the adapter's bug. */
const limitsOf = (adapter: LoginSyncAdapter): StoreLimits => {
  const limits = adapter.limits ?? DEFAULT_STORE_LIMITS
  const kinds: readonly unknown[] = ID_KINDS
  const ids = limits.ids as Record<string, unknown> | undefined
  if (
    !Number.isSafeInteger(limits.maxNameBytes) ||
    limits.maxNameBytes < 1 ||
    !['org', 'user', 'group'].every((k) => kinds.includes(ids?.[k]))
  ) {
    throw new TypeError(
      `groupsync store adapter contract broken: limits must be { maxNameBytes: a whole number of at least 1, ids: { org, user, group: ${ID_KINDS.join(' | ')} } }`,
    )
  }
  return Object.freeze({
    maxNameBytes: limits.maxNameBytes,
    ids: Object.freeze({ ...limits.ids }),
  })
}

/** Canonical org and user ids of a call, in the kinds the store's tables hold. */
const orgAndUser = (limits: StoreLimits, orgId: unknown, userId: unknown) =>
  [storeId(orgId, '/orgId', limits.ids.org), storeId(userId, '/userId', limits.ids.user)] as const

const loginRole = (
  adapter: LoginSyncAdapter,
  limits: StoreLimits,
  track: ReturnType<typeof lifecycle>['track'],
): LoginSyncStore => ({
  limits,
  getOrgSettings: (orgId, options) =>
    track('getOrgSettings', options, async (call) => {
      const stored = await adapter.readSettings(storeId(orgId, '/orgId', limits.ids.org), call)
      return stored === null ? null : copySettings(stored)
    }),

  withLoginSync: <A>(
    orgId: string,
    userId: string,
    claimGroups: readonly string[],
    decide: (snapshot: UserSyncSnapshot) => UserSyncDecision<A>,
    options?: GroupChangeOptions,
  ): Promise<A> =>
    track('withLoginSync', options, (call) => {
      const [org, user] = orgAndUser(limits, orgId, userId)
      assertClaimGroups(claimGroups, '/claimGroups')
      if (typeof decide !== 'function') throw invalid('/decide', 'must be a function')
      const claim = [...claimGroups]
      // A key no stored name can have (a NUL, a lone surrogate) cannot find a group: left out,
      // so that it never reaches a database that would reject it.
      const keys = claimSliceKeys(claim).filter(isStorableText)
      return adapter.loginUnit(
        org,
        user,
        keys,
        (read) => {
          const snapshot = snapshotOf(org, user, claim, read)
          return checkDecision<A>(snapshot, decide(snapshot))
        },
        call,
      )
    }),

  readLastSync: (orgId, userId, options) =>
    track('readLastSync', options, async (call) => {
      const last = await adapter.readLastSync(...orgAndUser(limits, orgId, userId), call)
      return last === null
        ? null
        : {
            lastSyncedAt: new Date(last.lastSyncedAt.getTime()),
            lastTokenIssuedAt: copyDate(last.lastTokenIssuedAt),
          }
    }),
})

/** Offboarding (`removeUser`), shared by both wrappers: the same checks, events and clock. */
const removalRole = (
  adapter: UserRemovalAdapter,
  limits: StoreLimits,
  track: ReturnType<typeof lifecycle>['track'],
  now: () => Date,
): UserRemovalStore => ({
  removeUser: (rawOrgId, rawUserId, options) =>
    track('removeUser', options, (call) => {
      const [orgId, userId] = orgAndUser(limits, rawOrgId, rawUserId)
      const actor = options?.actor
      const withActor = actor === undefined ? {} : { actor }
      return adapter.removeUserUnit<UserRemoval>(
        orgId,
        userId,
        ({ memberships, hasLastSync }) => {
          if (memberships.length === 0 && !hasLastSync) {
            return { write: null, result: { removed: false, memberships: 0 } }
          }
          const removed = [...memberships].sort(byGroupId)
          const audit: AuditEventInput[] = removed.map((m) => ({
            type: 'membership.removed',
            orgId,
            userId,
            groupId: m.groupId,
            groupName: m.groupName,
            source: m.source,
            ...withActor,
          }))
          audit.push({
            type: 'user.removed',
            orgId,
            userId,
            ...withActor,
            detail: { memberships: removed.length },
          })
          const removedAt = now()
          assertStoreDate(removedAt, '/now()')
          return {
            write: { audit, removedAt },
            result: { removed: true, memberships: removed.length },
          }
        },
        call,
      )
    }),
})

/**
 * Wraps a {@link LoginSyncAdapter} (an application's own tables) in the validation layer every
 * store shares, giving the login sync's role. This is how an application with its own groups and
 * memberships tables plugs into `syncOnLogin`. When the adapter also has a removal unit (a
 * {@link UserRemovalAdapter}), the store also has `removeUser`, with the same checks, events and
 * `now` option as {@link defineMembershipStore}'s.
 *
 * @example
 * ```ts
 * const store = defineLoginSyncStore(myTeamsAdapter)
 * await syncOnLoginAsync({ orgId, userId, idToken }, { store, claimsOptions })
 * ```
 */
export function defineLoginSyncStore(
  adapter: LoginSyncAdapter & UserRemovalAdapter,
  options?: DefineStoreOptions,
): LoginSyncStore & UserRemovalStore & ClosableStore
/** Over an adapter without a removal unit: the login sync's role only, no `removeUser`. */
export function defineLoginSyncStore(
  adapter: LoginSyncAdapter,
  options?: DefineStoreOptions,
): LoginSyncStore & ClosableStore
export function defineLoginSyncStore(
  adapter: LoginSyncAdapter & Partial<UserRemovalAdapter>,
  options: DefineStoreOptions = {},
): LoginSyncStore & Partial<UserRemovalStore> & ClosableStore {
  const { track, close } = lifecycle(adapter.close)
  const limits = limitsOf(adapter)
  const removal =
    typeof adapter.removeUserUnit === 'function'
      ? removalRole(adapter as UserRemovalAdapter, limits, track, options.now ?? (() => new Date()))
      : {}
  return { ...loginRole(adapter, limits, track), ...removal, close }
}

/**
 * Wraps a {@link MembershipStoreAdapter} in the validation layer every store shares, giving a
 * store with both roles. The memory and Postgres stores are built with it.
 *
 * @example
 * ```ts
 * export const createMyStore = (db: Db): MembershipStore => defineMembershipStore(myAdapter(db))
 * ```
 */
export function defineMembershipStore(
  adapter: MembershipStoreAdapter,
  options: DefineStoreOptions = {},
): MembershipStore {
  const now = options.now ?? (() => new Date())
  const { track, close } = lifecycle(adapter.close)
  const limits = limitsOf(adapter)
  const org = (orgId: unknown): string => storeId(orgId, '/orgId', limits.ids.org)
  const groupOf = (orgId: string, groupId: unknown): string =>
    storeGroupId(orgId, groupId, '/groupId', limits.ids.group)
  const admin = (call: AdapterCall, opts: GroupChangeOptions | undefined) => ({
    ...call,
    actor: opts?.actor,
  })

  const manualChange = (
    action: 'add' | 'remove',
    rawOrgId: string,
    rawGroupId: string,
    rawUserId: string,
    options: GroupChangeOptions | undefined,
  ): Promise<boolean> =>
    track(action === 'add' ? 'addManualMember' : 'removeManualMember', options, async (call) => {
      const [orgId, userId] = orgAndUser(limits, rawOrgId, rawUserId)
      let groupId: string
      try {
        groupId = groupOf(orgId, rawGroupId)
      } catch (error) {
        // No group has an id of another kind; but while mapping is on, the lock answers first,
        // whatever the change names (rule S9).
        if (
          error instanceof StoreError &&
          error.code === 'GROUP_NOT_FOUND' &&
          copySettings(await adapter.readSettings(orgId, call)).manageGroupMemberships
        ) {
          throw manualChangeLocked(orgId, action)
        }
        throw error
      }
      const actor = options?.actor
      return adapter.memberUnit(
        orgId,
        groupId,
        userId,
        ({ settings, group, isMember }) => {
          // The lock, read in the same unit of work as the write: rule S9.
          if (copySettings(settings).manageGroupMemberships) {
            throw manualChangeLocked(orgId, action)
          }
          if (group === null) throw groupNotFound(orgId, groupId)
          if (isMember === (action === 'add')) return { changes: null, result: false }
          const event: AuditEventInput = {
            type: action === 'add' ? 'membership.added' : 'membership.removed',
            orgId,
            userId,
            groupId,
            groupName: group.name,
            source: 'manual',
            ...(actor === undefined ? {} : { actor }),
          }
          const changes: UserSyncChanges =
            action === 'add'
              ? { add: [{ groupId, source: 'manual' }], remove: [], audit: [event] }
              : { add: [], remove: [groupId], audit: [event] }
          return { changes, result: true }
        },
        call,
      )
    })

  return {
    ...loginRole(adapter, limits, track),

    createGroup: (orgId, name, options) =>
      track('createGroup', options, async (call) => {
        const o = org(orgId)
        assertGroupName(name, '/name', limits.maxNameBytes)
        return copyGroup(await adapter.createGroup(o, name, admin(call, options)))
      }),

    renameGroup: (orgId, groupId, name, options) =>
      track('renameGroup', options, async (call) => {
        const o = org(orgId)
        const g = groupOf(o, groupId)
        assertGroupName(name, '/name', limits.maxNameBytes)
        const group = await adapter.renameGroup(o, g, name, admin(call, options))
        if (group === null) throw groupNotFound(o, g)
        return copyGroup(group)
      }),

    deleteGroup: (orgId, groupId, options) =>
      track('deleteGroup', options, async (call) => {
        const o = org(orgId)
        const g = groupOf(o, groupId)
        if (!(await adapter.deleteGroup(o, g, admin(call, options)))) throw groupNotFound(o, g)
      }),

    listGroups: (orgId, options) =>
      track('listGroups', options, async (call) =>
        (await adapter.listGroups(org(orgId), call)).map(copyGroup).sort(compareGroups),
      ),

    updateOrgSettings: (rawOrgId, update, options) =>
      track('updateOrgSettings', options, async (call) => {
        const orgId = org(rawOrgId)
        if (typeof update !== 'function') throw invalid('/update', 'must be a function')
        // The last run of `update` decides (a retried transaction runs it again).
        let inForce: OrgSettings = copySettings(null)
        await adapter.updateSettings(
          orgId,
          (current) => {
            const before = copySettings(current)
            const decided = update({ ...before })
            if (isThenable(decided)) throw invalid('/update', 'must return synchronously')
            if (decided === null) {
              inForce = before
              return null
            }
            assertOrgSettings(decided.settings)
            // `update` cannot know the org's canonical id: its events may name the org as the
            // caller did, and are kept under the canonical id, where the org's listing finds them.
            const audit: unknown = Array.isArray(decided.audit)
              ? decided.audit.map((e: unknown) =>
                  (e as AuditEventInput | null)?.orgId === rawOrgId
                    ? { ...(e as object), orgId }
                    : e,
                )
              : decided.audit
            assertAuditEvents(orgId, audit)
            inForce = copySettings(decided.settings)
            return { settings: copySettings(decided.settings), audit }
          },
          call,
        )
        return inForce
      }),

    addManualMember: (orgId, groupId, userId, options) =>
      manualChange('add', orgId, groupId, userId, options),
    removeManualMember: (orgId, groupId, userId, options) =>
      manualChange('remove', orgId, groupId, userId, options),

    ...removalRole(adapter, limits, track, now),

    listMembers: (orgId, groupId, options) =>
      track('listMembers', options, async (call) => {
        const o = org(orgId)
        const g = groupOf(o, groupId)
        const members = await adapter.listMembers(o, g, call)
        if (members === null) throw groupNotFound(o, g)
        return members.map(copyMembership).sort(byUserId)
      }),

    listUserMemberships: (orgId, userId, options) =>
      track('listUserMemberships', options, async (call) =>
        (await adapter.listUserMemberships(...orgAndUser(limits, orgId, userId), call))
          .map(copyMembership)
          .sort(byGroupId),
      ),

    listStaleMembers: (orgId, olderThan, options) =>
      track('listStaleMembers', options, async (call) => {
        const o = org(orgId)
        assertStoreDate(olderThan, '/olderThan')
        const stale = await adapter.listStaleMembers(o, new Date(olderThan.getTime()), call)
        return stale
          .map((s) => ({ userId: s.userId, lastSyncedAt: new Date(s.lastSyncedAt.getTime()) }))
          .sort(
            (a, b) =>
              a.lastSyncedAt.getTime() - b.lastSyncedAt.getTime() ||
              compareCodeUnits(a.userId, b.userId),
          )
      }),

    listAuditEvents: (orgId, query, options) =>
      track('listAuditEvents', options, async (call) => {
        const o = org(orgId)
        assertAuditQuery(query)
        const events = await adapter.listAuditEvents(
          o,
          {
            afterSeq: query?.afterSeq ?? 0,
            ...(query?.userId === undefined
              ? {}
              : { userId: storeId(query.userId, '/query/userId', limits.ids.user) }),
            ...(query?.limit === undefined ? {} : { limit: query.limit }),
          },
          call,
        )
        return events.map((e): AuditEvent => structuredClone(e)).sort((a, b) => a.seq - b.seq)
      }),

    close,
  }
}
