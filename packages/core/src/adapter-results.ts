import { compareCodeUnits, compareGroups } from './compute-membership-diff.js'
import { StoreError } from './errors.js'
import { orgGroupSlice } from './org-group-slice.js'
import {
  DEFAULT_ORG_SETTINGS,
  type Membership,
  type OrgSettings,
  type StoredGroup,
  type UserSyncChanges,
  type UserSyncDecision,
  type UserSyncSnapshot,
} from './ports/membership-store.port.js'
import type { LoginSliceRead } from './ports/store-adapter.port.js'
import { assertUserSyncChanges } from './store-input.js'

// What crosses the validation layer from below and from `decide`: everything an adapter hands
// back is copied and put in the documented order here, so that no caller shares an adapter's
// objects and every store orders its lists the same way; a login's snapshot is exactly its slice;
// what `decide` returns is checked against that snapshot before an adapter writes it.

export const copyGroup = (g: StoredGroup): StoredGroup => ({
  orgId: g.orgId,
  id: g.id,
  name: g.name,
  createdAt: copyDate(g.createdAt),
})

export const copyMembership = (m: Membership): Membership => ({
  orgId: m.orgId,
  groupId: m.groupId,
  userId: m.userId,
  source: m.source,
  createdAt: copyDate(m.createdAt),
})

export const copySettings = (s: OrgSettings | null): OrgSettings => ({
  manageGroupMemberships: (s ?? DEFAULT_ORG_SETTINGS).manageGroupMemberships,
  matchMode: (s ?? DEFAULT_ORG_SETTINGS).matchMode,
})

export const copyDate = (d: Date | null | undefined): Date | null =>
  d === null || d === undefined ? null : new Date(d.getTime())

export const byGroupId = (a: Membership, b: Membership): number =>
  compareCodeUnits(a.groupId, b.groupId)
export const byUserId = (a: Membership, b: Membership): number =>
  compareCodeUnits(a.userId, b.userId)

export const invalid = (path: string, message: string): StoreError =>
  new StoreError('STORE_INVALID_INPUT', `${path}: ${message}`, { path })

/** A store adapter broke its contract: a bug in the adapter, not in the caller's input. */
const adapterBroken = (what: string): Error =>
  new Error(`groupsync store adapter contract broken: ${what}`)

export const isThenable = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function'

/** A decision without any write is no write at all: an adapter then need not touch the tables. */
const writesOf = (changes: UserSyncChanges | null): UserSyncChanges | null =>
  changes !== null &&
  (changes.add.length > 0 ||
    changes.remove.length > 0 ||
    changes.audit.length > 0 ||
    changes.syncedAt !== undefined)
    ? changes
    : null

/** The snapshot `decide` sees: exactly the slice, copied, ordered, frozen. */
export const snapshotOf = (
  orgId: string,
  userId: string,
  claimGroups: readonly string[],
  read: LoginSliceRead,
): UserSyncSnapshot => {
  const memberships = read.memberships.map(copyMembership).sort(byGroupId)
  const current = memberships.map((m) => m.groupId)
  const groups = orgGroupSlice(claimGroups, read.groups, current).map(copyGroup).sort(compareGroups)
  const ids = new Set(groups.map((g) => g.id))
  for (const id of current) {
    if (!ids.has(id))
      throw adapterBroken(`the user is a member of group ${id}, which it did not read`)
  }
  return Object.freeze({
    orgId,
    userId,
    settings: Object.freeze(copySettings(read.settings)),
    groups: Object.freeze(groups.map((g) => Object.freeze(g))),
    memberships: Object.freeze(memberships.map((m) => Object.freeze(m))),
    lastSyncedAt: copyDate(read.lastSyncedAt),
    lastTokenIssuedAt: copyDate(read.lastTokenIssuedAt),
    removedAt: copyDate(read.removedAt),
  })
}

/** Checks what a `decide` returned against the snapshot it saw. */
export const checkDecision = <A>(
  snapshot: UserSyncSnapshot,
  decision: unknown,
): UserSyncDecision<A> => {
  if (isThenable(decision)) {
    throw invalid('/decide', 'must return its decision synchronously, not a promise')
  }
  if (typeof decision !== 'object' || decision === null || !('changes' in decision)) {
    throw invalid('/decide', 'must return { changes, result }')
  }
  const { changes, result } = decision as UserSyncDecision<A>
  assertUserSyncChanges(
    { orgId: snapshot.orgId, groupIds: new Set(snapshot.groups.map((g) => g.id)) },
    changes,
  )
  return { changes: writesOf(changes), result }
}
