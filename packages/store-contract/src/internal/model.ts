import {
  DEFAULT_ORG_SETTINGS,
  compareCodeUnits,
  type AuditEvent,
  type AuditEventInput,
  type Membership,
  type MembershipSource,
  type OrgSettings,
} from '@groupsync/core'

/**
 * The simple model the model-based property compares a store with: one organisation, as plain
 * maps and arrays, with the port's rules written out directly.
 */
export interface OrgModel {
  readonly orgId: string
  /** The org's groups, with the ids the store gave them. */
  groups: { readonly id: string; readonly name: string }[]
  /** userId → groupId → source. */
  readonly members: Map<string, Map<string, MembershipSource>>
  /** userId → last sync time in epoch milliseconds. */
  readonly lastSync: Map<string, number>
  /** Users removed from the org at least once: their snapshots show a removal time. */
  readonly removed: Set<string>
  /** The settings in force: the defaults until an update stores some. */
  settings: OrgSettings
  /** Whether an update stored settings: until then `getOrgSettings` answers null. */
  settingsStored: boolean
  readonly audit: AuditEventInput[]
}

export const newOrgModel = (orgId: string): OrgModel => ({
  orgId,
  groups: [],
  members: new Map(),
  lastSync: new Map(),
  removed: new Set(),
  settings: DEFAULT_ORG_SETTINGS,
  settingsStored: false,
  audit: [],
})

/** What `getOrgSettings` answers for the model's org: null until settings were stored. */
export const modelStoredSettings = (m: OrgModel): OrgSettings | null =>
  m.settingsStored ? m.settings : null

/** The rule every store enforces on text, stated independently: no NUL, no lone surrogate. */
export const isStorable = (s: string): boolean => !s.includes('\u0000') && !/\p{Cs}/u.test(s)

export const modelMembersOf = (m: OrgModel, userId: string): Map<string, MembershipSource> => {
  let mine = m.members.get(userId)
  if (mine === undefined) {
    mine = new Map()
    m.members.set(userId, mine)
  }
  return mine
}

/** A user's memberships as [groupId, source] pairs ordered by group id, as the store lists them. */
export const modelMemberships = (m: OrgModel, userId: string): [string, MembershipSource][] =>
  [...(m.members.get(userId) ?? [])].sort(([a], [b]) => compareCodeUnits(a, b))

/** The same pairs from what a store returned. */
export const storeMemberships = (ms: readonly Membership[]): [string, MembershipSource][] =>
  ms.map((x) => [x.groupId, x.source])

/** The org's groups as [id, name] pairs, ordered by name then id. */
export const modelGroups = (m: OrgModel): [string, string][] =>
  m.groups
    .map((g): [string, string] => [g.id, g.name])
    .sort(([ia, na], [ib, nb]) => compareCodeUnits(na, nb) || compareCodeUnits(ia, ib))

/**
 * Deletes a group and its memberships from the model, with the events a store writes for it: a
 * `membership.removed` per member, by user id, then `group.deleted`.
 */
export const modelDeleteGroup = (m: OrgModel, groupId: string): void => {
  const groupName = m.groups.find((g) => g.id === groupId)?.name ?? ''
  m.groups = m.groups.filter((g) => g.id !== groupId)
  const removed = [...m.members]
    .filter(([, mine]) => mine.has(groupId))
    .sort(([a], [b]) => compareCodeUnits(a, b))
  for (const [userId, mine] of removed) {
    const source = mine.get(groupId)
    mine.delete(groupId)
    m.audit.push({
      type: 'membership.removed',
      orgId: m.orgId,
      userId,
      groupId,
      groupName,
      ...(source !== undefined && { source }),
    })
  }
  m.audit.push({ type: 'group.deleted', orgId: m.orgId, groupId, groupName })
}

/**
 * Removes a user from the model as `removeUser` does: nothing when the user has no membership and
 * no last sync; otherwise every membership, with a `membership.removed` each by group id (the
 * membership's source, the actor), the last sync, and then one `user.removed` event.
 */
export const modelRemoveUser = (
  m: OrgModel,
  userId: string,
  actor: string | undefined,
): { removed: boolean; memberships: number } => {
  const mine = [...(m.members.get(userId) ?? [])].sort(([a], [b]) => compareCodeUnits(a, b))
  if (mine.length === 0 && !m.lastSync.has(userId)) return { removed: false, memberships: 0 }
  const withActor = actor === undefined ? {} : { actor }
  for (const [groupId, source] of mine) {
    m.audit.push({
      type: 'membership.removed',
      orgId: m.orgId,
      userId,
      groupId,
      groupName: m.groups.find((g) => g.id === groupId)?.name ?? '',
      source,
      ...withActor,
    })
  }
  m.audit.push({
    type: 'user.removed',
    orgId: m.orgId,
    userId,
    ...withActor,
    detail: { memberships: mine.length },
  })
  m.members.delete(userId)
  m.lastSync.delete(userId)
  m.removed.add(userId)
  return { removed: true, memberships: mine.length }
}

/** An audit event without the `seq` and `at` a store stamps (if any), for comparing with inputs. */
export const withoutStamp = ({
  seq: _seq,
  at: _at,
  ...input
}: AuditEventInput & { readonly seq?: unknown; readonly at?: unknown }): AuditEventInput => input

/**
 * Replays a user's `membership.added` / `membership.removed` events onto a starting set of group
 * ids. Returns the final set, or a string saying which event did not fit (an add of a group the
 * user was already in, or a remove of one they were not in).
 */
export const replayAudit = (
  start: Iterable<string>,
  events: readonly AuditEventInput[],
  userId: string,
): Set<string> | string => {
  const state = new Set(start)
  for (const [i, e] of events.entries()) {
    if (e.userId !== userId || e.groupId === undefined) continue
    if (e.type === 'membership.added') {
      if (state.has(e.groupId)) return `event ${i} adds ${e.groupId}, which the user already had`
      state.add(e.groupId)
    } else if (e.type === 'membership.removed') {
      if (!state.has(e.groupId))
        return `event ${i} removes ${e.groupId}, which the user did not have`
      state.delete(e.groupId)
    }
  }
  return state
}

/** Groups and memberships as rebuilt from an audit log, with the times the log gives them. */
export interface ReplayedOrg {
  /** groupId → name and creation time (epoch ms). */
  readonly groups: Map<string, { name: string; readonly createdAt: number }>
  /** userId → groupId → source and time added (epoch ms). */
  readonly members: Map<
    string,
    Map<string, { readonly source: string; readonly createdAt: number }>
  >
}

/**
 * Replays an organisation's whole audit log from empty: `group.*` events create, rename and
 * delete groups, `membership.*` events add and remove members, and `user.removed` checks that the
 * user's removal took every membership away. Returns what it rebuilt, or a string saying which
 * event did not fit the state before it (a group created twice, a member added twice, a group
 * deleted while it still had members, a user removed who is still a member, …).
 */
export const replayLog = (events: readonly AuditEvent[]): ReplayedOrg | string => {
  const groups: ReplayedOrg['groups'] = new Map()
  const members: ReplayedOrg['members'] = new Map()
  const mine = (userId: string) => {
    let m = members.get(userId)
    if (m === undefined) {
      m = new Map()
      members.set(userId, m)
    }
    return m
  }
  for (const e of events) {
    const at = `event ${e.seq} (${e.type})`
    const groupId = e.groupId ?? ''
    const group = groups.get(groupId)
    switch (e.type) {
      case 'group.created':
        if (group !== undefined) return `${at} creates ${groupId}, which exists`
        groups.set(groupId, { name: e.groupName ?? '', createdAt: e.at.getTime() })
        break
      case 'group.renamed':
        if (group === undefined) return `${at} renames ${groupId}, which does not exist`
        group.name = e.groupName ?? ''
        break
      case 'group.deleted':
        if (group === undefined) return `${at} deletes ${groupId}, which does not exist`
        for (const [userId, m] of members) {
          if (m.has(groupId)) return `${at} deletes ${groupId}, which still has member ${userId}`
        }
        groups.delete(groupId)
        break
      case 'membership.added': {
        if (group === undefined) return `${at} adds to ${groupId}, which does not exist`
        const m = mine(e.userId ?? '')
        if (m.has(groupId)) return `${at} adds ${String(e.userId)}, already a member`
        m.set(groupId, { source: e.source ?? '', createdAt: e.at.getTime() })
        break
      }
      case 'membership.removed': {
        const m = mine(e.userId ?? '')
        if (!m.delete(groupId)) return `${at} removes ${String(e.userId)}, not a member`
        break
      }
      case 'user.removed': {
        const left = [...mine(e.userId ?? '').keys()]
        if (left.length > 0) {
          return `${at} removes ${String(e.userId)}, who is still a member of ${left.join(', ')}`
        }
        break
      }
      default:
        break
    }
  }
  return { groups, members }
}
