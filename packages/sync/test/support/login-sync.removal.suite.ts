import { expect } from 'vitest'
import {
  planOnLoginAsync,
  readLastSyncAsync,
  syncOnLogin,
  type SyncPolicy,
} from '../../src/index.js'
import { leftOf, rightOf, type LoginSyncFixture, type Org } from './login-sync.fixture.js'

/**
 * Offboarding through the admin service (`removeUser`), and rule S13: a login whose token was
 * issued at or before the removal does not bring the memberships back.
 */
export function describeUserRemoval(t: LoginSyncFixture): void {
  const {
    describe,
    it,
    itOnEveryStore,
    makeOrg,
    deps,
    groupsOf,
    events,
    eventsAfter,
    lastSeq,
    seedManual,
  } = t

  /** An ID token for alice with the given issue time (seconds) and groups. */
  const tokenAt = (iat: number, groups: readonly string[]): Promise<string> =>
    t.issuer.signRaw({
      iss: t.issuer.issuer,
      aud: t.issuer.audience,
      sub: 'alice',
      iat,
      exp: Math.floor(Date.now() / 1000) + 600,
      groups,
    })
  const signIn = (org: Org, idToken: string, policy?: SyncPolicy) =>
    syncOnLogin(
      { orgId: org.orgId, userId: 'alice', idToken },
      policy === undefined ? deps() : deps({ policy: () => policy }),
    )()
  /** The removal time the store recorded, as a login's unit of work sees it. */
  const removedAtOf = (org: Org): Promise<Date | null> =>
    t.store.withLoginSync(org.orgId, 'alice', [], (snapshot) => ({
      changes: null,
      result: snapshot.removedAt,
    }))

  /** Alice with a manual membership of support and, from a login, dev and ops; then removed. */
  async function removedAlice(): Promise<{
    org: Org
    idToken: string
    iat: number
    removedAt: Date
  }> {
    const org = await makeOrg()
    await seedManual(org, 'alice', ['support'])
    const iat = Math.floor(Date.now() / 1000)
    const idToken = await tokenAt(iat, ['dev', 'ops', 'support'])
    rightOf(await signIn(org, idToken))
    expect(await groupsOf(org, 'alice')).toEqual(['dev', 'ops', 'support'])
    const removal = rightOf(await t.admin.removeUser(org.orgId, 'alice', { actor: 'root' })())
    expect(removal).toEqual({ removed: true, memberships: 3 })
    const removedAt = await removedAtOf(org)
    if (removedAt === null) throw new Error('removeUser recorded no removal time')
    return { org, idToken, iat, removedAt }
  }

  describe('offboarding: removeUser, and logins from before the removal (rule S13)', () => {
    itOnEveryStore(
      'removeUser takes every membership away, audited; a replay of the login before it is skipped',
      async () => {
        const org = await makeOrg()
        await seedManual(org, 'alice', ['support'])
        // The claim names support too, so the manual membership stays (and stays manual).
        const idToken = await tokenAt(Math.floor(Date.now() / 1000), ['dev', 'ops', 'support'])
        rightOf(await signIn(org, idToken))
        expect(await t.sourcesOf(org, 'alice')).toEqual({
          dev: 'sync',
          ops: 'sync',
          support: 'manual',
        })
        const seq = await lastSeq(org)
        const removal = rightOf(await t.admin.removeUser(org.orgId, 'alice', { actor: 'root' })())
        expect(removal).toEqual({ removed: true, memberships: 3 })
        const log = await eventsAfter(org, seq)
        expect(log.map((e) => [e.type, e.groupId, e.source, e.actor])).toEqual([
          ...[org.ids['dev']!, org.ids['ops']!, org.ids['support']!]
            .sort()
            .map((id) => [
              'membership.removed',
              id,
              id === org.ids['support'] ? 'manual' : 'sync',
              'root',
            ]),
          ['user.removed', undefined, undefined, 'root'],
        ])
        expect(log.at(-1)?.detail).toEqual({ memberships: 3 })
        expect(await groupsOf(org, 'alice')).toEqual([])
        expect(await readLastSyncAsync(t.store, org.orgId, 'alice')).toBeNull()

        // The very login of before the removal, replayed: it must not bring the groups back.
        const before = await lastSeq(org)
        const replay = rightOf(await signIn(org, idToken))
        expect(replay).toMatchObject({ status: 'stale', cause: 'issued-before-removal' })
        if (replay.status !== 'stale' || replay.cause !== 'issued-before-removal') return
        expect(replay.removedAt).toEqual(await removedAtOf(org))
        expect(replay.tokenIssuedAt.getTime()).toBeLessThanOrEqual(replay.removedAt.getTime())
        expect(await groupsOf(org, 'alice')).toEqual([])
        expect(await lastSeq(org)).toBe(before)
        expect(await readLastSyncAsync(t.store, org.orgId, 'alice')).toBeNull()
      },
    )

    it('the dry run says the login is from before the removal', async () => {
      const { org, idToken } = await removedAlice()
      const plan = await planOnLoginAsync({ orgId: org.orgId, userId: 'alice', idToken }, deps())
      expect(plan).toMatchObject({ status: 'stale', cause: 'issued-before-removal' })
      expect(plan.status === 'stale' && plan.reason).toContain('removed')
    })

    it("with staleLogin 'deny': STALE_LOGIN_DENIED, one sync.denied event with both times", async () => {
      const { org, idToken, iat, removedAt } = await removedAlice()
      const before = await lastSeq(org)
      const result = await signIn(org, idToken, { staleLogin: 'deny' })
      const denied = await t.expectDenied(org, result, 'STALE_LOGIN_DENIED', before, [])
      expect(denied.detail).toMatchObject({
        removedAt: removedAt.toISOString(),
        tokenIssuedAt: new Date(iat * 1000).toISOString(),
      })
      expect(denied.detail).not.toHaveProperty('lastTokenIssuedAt')
    })

    it('a token issued at the removal time is refused; one issued 1 s after it syncs', async () => {
      const { org, removedAt } = await removedAlice()
      // Claims verified by the caller may carry a time to the millisecond: the sync reads
      // `iat` seconds as floor(iat × 1000) ms, so half a millisecond over lands on `ms` exactly.
      const input = (ms: number) => ({
        orgId: org.orgId,
        userId: 'alice',
        claims: { sub: 'alice', iat: (ms + 0.5) / 1000, groups: ['dev'] },
      })
      const at = removedAt.getTime()
      for (const staleLogin of ['skip', 'deny'] as const) {
        const equal = await syncOnLogin(input(at), deps({ policy: () => ({ staleLogin }) }))()
        if (staleLogin === 'skip') {
          expect(rightOf(equal)).toMatchObject({ status: 'stale', tokenIssuedAt: removedAt })
        } else {
          expect(leftOf(equal).code).toBe('STALE_LOGIN_DENIED')
        }
      }
      expect(await groupsOf(org, 'alice')).toEqual([])
      const later = rightOf(await syncOnLogin(input(at + 1000), deps())())
      expect(later.status).toBe('synced')
      expect(await groupsOf(org, 'alice')).toEqual(['dev'])
      // Synced for its token time (recorded), not for want of one.
      expect((await t.store.readLastSync(org.orgId, 'alice'))?.lastTokenIssuedAt).toEqual(
        new Date(removedAt.getTime() + 1000),
      )
    })

    it('a login without a token time after a removal is applied', async () => {
      const { org } = await removedAlice()
      const input = { orgId: org.orgId, userId: 'alice', claims: { groups: ['ops'] } }
      expect(rightOf(await syncOnLogin(input, deps())()).status).toBe('synced')
      expect(await groupsOf(org, 'alice')).toEqual(['ops'])
    })

    it('removeUser is allowed while mapping is on, and idempotent: nothing there, nothing written', async () => {
      const { org } = await removedAlice()
      expect(rightOf(await t.admin.getSettings(org.orgId)())?.manageGroupMemberships).toBe(true)
      const seq = await lastSeq(org)
      expect(rightOf(await t.admin.removeUser(org.orgId, 'alice')())).toEqual({
        removed: false,
        memberships: 0,
      })
      expect(rightOf(await t.admin.removeUser(org.orgId, 'nobody')())).toEqual({
        removed: false,
        memberships: 0,
      })
      expect(await lastSeq(org)).toBe(seq)
      expect((await events(org)).filter((e) => e.type === 'user.removed')).toHaveLength(1)
    })

    it('removeUser refuses an invalid id with STORE_INVALID_INPUT', async () => {
      const org = await makeOrg()
      expect(leftOf(await t.admin.removeUser(org.orgId, '')()).code).toBe('STORE_INVALID_INPUT')
    })
  })
}
