import { expect } from 'vitest'
import { syncOnLogin } from '../../src/index.js'
import {
  rightOf,
  leftOf,
  FAR_FUTURE,
  fixedResolver,
  startClaimsEndpoint,
  type LoginSyncFixture,
} from './login-sync.fixture.js'
/** Point 3 of the sync: what each state of the groups claim does under the org's policy. */
export function describeClaimPolicy(t: LoginSyncFixture): void {
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
    lastSeq,
    seed,
    expectDenied,
  } = t

  describe('point 3: the claim-state policy', () => {
    itOnEveryStore('present: syncs, adding and removing', async () => {
      const org = await makeOrg()
      await seed(org, ['dev', 'ops'])
      const result = rightOf(await login(org, 'alice', { groups: ['ops', 'sales'] }))
      expect(result.status === 'synced' && result.added.map((g) => g.name)).toEqual(['sales'])
      expect(result.status === 'synced' && result.removed.map((g) => g.name)).toEqual(['dev'])
      expect(await groupsOf(org, 'alice')).toEqual(['ops', 'sales'])
    })

    it('absent (default empty): removes the user from every org group', async () => {
      const org = await makeOrg()
      await seed(org, ['dev', 'ops'])
      const result = rightOf(await login(org, 'alice', {}))
      expect(result.status === 'synced' && result.claim).toMatchObject({
        state: 'absent',
        source: null,
        groups: [],
        policy: 'absent-as-empty',
      })
      expect(await groupsOf(org, 'alice')).toEqual([])
      const removed = (await events(org, 'alice')).filter((e) => e.type === 'membership.removed')
      expect(removed.map((e) => e.groupName).sort()).toEqual(['dev', 'ops'])
      expect(removed.every((e) => e.detail?.['claimState'] === 'absent')).toBe(true)
    })

    it("absent with 'keep': changes nothing and writes nothing", async () => {
      const org = await makeOrg()
      await seed(org, ['dev'])
      const before = await events(org)
      const stale = await t.store.listStaleMembers(org.orgId, FAR_FUTURE)
      const result = rightOf(await login(org, 'alice', {}, withPolicy({ absent: 'keep' })))
      expect(result.status).toBe('kept')
      expect(await groupsOf(org, 'alice')).toEqual(['dev'])
      expect(await events(org)).toEqual(before)
      expect(await t.store.listStaleMembers(org.orgId, FAR_FUTURE)).toEqual(stale)
    })

    itOnEveryStore(
      "absent with 'deny': GROUPS_CLAIM_ABSENT_DENIED and only a sync.denied event",
      async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await lastSeq(org)
        const result = await login(org, 'alice', {}, withPolicy({ absent: 'deny' }))
        const denied = await expectDenied(org, result, 'GROUPS_CLAIM_ABSENT_DENIED', before, [
          'dev',
        ])
        expect(denied.detail?.['claimState']).toBe('absent')
      },
    )

    const overageClaims = (endpoint: string) => ({
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint } },
    })

    it('overage without a resolver: denied, never read as empty', async () => {
      const org = await makeOrg()
      await seed(org, ['dev', 'ops'])
      const before = await lastSeq(org)
      const result = await login(org, 'alice', overageClaims('https://graph.example.test/x'))
      const denied = await expectDenied(org, result, 'GROUPS_CLAIM_OVERAGE_UNRESOLVED', before, [
        'dev',
        'ops',
      ])
      expect(denied.detail?.['claimState']).toBe('overage')
    })

    it('overage whose endpoint holds a NUL, a lone surrogate and 10 kB: still denied and audited', async () => {
      const org = await makeOrg()
      await seed(org, ['dev'])
      const before = await lastSeq(org)
      const hostile = `https://x.test/\u0000\uD800${'a'.repeat(10_000)}`
      const result = await login(org, 'alice', overageClaims(hostile))
      const denied = await expectDenied(org, result, 'GROUPS_CLAIM_OVERAGE_UNRESOLVED', before, [
        'dev',
      ])
      const endpoint = denied.detail?.['endpoint']
      expect(typeof endpoint).toBe('string')
      expect((endpoint as string).startsWith('https://x.test/\uFFFD\uFFFDaaa')).toBe(true)
      expect((endpoint as string).length).toBeLessThanOrEqual(257)
    })

    it("overage with 'deny': denied even with a resolver", async () => {
      const org = await makeOrg()
      await seed(org, ['dev'])
      const before = await lastSeq(org)
      const resolver = fixedResolver({
        state: 'present',
        groups: ['ops'],
        source: 'distributed',
        droppedEmpty: 0,
      })
      const result = await login(
        org,
        'alice',
        overageClaims('https://x.test/g'),
        withPolicy({ overage: 'deny' }, { resolver }),
      )
      await expectDenied(org, result, 'GROUPS_CLAIM_OVERAGE_UNRESOLVED', before, ['dev'])
    })

    it('overage with a resolver: syncs the resolved groups', async () => {
      const org = await makeOrg()
      await seed(org, ['dev'])
      const resolver = fixedResolver({
        state: 'present',
        groups: ['ops', 'sales'],
        source: 'distributed',
        droppedEmpty: 0,
      })
      const result = rightOf(
        await login(org, 'alice', overageClaims('https://x.test/g'), deps({ resolver })),
      )
      expect(result.status === 'synced' && result.claim).toMatchObject({
        state: 'overage',
        source: 'distributed',
        policy: 'overage-resolved',
      })
      expect(await groupsOf(org, 'alice')).toEqual(['ops', 'sales'])
    })

    for (const [what, state, code] of [
      [
        'another overage',
        { state: 'overage', source: 'distributed', claimSourceName: 'src2' },
        'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
      ],
      [
        'an over-limit list',
        { state: 'over-limit', source: 'distributed', reason: 'too-many', count: 20_000 },
        'GROUPS_CLAIM_OVER_LIMIT',
      ],
    ] as const) {
      it(`overage resolved to ${what}: denied`, async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await lastSeq(org)
        const d = deps({ resolver: fixedResolver(state) })
        const result = await login(org, 'alice', overageClaims('https://x.test/g'), d)
        await expectDenied(org, result, code, before, ['dev'])
      })
    }

    it('overage through the real HTTP resolver against a loopback endpoint', async () => {
      const { createHttpDistributedClaimsResolver } = await import('@groupsync/claims')
      const endpoint = await startClaimsEndpoint((auth) =>
        auth === 'Bearer access-1'
          ? { sub: 'alice', groups: ['support'] }
          : { error: 'unauthorized' },
      )
      try {
        const org = await makeOrg()
        const idToken = await t.issuer.sign('alice', overageClaims(endpoint.url))
        const result = rightOf(
          await syncOnLogin(
            { orgId: org.orgId, userId: 'alice', idToken, accessToken: 'access-1' },
            deps({
              resolver: createHttpDistributedClaimsResolver({
                allowedOrigins: [new URL(endpoint.url).origin],
                timeoutMs: 5000,
              }),
            }),
          )(),
        )
        expect(result.status === 'synced' && result.claim.source).toBe('distributed')
        expect(await groupsOf(org, 'alice')).toEqual(['support'])
      } finally {
        await endpoint.close()
      }
    })

    it('overage whose resolver fails: denied with the claims code', async () => {
      const org = await makeOrg()
      await seed(org, ['dev'])
      const before = await lastSeq(org)
      const { createHttpDistributedClaimsResolver } = await import('@groupsync/claims')
      // A closed port on loopback: the fetch fails at once.
      const endpoint = await startClaimsEndpoint(() => ({}))
      await endpoint.close()
      const resolver = createHttpDistributedClaimsResolver({
        allowedOrigins: [new URL(endpoint.url).origin],
        timeoutMs: 2000,
      })
      const result = await login(org, 'alice', overageClaims(endpoint.url), deps({ resolver }))
      await expectDenied(org, result, 'DISTRIBUTED_CLAIMS_FAILED', before, ['dev'])
    })

    it('over-limit: GROUPS_CLAIM_OVER_LIMIT, only a sync.denied event', async () => {
      const org = await makeOrg()
      await seed(org, ['dev'])
      const before = await lastSeq(org)
      const d = withPolicy({ claimsOptions: { maxGroups: 2 } })
      const result = await login(org, 'alice', { groups: ['dev', 'ops', 'sales'] }, d)
      const denied = await expectDenied(org, result, 'GROUPS_CLAIM_OVER_LIMIT', before, ['dev'])
      expect(denied.detail).toMatchObject({
        claimState: 'over-limit',
        reason: 'too-many',
        count: 3,
      })
    })

    it('malformed: GROUPS_CLAIM_MALFORMED, only a sync.denied event', async () => {
      const org = await makeOrg()
      await seed(org, ['dev'])
      const before = await lastSeq(org)
      const result = await login(org, 'alice', { groups: ['ops', 4242.125] })
      const denied = await expectDenied(org, result, 'GROUPS_CLAIM_MALFORMED', before, ['dev'])
      expect(denied.detail).toMatchObject({ claimState: 'malformed', index: 1 })
      expect(JSON.stringify(denied)).not.toContain('4242.125')
    })

    it('an invalid policy is SYNC_POLICY_INVALID and writes nothing', async () => {
      const org = await makeOrg()
      const bad = { massRemovalGuard: { maxRemovalPercent: 150 } }
      const error = leftOf(await login(org, 'alice', { groups: ['dev'] }, withPolicy(bad)))
      expect(error.code).toBe('SYNC_POLICY_INVALID')
      expect(error.path).toBe('/policy/massRemovalGuard/maxRemovalPercent')
      expect(await events(org, 'alice')).toEqual([])
    })

    it('a policy may be async', async () => {
      const org = await makeOrg()
      await seed(org, ['dev'])
      const d = deps({ policy: () => Promise.resolve({ absent: 'keep' as const }) })
      expect(rightOf(await login(org, 'alice', {}, d)).status).toBe('kept')
    })
  })
}
