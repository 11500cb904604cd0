import type { MatchMode, StoredGroup } from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createMembershipAdmin,
  isSyncDenial,
  planOnLogin,
  syncOnLogin,
  type LoginSyncInput,
  type SyncPolicy,
} from '../src/index.js'

// Rule S8: planOnLogin is the sync's dry run, so for any org, policy and login it must say
// exactly what syncOnLogin then does — the same outcome, the same adds, removes and kept manual
// memberships step by step, a denial with the same code — because both run the same steps and
// differ only in whether the unit of work writes. Run on the memory store (the decision is the
// sync's; that stores apply it alike is the contract suite's job).

const NOW = new Date('2026-06-01T12:00:00Z')
const NOW_S = Math.floor(NOW.getTime() / 1000)
const SEED_IAT = NOW_S - 600

/** Names an org may have: case variants, so both match modes and near misses come up. */
const NAMES = ['dev', 'Dev', 'ops', 'OPS', 'sales', 'hr', 'ÉQUIPE', 'équipe']
/** Entries a claim may hold besides those names: other cases, nothing, empty, junk. */
const EXTRA_ENTRIES = ['DEV', 'Ops', 'Sales', 'ghost', '']

type Start = 'none' | 'manual' | 'sync'

interface OrgState {
  readonly groups: readonly { readonly name: string; readonly start: Start }[]
  readonly mapping: boolean
  readonly matchMode: MatchMode
}

const orgState: fc.Arbitrary<OrgState> = fc.record({
  groups: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom(...NAMES),
      start: fc.constantFrom<Start>('none', 'none', 'manual', 'sync'),
    }),
    { selector: (g) => g.name, maxLength: NAMES.length },
  ),
  mapping: fc.oneof(
    { weight: 9, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  matchMode: fc.constantFrom<MatchMode>('exact', 'case-insensitive'),
})

const validPolicy: fc.Arbitrary<SyncPolicy> = fc.record(
  {
    absent: fc.constantFrom('empty', 'keep', 'deny'),
    removalMode: fc.constantFrom('authoritative', 'sync-owned'),
    staleLogin: fc.constantFrom('skip', 'deny'),
    massRemovalGuard: fc.record(
      {
        maxRemovals: fc.integer({ min: 0, max: 3 }),
        maxRemovalPercent: fc.integer({ min: 0, max: 100 }),
      },
      { requiredKeys: [] },
    ),
    claimsOptions: fc.record({ maxGroups: fc.integer({ min: 0, max: 6 }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
)

/** Mostly valid policies, and now and then one the sync must refuse as configuration. */
const policy: fc.Arbitrary<SyncPolicy> = fc.oneof(
  { weight: 20, arbitrary: validPolicy },
  { weight: 1, arbitrary: fc.constant({ absent: 'never' } as unknown as SyncPolicy) },
)

/** The claims of the login: its token time (none, older or newer than the seed's) and groups. */
const login: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    iat: fc.constantFrom(SEED_IAT - 60, SEED_IAT, SEED_IAT + 60),
    groups: fc.oneof(
      {
        weight: 8,
        arbitrary: fc.array(fc.constantFrom(...NAMES, ...EXTRA_ENTRIES), { maxLength: 7 }),
      },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(7, ['dev', 7], { dev: true }) },
    ),
  },
  { requiredKeys: [] },
)

const ids = (groups: readonly StoredGroup[]): string[] => groups.map((g) => g.id)

describe('planOnLogin and syncOnLogin agree (rule S8)', () => {
  it('property: for any org, policy and login, the plan is what the sync then does, step by step', async () => {
    const outcomes = new Set<string>()
    await fc.assert(
      fc.asyncProperty(orgState, policy, login, async (state, orgPolicy, claims) => {
        const store = createMemoryMembershipStore()
        const admin = createMembershipAdmin({ store })
        const orgId = 'org'
        const userId = 'u'
        const run = async (task: () => Promise<{ readonly _tag: string }>): Promise<void> => {
          expect((await task())._tag).toBe('Right')
        }
        const created = new Map<string, StoredGroup>()
        for (const { name } of state.groups) {
          const group = await admin.createGroup(orgId, name)()
          if (group._tag === 'Left') throw group.left
          created.set(name, group.right)
        }
        for (const { name, start } of state.groups) {
          if (start === 'manual') await run(admin.addMember(orgId, created.get(name)!.id, userId))
        }
        // The sync-made memberships come from an earlier login, which also records its token time.
        await run(admin.setManageGroupMemberships(orgId, true))
        const seed = state.groups.filter((g) => g.start === 'sync').map((g) => g.name)
        await run(
          syncOnLogin(
            { orgId, userId, claims: { sub: userId, iat: SEED_IAT, groups: seed } },
            { store, policy: () => ({ removalMode: 'sync-owned' }), clock: () => NOW },
          ),
        )
        await run(admin.setMatchMode(orgId, state.matchMode))
        await run(admin.setManageGroupMemberships(orgId, state.mapping))

        const input: LoginSyncInput = { orgId, userId, claims: { sub: userId, ...claims } }
        const deps = { store, policy: () => orgPolicy, clock: () => NOW }
        const before = await store.listUserMemberships(orgId, userId)
        const events = (await store.listAuditEvents(orgId, {})).length

        const plan = await planOnLogin(input, deps)()
        // The dry run wrote nothing.
        expect(await store.listUserMemberships(orgId, userId)).toEqual(before)
        expect((await store.listAuditEvents(orgId, {})).length).toBe(events)
        const synced = await syncOnLogin(input, deps)()
        outcomes.add(plan._tag === 'Left' ? 'failed' : plan.right.status)

        if (plan._tag === 'Left') {
          expect(synced._tag === 'Left' && synced.left.code).toBe(plan.left.code)
          return
        }
        const planned = plan.right
        switch (planned.status) {
          case 'disabled':
          case 'kept':
            expect(synced._tag === 'Right' && synced.right.status).toBe(planned.status)
            return
          case 'stale':
            expect(synced._tag === 'Right' && synced.right).toMatchObject({
              status: 'stale',
              cause: planned.cause,
              tokenIssuedAt: planned.tokenIssuedAt,
            })
            return
          case 'denied':
            expect(synced._tag === 'Left' && synced.left.code).toBe(planned.error.code)
            expect(synced._tag === 'Left' && isSyncDenial(synced.left)).toBe(true)
            return
          case 'planned': {
            expect(synced._tag).toBe('Right')
            if (synced._tag !== 'Right' || synced.right.status !== 'synced') {
              expect.fail(`planned, but the sync returned ${JSON.stringify(synced)}`)
            }
            const done = synced.right
            const steps = (action: string): string[] =>
              planned.steps.filter((s) => s.action === action).map((s) => s.group.id)
            expect(steps('add')).toEqual(ids(done.added))
            expect(steps('remove')).toEqual(ids(done.removed))
            expect(steps('keep')).toEqual(ids(done.keptManual))
            expect(steps('stay')).toEqual(ids(done.diff.unchanged))
            expect(ids(planned.toAdd)).toEqual(ids(done.added))
            expect(ids(planned.toRemove)).toEqual(ids(done.removed))
            expect(ids(planned.keptManual)).toEqual(ids(done.keptManual))
            expect(planned.claim).toEqual(done.claim)
            expect(planned.diff).toEqual(done.diff)
            // And the store now holds exactly what the plan said it would.
            const removed = new Set(ids(done.removed))
            const expected = [
              ...before.map((m) => m.groupId).filter((id) => !removed.has(id)),
              ...ids(done.added),
            ].sort()
            const after = (await store.listUserMemberships(orgId, userId)).map((m) => m.groupId)
            expect(after.sort()).toEqual(expected)
            return
          }
        }
      }),
      { numRuns: 200 },
    )
    // Every outcome came up, so no branch of the agreement went unchecked.
    expect([...outcomes].sort()).toEqual([
      'denied',
      'disabled',
      'failed',
      'kept',
      'planned',
      'stale',
    ])
  })
})
