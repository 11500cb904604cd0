import {
  computeMembershipDiff,
  type AuditEventInput,
  type LoginSyncStore,
  type MembershipSource,
  type OrgGroup,
  type UserSyncChanges,
  type UserSyncSnapshot,
} from '@groupsync/core'
import fc from 'fast-check'
import { expect } from 'vitest'
import { pairsOf } from './login-harness.js'

// What the concurrency tests need to explain concurrent units of work by a serial order: the
// changes a login makes, how a store must apply them, and what each unit of work saw.

/** Group names the concurrency tests share: a case pair, quotes, a percent sign, an emoji. */
export const GROUP_NAMES = ['eng', 'Eng', "o'ps", '100%', 'back\\slash', '😀'] as const

/**
 * The changes and audit events of a login with the given claim, as the sync service makes them
 * (in the snapshot's match mode): `extra` fields go into each event, and without `syncedAt` the
 * last sync stays as it was.
 */
export const loginChangesFor = (
  snap: UserSyncSnapshot,
  claim: readonly string[],
  syncedAt: Date | undefined,
  extra: Pick<AuditEventInput, 'claimDigest' | 'detail'> = {},
): UserSyncChanges => {
  const diff = computeMembershipDiff(
    claim,
    snap.groups,
    snap.memberships.map((m) => m.groupId),
    { match: snap.settings.matchMode },
  )
  const event = (type: AuditEventInput['type'], g: OrgGroup): AuditEventInput => ({
    type,
    orgId: snap.orgId,
    userId: snap.userId,
    groupId: g.id,
    groupName: g.name,
    source: 'sync',
    ...extra,
  })
  return {
    add: diff.toAdd.map((g) => ({ groupId: g.id, source: 'sync' })),
    remove: diff.toRemove.map((g) => g.id),
    audit: [
      ...diff.toRemove.map((g) => event('membership.removed', g)),
      ...diff.toAdd.map((g) => event('membership.added', g)),
    ],
    ...(syncedAt !== undefined && { syncedAt }),
  }
}

/** A user's memberships as a map, which a unit of work's changes are applied to. */
export type MemberState = Map<string, MembershipSource>

/** Applies a unit of work's changes to a membership state, as a store must. */
export const applyChanges = (state: MemberState, changes: UserSyncChanges | null): void => {
  if (changes === null) return
  for (const id of changes.remove) state.delete(id)
  for (const { groupId, source } of changes.add) if (!state.has(groupId)) state.set(groupId, source)
}

/** What the last run of one call's decide saw and decided, and when it ran. */
export interface DecideRun {
  readonly call: number
  readonly order: number
  readonly memberships: [string, MembershipSource][]
  readonly lastSyncedAt: number | null
  readonly removedAt: number | null
  readonly changes: UserSyncChanges
}

export const claimArb: fc.Arbitrary<string[]> = fc.array(
  fc.oneof(fc.constantFrom(...GROUP_NAMES), fc.constantFrom('unmatched', 'ENG', '')),
  { maxLength: 8 },
)

/** A membership state as the sorted [groupId, source] pairs a snapshot's memberships give. */
export const statePairs = (state: MemberState): [string, MembershipSource][] =>
  pairsOf([...state].map(([groupId, source]) => ({ groupId, source })))

/**
 * Logins of one user that record what each call's decide saw and decided (only a call's last run
 * counts: a store may retry a unit of work). Call `call` syncs at `baseTime + call`.
 */
export const recordingLogins = (
  store: LoginSyncStore,
  orgId: string,
  userId: string,
  baseTime: number,
) => {
  let order = 0
  const runs = new Map<number, DecideRun>()
  return {
    login: (claim: readonly string[], call: number) =>
      store.withLoginSync(orgId, userId, claim, (snap) => {
        const changes = loginChangesFor(snap, claim, new Date(baseTime + call))
        runs.set(call, {
          call,
          order: (order += 1),
          memberships: pairsOf(snap.memberships),
          lastSyncedAt: snap.lastSyncedAt?.getTime() ?? null,
          removedAt: snap.removedAt?.getTime() ?? null,
          changes,
        })
        return { changes, result: call }
      }),
    /** The recorded runs in the order they ran. */
    ran: (): DecideRun[] => [...runs.values()].sort((a, b) => a.order - b.order),
  }
}

/**
 * Explains runs by their serial order: each saw exactly the memberships and last sync the runs
 * before it left, starting from `state` and `lastSync`. Applies them to `state`; returns the
 * last sync they leave.
 */
export const replaySerially = (
  runs: readonly DecideRun[],
  state: MemberState,
  lastSync: number | null,
  baseTime: number,
): number | null => {
  let last = lastSync
  for (const r of runs) {
    expect(r.memberships, `what login ${r.call} saw`).toEqual(statePairs(state))
    expect(r.lastSyncedAt, `the last sync login ${r.call} saw`).toBe(last)
    applyChanges(state, r.changes)
    last = baseTime + r.call
  }
  return last
}
