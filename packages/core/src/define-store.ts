import { compareCodeUnits, compareGroups } from './compute-membership-diff.js'
import { ManualMembershipManagementDisabledError } from './errors.js'
import { claimSliceKeys } from './org-group-slice.js'
import {
  type AuditEvent,
  type AuditEventInput,
  type ClosableStore,
  type GroupChangeOptions,
  type LoginSyncStore,
  type MembershipStore,
  type OrgSettings,
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
  assertOrgSettings,
  assertStoreDate,
  assertStoreId,
  assertStoreText,
  groupNotFound,
  isStorableText,
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
    { path: 'manageGroupMemberships', value: orgId },
  )

const loginRole = (
  adapter: LoginSyncAdapter,
  track: ReturnType<typeof lifecycle>['track'],
): LoginSyncStore => ({
  getOrgSettings: (orgId, options) =>
    track('getOrgSettings', options, async (call) => {
      assertStoreId(orgId, 'orgId')
      return copySettings(await adapter.readSettings(orgId, call))
    }),

  withLoginSync: <A>(
    orgId: string,
    userId: string,
    claimGroups: readonly string[],
    decide: (snapshot: UserSyncSnapshot) => UserSyncDecision<A>,
    options?: GroupChangeOptions,
  ): Promise<A> =>
    track('withLoginSync', options, (call) => {
      assertStoreId(orgId, 'orgId')
      assertStoreId(userId, 'userId')
      assertClaimGroups(claimGroups, 'claimGroups')
      if (typeof decide !== 'function') throw invalid('decide', 'must be a function')
      const claim = [...claimGroups]
      // A key no stored name can have (a NUL, a lone surrogate) cannot find a group: left out,
      // so that it never reaches a database that would reject it.
      const keys = claimSliceKeys(claim).filter(isStorableText)
      return adapter.loginUnit(
        orgId,
        userId,
        keys,
        (read) => {
          const snapshot = snapshotOf(orgId, userId, claim, read)
          return checkDecision<A>(snapshot, decide(snapshot))
        },
        call,
      )
    }),

  readLastSync: (orgId, userId, options) =>
    track('readLastSync', options, async (call) => {
      assertStoreId(orgId, 'orgId')
      assertStoreId(userId, 'userId')
      const last = await adapter.readLastSync(orgId, userId, call)
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
  track: ReturnType<typeof lifecycle>['track'],
  now: () => Date,
): UserRemovalStore => ({
  removeUser: (orgId, userId, options) =>
    track('removeUser', options, (call) => {
      assertStoreId(orgId, 'orgId')
      assertStoreId(userId, 'userId')
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
          assertStoreDate(removedAt, 'now()')
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
  const removal =
    typeof adapter.removeUserUnit === 'function'
      ? removalRole(adapter as UserRemovalAdapter, track, options.now ?? (() => new Date()))
      : {}
  return { ...loginRole(adapter, track), ...removal, close }
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
  const admin = (call: AdapterCall, opts: GroupChangeOptions | undefined) => ({
    ...call,
    actor: opts?.actor,
  })

  const manualChange = (
    action: 'add' | 'remove',
    orgId: string,
    groupId: string,
    userId: string,
    options: GroupChangeOptions | undefined,
  ): Promise<boolean> =>
    track(action === 'add' ? 'addManualMember' : 'removeManualMember', options, (call) => {
      assertStoreId(orgId, 'orgId')
      assertStoreId(groupId, 'groupId')
      assertStoreId(userId, 'userId')
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
    ...loginRole(adapter, track),

    createGroup: (orgId, name, options) =>
      track('createGroup', options, async (call) => {
        assertStoreId(orgId, 'orgId')
        assertStoreText(name, 'name')
        return copyGroup(await adapter.createGroup(orgId, name, admin(call, options)))
      }),

    renameGroup: (orgId, groupId, name, options) =>
      track('renameGroup', options, async (call) => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(groupId, 'groupId')
        assertStoreText(name, 'name')
        const group = await adapter.renameGroup(orgId, groupId, name, admin(call, options))
        if (group === null) throw groupNotFound(orgId, groupId)
        return copyGroup(group)
      }),

    deleteGroup: (orgId, groupId, options) =>
      track('deleteGroup', options, async (call) => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(groupId, 'groupId')
        if (!(await adapter.deleteGroup(orgId, groupId, admin(call, options)))) {
          throw groupNotFound(orgId, groupId)
        }
      }),

    listGroups: (orgId, options) =>
      track('listGroups', options, async (call) => {
        assertStoreId(orgId, 'orgId')
        return (await adapter.listGroups(orgId, call)).map(copyGroup).sort(compareGroups)
      }),

    updateOrgSettings: (orgId, update, options) =>
      track('updateOrgSettings', options, async (call) => {
        assertStoreId(orgId, 'orgId')
        if (typeof update !== 'function') throw invalid('update', 'must be a function')
        // The last run of `update` decides (a retried transaction runs it again).
        let inForce: OrgSettings = copySettings(null)
        await adapter.updateSettings(
          orgId,
          (current) => {
            const before = copySettings(current)
            const decided = update({ ...before })
            if (isThenable(decided)) throw invalid('update', 'must return synchronously')
            if (decided === null) {
              inForce = before
              return null
            }
            assertOrgSettings(decided.settings)
            assertAuditEvents(orgId, decided.audit)
            inForce = copySettings(decided.settings)
            return { settings: copySettings(decided.settings), audit: [...decided.audit] }
          },
          call,
        )
        return inForce
      }),

    addManualMember: (orgId, groupId, userId, options) =>
      manualChange('add', orgId, groupId, userId, options),
    removeManualMember: (orgId, groupId, userId, options) =>
      manualChange('remove', orgId, groupId, userId, options),

    ...removalRole(adapter, track, now),

    listMembers: (orgId, groupId, options) =>
      track('listMembers', options, async (call) => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(groupId, 'groupId')
        const members = await adapter.listMembers(orgId, groupId, call)
        if (members === null) throw groupNotFound(orgId, groupId)
        return members.map(copyMembership).sort(byUserId)
      }),

    listUserMemberships: (orgId, userId, options) =>
      track('listUserMemberships', options, async (call) => {
        assertStoreId(orgId, 'orgId')
        assertStoreId(userId, 'userId')
        return (await adapter.listUserMemberships(orgId, userId, call))
          .map(copyMembership)
          .sort(byGroupId)
      }),

    listStaleMembers: (orgId, olderThan, options) =>
      track('listStaleMembers', options, async (call) => {
        assertStoreId(orgId, 'orgId')
        assertStoreDate(olderThan, 'olderThan')
        const stale = await adapter.listStaleMembers(orgId, new Date(olderThan.getTime()), call)
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
        assertStoreId(orgId, 'orgId')
        assertAuditQuery(query)
        const events = await adapter.listAuditEvents(
          orgId,
          {
            afterSeq: query?.afterSeq ?? 0,
            ...(query?.userId === undefined ? {} : { userId: query.userId }),
            ...(query?.limit === undefined ? {} : { limit: query.limit }),
          },
          call,
        )
        return events.map((e): AuditEvent => structuredClone(e)).sort((a, b) => a.seq - b.seq)
      }),

    close,
  }
}
