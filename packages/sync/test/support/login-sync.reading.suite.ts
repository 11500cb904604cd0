import { expect } from 'vitest'
import { syncOnLogin, isSyncDenial, type LoginSyncInput } from '../../src/index.js'
import { rightOf, leftOf, FAR_FUTURE, type LoginSyncFixture } from './login-sync.fixture.js'
/** Points 1 and 2 of the sync: the org setting, and reading the claim of a verified login. */
export function describeLoginReading(t: LoginSyncFixture): void {
  const { describe, it, itOnEveryStore, makeOrg, deps, withPolicy, login, groupsOf, events } = t

  describe('point 1: the org setting', () => {
    it('changes nothing and reports disabled while mapping is off', async () => {
      const org = await makeOrg({ on: false })
      const result = rightOf(await login(org, 'alice', { groups: ['dev'] }))
      expect(result.status).toBe('disabled')
      expect(await groupsOf(org, 'alice')).toEqual([])
      expect(await events(org, 'alice')).toEqual([])
      expect(await t.store.listStaleMembers(org.orgId, FAR_FUTURE)).toEqual([])
    })

    it('does not even read the token while mapping is off', async () => {
      const org = await makeOrg({ on: false })
      const result = await syncOnLogin(
        { orgId: org.orgId, userId: 'alice', idToken: 'not a token' },
        deps(),
      )()
      expect(rightOf(result).status).toBe('disabled')
    })

    itOnEveryStore('syncs once mapping is turned on', async () => {
      const org = await makeOrg({ on: false })
      rightOf(await t.admin.setManageGroupMemberships(org.orgId, true)())
      const result = rightOf(await login(org, 'alice', { groups: ['dev'] }))
      expect(result.status).toBe('synced')
      expect(await groupsOf(org, 'alice')).toEqual(['dev'])
    })
  })

  describe('point 2: reading the claim', () => {
    it('verifies a real signed ID token and reads its groups', async () => {
      const org = await makeOrg()
      const result = rightOf(await login(org, 'alice', { groups: ['dev', 'ops'] }))
      expect(result.status === 'synced' && result.claim).toMatchObject({
        state: 'present',
        source: 'id_token',
        groups: ['dev', 'ops'],
        policy: 'present',
      })
      expect(await groupsOf(org, 'alice')).toEqual(['dev', 'ops'])
    })

    it('accepts the claims of a token the caller verified already', async () => {
      const org = await makeOrg()
      const result = await syncOnLogin(
        { orgId: org.orgId, userId: 'alice', claims: { sub: 'alice', groups: ['sales'] } },
        { store: t.store },
      )()
      expect(rightOf(result).status).toBe('synced')
      expect(await groupsOf(org, 'alice')).toEqual(['sales'])
    })

    it('reads the groups from userinfo when the ID token has none', async () => {
      const org = await makeOrg()
      const idToken = await t.issuer.sign('alice')
      const result = rightOf(
        await syncOnLogin(
          {
            orgId: org.orgId,
            userId: 'alice',
            idToken,
            userinfo: { sub: 'alice', groups: ['ops'] },
          },
          deps(),
        )(),
      )
      expect(result.status === 'synced' && result.claim.source).toBe('userinfo')
      expect(await groupsOf(org, 'alice')).toEqual(['ops'])
    })

    it('uses the claim path of the org policy over the deps default', async () => {
      const org = await makeOrg()
      const d = withPolicy(
        { claimsOptions: { path: 'realm_access.roles' } },
        { claimsOptions: { path: 'nowhere' } },
      )
      rightOf(await login(org, 'alice', { realm_access: { roles: ['support'] } }, d))
      expect(await groupsOf(org, 'alice')).toEqual(['support'])
    })

    it('refuses a forged token with ID_TOKEN_INVALID and writes nothing', async () => {
      const org = await makeOrg()
      const idToken = await t.issuer.forge('alice', { groups: ['dev'] })
      const error = leftOf(
        await syncOnLogin({ orgId: org.orgId, userId: 'alice', idToken }, deps())(),
      )
      expect(error.code).toBe('ID_TOKEN_INVALID')
      expect(isSyncDenial(error)).toBe(false)
      expect(await events(org, 'alice')).toEqual([])
    })

    it('refuses a userinfo body of another subject with USERINFO_SUB_MISMATCH', async () => {
      const org = await makeOrg()
      const idToken = await t.issuer.sign('alice')
      const input = {
        orgId: org.orgId,
        userId: 'alice',
        idToken,
        userinfo: { sub: 'mallory', groups: ['dev'] },
      }
      expect(leftOf(await syncOnLogin(input, deps())()).code).toBe('USERINFO_SUB_MISMATCH')
      expect(await events(org, 'alice')).toEqual([])
    })

    it('refuses an ID token when no verification is configured', async () => {
      const org = await makeOrg()
      const idToken = await t.issuer.sign('alice', { groups: ['dev'] })
      const error = leftOf(
        await syncOnLogin({ orgId: org.orgId, userId: 'alice', idToken }, { store: t.store })(),
      )
      expect(error.code).toBe('SYNC_INPUT_INVALID')
    })

    it('refuses an input with neither token nor claims', async () => {
      const org = await makeOrg()
      const input = { orgId: org.orgId, userId: 'alice' } as unknown as LoginSyncInput
      expect(leftOf(await syncOnLogin(input, deps())()).code).toBe('SYNC_INPUT_INVALID')
    })
  })
}
