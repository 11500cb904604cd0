import { describe, expect, it } from 'vitest'
import { SyncError } from '../src/index.js'
import { digestGroups } from '../src/internal/claim-digest.js'
import {
  decideLogin,
  decisionChanges,
  loginClaimGroups,
  plannedChanges,
} from '../src/internal/decide-login.js'
import type { ClaimReading } from '../src/internal/read-login-claim.js'
import {
  at,
  computedOf,
  deniedOf,
  names,
  policy,
  present,
  snapshot,
} from './support/decide-login.fixture.js'

// The pure decision of one login (rules S1 and S3–S7 of docs/rules.md Part 3), given the snapshot
// a store read under the user's lock; the stale-token rule S12 and the removal rule S13 are in
// decide-login.stale.test.ts. The end-to-end suites check the same rules through a store; these
// pin each boundary where a condition could move unnoticed.

describe('rule S1: mapping off changes nothing, whatever the claim', () => {
  it('is disabled, with nothing to write', () => {
    const off = snapshot(
      { dev: 'sync' },
      { settings: { manageGroupMemberships: false, matchMode: 'exact' } },
    )
    const decision = decideLogin(off, present([]), policy())
    expect(decision).toEqual({ kind: 'disabled', cause: 'mapping-off' })
    expect(decisionChanges(decision, at)).toBeNull()
  })
})

describe('rule S3: a kept claim writes nothing', () => {
  it('keeps the memberships as they are', () => {
    const reading: ClaimReading = {
      kind: 'keep',
      claim: {
        state: 'absent',
        source: null,
        groups: [],
        droppedEmpty: 0,
        digest: digestGroups([]),
        policy: 'absent-keep',
      },
    }
    const decision = decideLogin(snapshot({ dev: 'sync' }), reading, policy({ absent: 'keep' }))
    expect(decision.kind).toBe('kept')
    expect(decisionChanges(decision, at)).toBeNull()
  })

  it('a denied claim writes only its sync.denied event, for this org and user', () => {
    const error = new SyncError('GROUPS_CLAIM_ABSENT_DENIED', 'denied')
    const reading: ClaimReading = {
      kind: 'deny',
      error,
      denied: { state: 'absent', source: null, digest: 'd1', detail: { path: 'groups' } },
    }
    const decision = deniedOf(
      decideLogin(snapshot({ dev: 'sync' }), reading, policy({ absent: 'deny' })),
    )
    expect(decision.error).toBe(error)
    expect(decision.audit).toEqual({
      type: 'sync.denied',
      orgId: 'acme',
      userId: 'alice',
      source: 'sync',
      claimDigest: 'd1',
      detail: {
        code: 'GROUPS_CLAIM_ABSENT_DENIED',
        claimState: 'absent',
        claimSource: null,
        path: 'groups',
      },
    })
    expect(decisionChanges(decision, at)).toEqual({ add: [], remove: [], audit: [decision.audit] })
  })
})

describe('rules S4 and S7: the diff, and what a sync writes', () => {
  it('adds the named groups, removes the others, and records one event per change', () => {
    const decision = decideLogin(
      snapshot({ dev: 'sync', ops: 'manual' }),
      present(['dev', 'sales', 'nope']),
      policy(),
    )
    const computed = computedOf(decision)
    expect(names(computed.toAdd)).toEqual(['sales'])
    expect(names(computed.toRemove)).toEqual(['ops'])
    expect(computed.diff.unmatchedClaims).toEqual(['nope'])
    const changes = decisionChanges(decision, at)
    const digest = digestGroups(['dev', 'sales', 'nope'])
    const detail = { claimState: 'present', claimSource: 'id_token', claimPolicy: 'present' }
    expect(changes).toEqual({
      add: [{ groupId: 'g3', source: 'sync' }],
      remove: ['g2'],
      audit: [
        {
          type: 'membership.added',
          orgId: 'acme',
          userId: 'alice',
          groupId: 'g3',
          groupName: 'sales',
          source: 'sync',
          claimDigest: digest,
          detail,
        },
        {
          type: 'membership.removed',
          orgId: 'acme',
          userId: 'alice',
          groupId: 'g2',
          groupName: 'ops',
          source: 'sync',
          claimDigest: digest,
          // The removal says the membership was made by hand (rule S7).
          detail: { ...detail, previousSource: 'manual' },
        },
      ],
      syncedAt: at,
    })
  })

  it('matches by the org’s match mode', () => {
    const ci = snapshot(
      {},
      { settings: { manageGroupMemberships: true, matchMode: 'case-insensitive' } },
    )
    expect(names(computedOf(decideLogin(ci, present(['DEV']), policy())).toAdd)).toEqual(['dev'])
    expect(names(computedOf(decideLogin(snapshot({}), present(['DEV']), policy())).toAdd)).toEqual(
      [],
    )
  })

  it('records the token’s issue time with the sync when the login has one', () => {
    const issued = new Date('2026-01-02T00:00:00Z')
    expect(
      decisionChanges(decideLogin(snapshot({}), present(['dev'], issued), policy()), at),
    ).toMatchObject({
      tokenIssuedAt: issued,
    })
    expect(
      decisionChanges(decideLogin(snapshot({}), present(['dev']), policy()), at),
    ).not.toHaveProperty('tokenIssuedAt')
  })
})

describe('rule S5: removal modes', () => {
  const memberships = { dev: 'sync', ops: 'manual', sales: 'sync' } as const

  it('authoritative removes every membership the claim does not name', () => {
    const computed = computedOf(decideLogin(snapshot(memberships), present(['dev']), policy()))
    expect(names(computed.toRemove)).toEqual(['ops', 'sales'])
    expect(computed.keptManual).toEqual([])
  })

  it('sync-owned removes only what the sync created, and keeps manual memberships', () => {
    const decision = decideLogin(
      snapshot(memberships),
      present(['dev']),
      policy({ removalMode: 'sync-owned' }),
    )
    const computed = computedOf(decision)
    expect(names(computed.toRemove)).toEqual(['sales'])
    expect(names(computed.keptManual)).toEqual(['ops'])
    expect(decisionChanges(decision, at)?.remove).toEqual(['g3'])
    const plan = plannedChanges(computed)
    expect(plan.steps.map((s) => [s.action, s.group.name])).toEqual([
      ['remove', 'sales'],
      ['keep', 'ops'],
      ['stay', 'dev'],
    ])
    expect(plan.removalMode).toBe('sync-owned')
  })
})

describe('rule S6: the mass-removal guard', () => {
  const four = { dev: 'sync', ops: 'sync', sales: 'sync', support: 'sync' } as const

  it('allows exactly maxRemovals removals and refuses one more', () => {
    const guard = policy({ massRemovalGuard: { maxRemovals: 2 } })
    expect(decideLogin(snapshot(four), present(['dev', 'ops']), guard).kind).toBe('sync')
    const denied = deniedOf(decideLogin(snapshot(four), present(['dev']), guard))
    expect(denied.error.code).toBe('MASS_REMOVAL_GUARD_TRIPPED')
    expect(denied.error.value).toBe(3)
    expect(denied.audit.detail).toEqual({
      code: 'MASS_REMOVAL_GUARD_TRIPPED',
      claimState: 'present',
      claimSource: 'id_token',
      removals: 3,
      memberships: 4,
      maxRemovals: 2,
    })
    expect(denied.audit.claimDigest).toBe(digestGroups(['dev']))
    expect(names(denied.computed?.toRemove ?? [])).toEqual(['ops', 'sales', 'support'])
  })

  it('maxRemovals 0 refuses any removal but allows adds', () => {
    const guard = policy({ massRemovalGuard: { maxRemovals: 0 } })
    expect(decideLogin(snapshot({ dev: 'sync' }), present([]), guard).kind).toBe('denied')
    expect(decideLogin(snapshot({ dev: 'sync' }), present(['dev', 'ops']), guard).kind).toBe('sync')
  })

  it('allows exactly maxRemovalPercent of the memberships and refuses more', () => {
    const half = policy({ massRemovalGuard: { maxRemovalPercent: 50 } })
    expect(decideLogin(snapshot(four), present(['dev', 'ops']), half).kind).toBe('sync')
    const denied = deniedOf(decideLogin(snapshot(four), present(['dev']), half))
    expect(denied.audit.detail).toEqual({
      code: 'MASS_REMOVAL_GUARD_TRIPPED',
      claimState: 'present',
      claimSource: 'id_token',
      removals: 3,
      memberships: 4,
      maxRemovalPercent: 50,
    })
    expect(denied.error.message).toContain('at most 50% of the memberships')
  })

  it('a percentage guard needs memberships to trip, and 0% refuses any removal', () => {
    const none = policy({ massRemovalGuard: { maxRemovalPercent: 0 } })
    expect(decideLogin(snapshot({}), present([]), none).kind).toBe('sync')
    expect(decideLogin(snapshot({ dev: 'sync' }), present([]), none).kind).toBe('denied')
  })

  it('counts only what the removal mode removes', () => {
    const guard = policy({ removalMode: 'sync-owned', massRemovalGuard: { maxRemovals: 1 } })
    const manualMostly = { dev: 'manual', ops: 'manual', sales: 'sync' } as const
    expect(decideLogin(snapshot(manualMostly), present([]), guard).kind).toBe('sync')
  })

  it('names both limits when both are set, and either one trips it', () => {
    const both = policy({ massRemovalGuard: { maxRemovals: 10, maxRemovalPercent: 25 } })
    const denied = deniedOf(decideLogin(snapshot(four), present(['dev', 'ops']), both))
    expect(denied.error.message).toContain('at most 10 removals, at most 25% of the memberships')
    expect(denied.audit.detail).toMatchObject({ maxRemovals: 10, maxRemovalPercent: 25 })
  })

  it('names the one limit set, and only it', () => {
    const count = deniedOf(
      decideLogin(snapshot(four), present([]), policy({ massRemovalGuard: { maxRemovals: 2 } })),
    )
    expect(count.error.message).toContain(
      "The sync would remove 4 of the user's 4 memberships, more than the org's mass-removal guard allows (at most 2 removals); nothing changed.",
    )
    const percent = deniedOf(
      decideLogin(
        snapshot(four),
        present([]),
        policy({ massRemovalGuard: { maxRemovalPercent: 50 } }),
      ),
    )
    expect(percent.error.message).toContain('allows (at most 50% of the memberships); nothing')
  })

  it('without a guard, removing everything is allowed', () => {
    expect(decideLogin(snapshot(four), present([]), policy()).kind).toBe('sync')
  })
})

describe('the dry run of a login (plannedChanges)', () => {
  it('says a removal is due to an absent claim read as empty, or to the claim not naming it', () => {
    const absent: ClaimReading = {
      kind: 'sync',
      claim: {
        state: 'absent',
        source: null,
        groups: [],
        droppedEmpty: 0,
        digest: digestGroups([]),
        policy: 'absent-as-empty',
      },
    }
    const fromAbsent = plannedChanges(
      computedOf(decideLogin(snapshot({ dev: 'sync' }), absent, policy())),
    )
    expect(fromAbsent.steps.map((s) => [s.action, s.reason])).toEqual([
      [
        'remove',
        'the login carries no groups claim and the policy reads that as no groups; authoritative removal takes the user out of every org group the claim does not name',
      ],
    ])
    const fromPresent = plannedChanges(
      computedOf(decideLogin(snapshot({ dev: 'sync' }), present([]), policy())),
    )
    expect(fromPresent.steps.map((s) => [s.action, s.reason])).toEqual([
      [
        'remove',
        'the claim does not name it; authoritative removal takes the user out of every org group the claim does not name',
      ],
    ])
  })
})

describe('the claim entries a login reads the slice for (rule 11)', () => {
  it('are the entries the diff uses for a sync, and none for a kept or denied claim', () => {
    expect(loginClaimGroups(present(['dev', 'Ops']))).toEqual(['dev', 'Ops'])
    const keep: ClaimReading = {
      kind: 'keep',
      claim: {
        state: 'absent',
        source: null,
        groups: [],
        droppedEmpty: 0,
        digest: digestGroups([]),
        policy: 'absent-keep',
      },
    }
    expect(loginClaimGroups(keep)).toEqual([])
    const deny: ClaimReading = {
      kind: 'deny',
      error: new SyncError('GROUPS_CLAIM_ABSENT_DENIED', 'denied'),
      denied: { state: 'absent', source: null, digest: 'd1', detail: {} },
    }
    expect(loginClaimGroups(deny)).toEqual([])
  })
})
