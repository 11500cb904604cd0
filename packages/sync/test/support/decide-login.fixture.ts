import type { Membership, MembershipSource, StoredGroup, UserSyncSnapshot } from '@groupsync/core'
import { expect } from 'vitest'
import { type SyncPolicy } from '../../src/index.js'
import { resolveSyncPolicy, type ResolvedSyncPolicy } from '../../src/sync-policy.js'
import { digestGroups } from '../../src/internal/claim-digest.js'
import type { ComputedChanges, Decision } from '../../src/internal/decide-login.js'
import type { ClaimReading } from '../../src/internal/read-login-claim.js'

// What the tests of the pure login decision share: an org of four groups, a snapshot of alice's
// memberships in it, a present claim, a resolved policy, and readers of a decision.

export const at = new Date('2026-01-01T00:00:00Z')
export const group = (id: string, name: string): StoredGroup => ({
  id,
  name,
  orgId: 'acme',
  createdAt: at,
})
export const GROUPS = [
  group('g1', 'dev'),
  group('g2', 'ops'),
  group('g3', 'sales'),
  group('g4', 'support'),
]
export const byName = (name: string): StoredGroup =>
  GROUPS.find((g) => g.name === name) ?? group('?', name)

export function snapshot(
  memberships: Readonly<Record<string, MembershipSource>>,
  extra: Partial<UserSyncSnapshot> = {},
): UserSyncSnapshot {
  const list: Membership[] = Object.entries(memberships).map(([name, source]) => ({
    orgId: 'acme',
    groupId: byName(name).id,
    userId: 'alice',
    source,
    createdAt: at,
  }))
  return {
    orgId: 'acme',
    userId: 'alice',
    settings: { manageGroupMemberships: true, matchMode: 'exact' },
    groups: GROUPS,
    memberships: list,
    lastSyncedAt: null,
    lastTokenIssuedAt: null,
    removedAt: null,
    ...extra,
  }
}

export const present = (groups: readonly string[], tokenIssuedAt?: Date): ClaimReading => ({
  kind: 'sync',
  claim: {
    state: 'present',
    source: 'id_token',
    groups,
    droppedEmpty: 0,
    digest: digestGroups(groups),
    policy: 'present',
  },
  ...(tokenIssuedAt === undefined ? {} : { tokenIssuedAt }),
})

export function policy(p: SyncPolicy = {}): ResolvedSyncPolicy {
  const resolved = resolveSyncPolicy(p)
  if (resolved._tag === 'Left') throw resolved.left
  return resolved.right
}

export const names = (groups: readonly StoredGroup[]): string[] => groups.map((g) => g.name)

export function computedOf(decision: Decision): ComputedChanges {
  if (decision.kind !== 'sync') expect.fail(`expected a sync, got ${decision.kind}`)
  return decision.computed
}

export function deniedOf(decision: Decision): Extract<Decision, { kind: 'denied' }> {
  if (decision.kind !== 'denied') expect.fail(`expected a denial, got ${decision.kind}`)
  return decision
}
