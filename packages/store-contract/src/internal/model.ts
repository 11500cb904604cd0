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
  settings: OrgSettings
  readonly audit: AuditEventInput[]
}

export const newOrgModel = (orgId: string): OrgModel => ({
  orgId,
  groups: [],
  members: new Map(),
  lastSync: new Map(),
  settings: DEFAULT_ORG_SETTINGS,
  audit: [],
})

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

/** Deletes a group and its memberships from the model. */
export const modelDeleteGroup = (m: OrgModel, groupId: string): void => {
  m.groups = m.groups.filter((g) => g.id !== groupId)
  for (const mine of m.members.values()) mine.delete(groupId)
}

/** An audit event without the fields the store stamps, for comparing with inputs. */
export const withoutStamp = ({ seq: _seq, at: _at, ...input }: AuditEvent): AuditEventInput => input

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
