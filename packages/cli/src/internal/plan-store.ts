import {
  defineLoginSyncStore,
  type LoginSyncStore,
  type Membership,
  type MembershipSource,
  type OrgSettings,
  type StoredGroup,
} from '@groupsync/core'

/** One user's side of an organisation, as `groupsync plan` reads it from its files. */
export interface PlanState {
  readonly orgId: string
  readonly userId: string
  readonly settings: OrgSettings
  readonly groups: readonly { readonly id: string; readonly name: string }[]
  /** The user's memberships by group id; ids of groups the org does not have are left out. */
  readonly memberships: ReadonlyMap<string, MembershipSource>
}

/**
 * A login-sync store over the state `groupsync plan` read from its files, so that the plan is the
 * sync's own dry run (`planOnLogin`) on it: the same slice, policy and decision as a real store.
 * It records no earlier sync and no removal, and it takes no writes — a dry run asks for none,
 * so one would be a bug.
 */
export function planStore(state: PlanState): LoginSyncStore {
  // The files carry no times; a group's creation time is read by nothing a plan shows.
  const createdAt = new Date(0)
  const groups: StoredGroup[] = state.groups.map(({ id, name }) => ({
    orgId: state.orgId,
    id,
    name,
    createdAt,
  }))
  const ids = new Set(groups.map((g) => g.id))
  // A store holds memberships only of the org's groups.
  const memberships: Membership[] = [...state.memberships]
    .filter(([groupId]) => ids.has(groupId))
    .map(([groupId, source]) => ({
      orgId: state.orgId,
      groupId,
      userId: state.userId,
      source,
      createdAt,
    }))
  return defineLoginSyncStore({
    readSettings: () => Promise.resolve(state.settings),
    loginUnit: (_orgId, _userId, _sliceKeys, work) => {
      const { changes, result } = work({
        settings: state.settings,
        groups,
        memberships,
        lastSyncedAt: null,
        lastTokenIssuedAt: null,
      })
      if (changes !== null) throw new Error('groupsync plan: a dry run asked to write')
      return Promise.resolve(result)
    },
    readLastSync: () => Promise.resolve(null),
  })
}
