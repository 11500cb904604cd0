import fc from 'fast-check'
import { expect } from 'vitest'
import { syncOnLogin } from '../../src/index.js'
import { rightOf, GROUPS, type LoginSyncFixture } from './login-sync.fixture.js'
/** Points 4 to 6 of the sync: the diff with the org's match mode, removal modes, the guard. */
export function describeLoginDiff(t: LoginSyncFixture): void {
  const {
    describe,
    it,
    itOnEveryStore,
    makeOrg,
    deps,
    withPolicy,
    login,
    groupsOf,
    sourcesOf,
    events,
    lastSeq,
    eventsAfter,
    seed,
    seedManual,
    expectDenied,
  } = t

  describe("point 4: the diff, in the store's unit of work, with the org's match mode", () => {
    itOnEveryStore('exact mode reports case-only near misses and does not add them', async () => {
      const org = await makeOrg()
      const result = rightOf(await login(org, 'alice', { groups: ['DEV', 'ops', 'qa'] }))
      expect(result.status).toBe('synced')
      if (result.status !== 'synced') return
      expect(result.caseOnlyMatches.map((m) => [m.claim, m.group.name])).toEqual([['DEV', 'dev']])
      expect(result.unmatchedClaims).toEqual(['DEV', 'qa'])
      expect(await groupsOf(org, 'alice')).toEqual(['ops'])
    })

    it('case-insensitive mode from the org settings matches across case', async () => {
      const org = await makeOrg({ matchMode: 'case-insensitive' })
      rightOf(await login(org, 'alice', { groups: ['DEV', 'Ops'] }))
      expect(await groupsOf(org, 'alice')).toEqual(['dev', 'ops'])
    })

    itOnEveryStore(
      'concurrent logins of one user end in the state of one of them, audit consistent',
      async () => {
        const org = await makeOrg()
        const claimsA = ['dev', 'ops']
        const claimsB = ['sales']
        const tokens = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            t.issuer.sign('alice', { groups: i % 2 ? claimsA : claimsB }),
          ),
        )
        const results = await Promise.all(
          tokens.map((idToken) =>
            syncOnLogin({ orgId: org.orgId, userId: 'alice', idToken }, deps())(),
          ),
        )
        expect(results.every((r) => r._tag === 'Right')).toBe(true)
        const final = await groupsOf(org, 'alice')
        expect([claimsA, claimsB]).toContainEqual(final)
        // Replaying the audit log from nothing must never add what is there or remove what is not:
        // each sync read the state the previous one wrote.
        const state = new Set<string>()
        for (const e of await events(org, 'alice')) {
          if (e.type === 'membership.added') {
            expect(state.has(e.groupName!)).toBe(false)
            state.add(e.groupName!)
          } else if (e.type === 'membership.removed') {
            expect(state.delete(e.groupName!)).toBe(true)
          }
        }
        expect([...state].sort()).toEqual(final)
      },
    )

    it("never touches another org's memberships", async () => {
      const org = await makeOrg()
      const other = await makeOrg()
      await seed(other, ['dev', 'ops'])
      rightOf(await login(org, 'alice', {}))
      expect(await groupsOf(other, 'alice')).toEqual(['dev', 'ops'])
    })
  })

  describe('point 5: removal modes', () => {
    it('authoritative removes manual memberships the claim does not name', async () => {
      const org = await makeOrg()
      await seedManual(org, 'alice', ['support'])
      const result = rightOf(await login(org, 'alice', { groups: ['dev'] }))
      expect(result.status === 'synced' && result.removed.map((g) => g.name)).toEqual(['support'])
      expect(await groupsOf(org, 'alice')).toEqual(['dev'])
    })

    itOnEveryStore(
      'sync-owned removes only what the sync created; manual memberships stay',
      async () => {
        const org = await makeOrg()
        await seedManual(org, 'alice', ['support'])
        const d = withPolicy({ removalMode: 'sync-owned' })
        rightOf(await login(org, 'alice', { groups: ['dev', 'ops'] }, d))
        const result = rightOf(await login(org, 'alice', { groups: ['ops'] }, d))
        expect(result.status).toBe('synced')
        if (result.status !== 'synced') return
        expect(result.removalMode).toBe('sync-owned')
        expect(result.removed.map((g) => g.name)).toEqual(['dev'])
        expect(result.keptManual.map((g) => g.name)).toEqual(['support'])
        expect(result.diff.toRemove.map((g) => g.name)).toEqual(['dev', 'support'])
        expect(await sourcesOf(org, 'alice')).toEqual({ ops: 'sync', support: 'manual' })
      },
    )

    it('property: the final memberships follow the removal mode', async () => {
      const names = fc.subarray([...GROUPS])
      await fc.assert(
        fc.asyncProperty(
          names,
          names,
          names,
          fc.constantFrom('authoritative' as const, 'sync-owned' as const),
          async (manual, first, second, removalMode) => {
            const org = await makeOrg()
            await seedManual(org, 'u', manual)
            const owned = withPolicy({ removalMode: 'sync-owned' })
            rightOf(await login(org, 'u', { groups: first }, owned))
            const before = new Set(await groupsOf(org, 'u'))
            const seqBefore = await lastSeq(org)
            rightOf(
              await login(
                org,
                'u',
                { groups: [...second, 'not-a-group'] },
                withPolicy({ removalMode }),
              ),
            )
            const expected = new Set(
              removalMode === 'authoritative' ? second : [...second, ...manual],
            )
            const after = await groupsOf(org, 'u')
            expect(after).toEqual([...expected].sort())
            const added = await eventsAfter(org, seqBefore)
            const names = (type: string) =>
              added
                .filter((e) => e.type === type)
                .map((e) => e.groupName)
                .sort()
            expect(names('membership.added')).toEqual(after.filter((g) => !before.has(g)))
            expect(names('membership.removed')).toEqual(
              [...before].filter((g) => !expected.has(g)).sort(),
            )
          },
        ),
        { numRuns: 15 },
      )
    })
  })

  describe('point 6: the mass-removal guard', () => {
    it('refuses more than maxRemovals removals: coded error, nothing written but the event', async () => {
      const org = await makeOrg()
      await seed(org, ['dev', 'ops', 'sales'])
      const before = await lastSeq(org)
      const d = withPolicy({ massRemovalGuard: { maxRemovals: 1 } })
      const result = await login(org, 'alice', { groups: ['sales'] }, d)
      const denied = await expectDenied(org, result, 'MASS_REMOVAL_GUARD_TRIPPED', before, [
        'dev',
        'ops',
        'sales',
      ])
      expect(denied.detail).toMatchObject({ removals: 2, memberships: 3, maxRemovals: 1 })
    })

    it('allows exactly maxRemovals removals', async () => {
      const org = await makeOrg()
      await seed(org, ['dev', 'ops', 'sales'])
      const d = withPolicy({ massRemovalGuard: { maxRemovals: 2 } })
      rightOf(await login(org, 'alice', { groups: ['sales'] }, d))
      expect(await groupsOf(org, 'alice')).toEqual(['sales'])
    })

    it('refuses more than maxRemovalPercent of the memberships, allows up to it', async () => {
      const org = await makeOrg()
      await seed(org, ['dev', 'ops', 'sales', 'support'])
      const before = await lastSeq(org)
      const d = withPolicy({ massRemovalGuard: { maxRemovalPercent: 50 } })
      const result = await login(org, 'alice', { groups: ['dev'] }, d)
      const all = ['dev', 'ops', 'sales', 'support']
      const denied = await expectDenied(org, result, 'MASS_REMOVAL_GUARD_TRIPPED', before, all)
      expect(denied.detail).toMatchObject({ removals: 3, memberships: 4, maxRemovalPercent: 50 })
      rightOf(await login(org, 'alice', { groups: ['dev', 'ops'] }, d))
      expect(await groupsOf(org, 'alice')).toEqual(['dev', 'ops'])
    })

    it('guards an absent claim read as empty', async () => {
      const org = await makeOrg()
      await seed(org, ['dev', 'ops'])
      const before = await lastSeq(org)
      const d = withPolicy({ massRemovalGuard: { maxRemovals: 1 } })
      await expectDenied(
        org,
        await login(org, 'alice', {}, d),
        'MASS_REMOVAL_GUARD_TRIPPED',
        before,
        ['dev', 'ops'],
      )
    })
  })
}
