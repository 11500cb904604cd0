import { expect } from 'vitest'
import { syncOnLogin, planOnLogin, planOnLoginAsync, syncOnLoginAsync } from '../../src/index.js'
import { rightOf, leftOf, FAR_FUTURE, sha256, type LoginSyncFixture } from './login-sync.fixture.js'
/** Points 7 and 8 of the sync: audit events and the last sync together, the result, the dry run. */
export function describeLoginResult(t: LoginSyncFixture): void {
  const {
    describe,
    it,
    itOnEveryStore,
    makeOrg,
    deps,
    withPolicy,
    login,
    groupsOf,
    events,
    seed,
    seedManual,
  } = t

  describe('point 7: audit events and the last-sync time, together', () => {
    it('writes one event per change with org, user, group, source and the claim digest', async () => {
      const org = await makeOrg()
      await seed(org, ['dev', 'ops'])
      const idToken = await t.issuer.sign('alice', { groups: ['ops', 'sales'] })
      rightOf(await syncOnLogin({ orgId: org.orgId, userId: 'alice', idToken }, deps())())
      const list = await events(org, 'alice')
      const last = list.slice(-2)
      const digest = sha256(JSON.stringify(['ops', 'sales']))
      expect(last).toEqual([
        expect.objectContaining({
          type: 'membership.added',
          orgId: org.orgId,
          userId: 'alice',
          groupId: org.ids['sales'],
          groupName: 'sales',
          source: 'sync',
          claimDigest: digest,
        }),
        expect.objectContaining({
          type: 'membership.removed',
          groupId: org.ids['dev'],
          groupName: 'dev',
          source: 'sync',
          claimDigest: digest,
        }),
      ])
      // Never the raw token, nor any of its three parts.
      const text = JSON.stringify(list)
      for (const part of idToken.split('.')) expect(text.includes(part)).toBe(false)
    })

    itOnEveryStore('records the last-sync time, so stale members can be listed', async () => {
      const org = await makeOrg()
      const t1 = new Date('2026-01-01T00:00:00Z')
      const t2 = new Date('2026-02-01T00:00:00Z')
      rightOf(await login(org, 'old', { groups: ['dev'] }, deps({ clock: () => t1 })))
      const result = rightOf(await login(org, 'new', { groups: [] }, deps({ clock: () => t2 })))
      expect(result.status === 'synced' && result.syncedAt).toEqual(t2)
      const stale = rightOf(
        await t.admin.listStaleMembers(org.orgId, new Date('2026-01-15T00:00:00Z'))(),
      )
      expect(stale).toEqual([{ userId: 'old', lastSyncedAt: t1 }])
    })

    it('a denial records no sync time', async () => {
      const org = await makeOrg()
      const d = withPolicy({ absent: 'deny' })
      leftOf(await login(org, 'alice', {}, d))
      expect(await t.store.listStaleMembers(org.orgId, FAR_FUTURE)).toEqual([])
    })
  })

  describe('point 8: the result, and the dry run', () => {
    it('returns the diff, the claim, unmatched entries and timings', async () => {
      const org = await makeOrg()
      await seed(org, ['dev'])
      const result = rightOf(await login(org, 'alice', { groups: ['dev', 'ops', 'ghost', ''] }))
      expect(result.status).toBe('synced')
      if (result.status !== 'synced') return
      expect(result.diff.unchanged.map((g) => g.name)).toEqual(['dev'])
      expect(result.added.map((g) => g.name)).toEqual(['ops'])
      expect(result.unmatchedClaims).toEqual(['ghost'])
      expect(result.claim.droppedEmpty).toBe(1)
      expect(result.claim.digest).toBe(sha256(JSON.stringify(['dev', 'ops', 'ghost'])))
      const { claimsMs, storeMs, totalMs } = result.timings
      expect(Math.min(claimsMs, storeMs, totalMs)).toBeGreaterThanOrEqual(0)
      expect(totalMs).toBeGreaterThanOrEqual(claimsMs)
    })

    it('planOnLogin explains each add and remove and writes nothing', async () => {
      const org = await makeOrg()
      await seedManual(org, 'alice', ['support'])
      await seed(org, ['support', 'dev'])
      const before = await events(org)
      const stale = await t.store.listStaleMembers(org.orgId, FAR_FUTURE)
      const idToken = await t.issuer.sign('alice', { groups: ['ops', 'Sales'] })
      const input = { orgId: org.orgId, userId: 'alice', idToken }
      const plan = rightOf(await planOnLogin(input, withPolicy({ removalMode: 'sync-owned' }))())
      expect(plan.status).toBe('planned')
      if (plan.status !== 'planned') return
      expect(plan.steps.map((s) => [s.action, s.group.name])).toEqual([
        ['add', 'ops'],
        ['remove', 'dev'],
        ['keep', 'support'],
      ])
      expect(plan.steps.every((s) => s.reason.length > 0)).toBe(true)
      expect(plan.notes.some((n) => n.includes('"Sales"') && n.includes('case'))).toBe(true)
      expect(await events(org)).toEqual(before)
      expect(await groupsOf(org, 'alice')).toEqual(['dev', 'support'])
      expect(await t.store.listStaleMembers(org.orgId, FAR_FUTURE)).toEqual(stale)
    })

    it('planOnLogin reports a denial with the steps it refused, and writes no event', async () => {
      const org = await makeOrg()
      await seed(org, ['dev', 'ops'])
      const before = await events(org)
      const idToken = await t.issuer.sign('alice', { groups: [] })
      const plan = await planOnLoginAsync(
        { orgId: org.orgId, userId: 'alice', idToken },
        withPolicy({ massRemovalGuard: { maxRemovals: 0 } }),
      )
      expect(plan.status === 'denied' && plan.error.code).toBe('MASS_REMOVAL_GUARD_TRIPPED')
      expect(plan.status === 'denied' && plan.planned?.toRemove.map((g) => g.name)).toEqual([
        'dev',
        'ops',
      ])
      expect(await events(org)).toEqual(before)
    })

    it('planOnLogin says disabled while mapping is off', async () => {
      const org = await makeOrg({ on: false })
      const plan = await planOnLoginAsync(
        { orgId: org.orgId, userId: 'a', claims: { groups: [] } },
        deps(),
      )
      expect(plan.status).toBe('disabled')
    })

    it('the Promise wrapper resolves with the result and rejects with the coded error', async () => {
      const org = await makeOrg()
      const ok = await syncOnLoginAsync(
        { orgId: org.orgId, userId: 'a', claims: { groups: ['dev'] } },
        deps(),
      )
      expect(ok.status).toBe('synced')
      const input = { orgId: org.orgId, userId: 'a', claims: { groups: 7 } }
      await expect(syncOnLoginAsync(input, deps())).rejects.toMatchObject({
        code: 'GROUPS_CLAIM_MALFORMED',
      })
    })
  })
}
