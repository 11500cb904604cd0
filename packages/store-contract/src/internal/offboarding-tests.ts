import {
  compareCodeUnits,
  type LoginSyncStore,
  type MembershipSource,
  type UserRemovalStore,
} from '@groupsync/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { END_OF_TIME, must } from './context.js'
import { expectLogReplays } from './log-replay.js'
import { withoutStamp } from './model.js'
import {
  applyLogin,
  auditOf,
  joinByLogin,
  observeLogin,
  pairsOf,
  withLogin,
  type LoginContext,
  type LoginHarness,
} from './login-harness.js'
import {
  GROUP_NAMES,
  claimArb,
  recordingLogins,
  replaySerially,
  statePairs,
  type MemberState,
} from './serial-order.js'

const RACING_LOGINS = 12
const BASE_TIME = Date.parse('2025-03-01T00:00:00.000Z')

/** A harness whose store can remove users. */
type RemovalHarness = LoginHarness & { readonly store: LoginSyncStore & UserRemovalStore }

const canRemove = (store: LoginSyncStore): store is LoginSyncStore & UserRemovalStore =>
  typeof (store as Partial<UserRemovalStore>).removeUser === 'function'

/** A group the suite set up: its id and name. */
const makeGroup = async (h: LoginHarness, orgId: string, name: string) => ({
  id: (await h.seed.createGroup(orgId, name)).id,
  name,
})

/**
 * Offboarding: `removeUser` takes every membership away and leaves its time behind. Run on every
 * store that has `removeUser` — the full stores, and a login-sync store whose adapter has a
 * removal unit — through the seed (memberships, audit events) and the store's `readLastSync`;
 * the admin role's listings are checked too when the suite has them. A test on a store without
 * `removeUser` is skipped.
 */
export const describeOffboardingTests = (ctx: LoginContext): void => {
  const test = (name: string, fn: (h: RemovalHarness) => Promise<void>, timeout?: number) => {
    it(
      name,
      (t) =>
        withLogin(ctx, async (h) => {
          const { store } = h
          if (!canRemove(store)) {
            t.skip('the store has no removeUser')
            return
          }
          await fn({ ...h, store })
        }),
      timeout,
    )
  }

  describe('removeUser (offboarding)', () => {
    test('removes every membership whatever its source, also while mapping is on: a membership.removed each by group id, then user.removed', async (h) => {
      const { newOrg, user } = h.kit
      const { store, seed, admin } = h
      const org = newOrg('offboard')
      const other = newOrg('offboard-other')
      const [gc, ga, gb] = [
        await makeGroup(h, org, 'c'),
        await makeGroup(h, org, 'a'),
        await makeGroup(h, org, 'b'),
      ]
      await makeGroup(h, org, 'd')
      await seed.addMembership(org, ga.id, user('alice'), 'manual')
      await seed.addMembership(org, gc.id, user('alice'), 'manual')
      await seed.addMembership(org, ga.id, user('bob'), 'manual')
      await joinByLogin(store, org, user('alice'), gb, {
        syncedAt: new Date('2024-06-01T00:00:00.000Z'),
      })
      await applyLogin(store, org, user('bob'), [], {
        syncedAt: new Date('2024-06-02T00:00:00.000Z'),
      })
      const og = await makeGroup(h, other, 'a')
      await seed.addMembership(other, og.id, user('alice'), 'manual')
      await seed.setSettings(org, { manageGroupMemberships: true, matchMode: 'exact' })
      const setUp = (await auditOf(h, org))?.length ?? 0
      const bobBefore = [
        pairsOf(await seed.listMemberships(org, user('bob'))),
        await store.readLastSync(org, user('bob')),
      ]
      const otherBefore = await observeLogin(h, other, [user('alice')])

      expect(await store.removeUser(org, user('alice'), { actor: 'hr@example.com' })).toEqual({
        removed: true,
        memberships: 3,
      })
      const removed = [
        [ga, 'manual'],
        [gb, 'sync'],
        [gc, 'manual'],
      ] as const
      const events = await auditOf(h, org)
      if (events !== null) {
        expect(events.slice(setUp).map(withoutStamp)).toEqual([
          ...[...removed]
            .sort(([x], [y]) => compareCodeUnits(x.id, y.id))
            .map(([g, source]: readonly [{ id: string; name: string }, MembershipSource]) => ({
              type: 'membership.removed',
              orgId: org,
              userId: user('alice'),
              groupId: g.id,
              groupName: g.name,
              source,
              actor: 'hr@example.com',
            })),
          {
            type: 'user.removed',
            orgId: org,
            userId: user('alice'),
            actor: 'hr@example.com',
            detail: { memberships: 3 },
          },
        ])
      }
      expect(await seed.listMemberships(org, user('alice'))).toEqual([])
      expect(await store.readLastSync(org, user('alice'))).toBeNull()
      expect(await observeLogin(h, other, [user('alice')])).toEqual(otherBefore)
      expect((await store.getOrgSettings(org))?.manageGroupMemberships).toBe(true)
      expect([
        pairsOf(await seed.listMemberships(org, user('bob'))),
        await store.readLastSync(org, user('bob')),
      ]).toEqual(bobBefore)
      if (admin !== undefined) {
        expect((await admin.listMembers(org, ga.id)).map((m) => m.userId)).toEqual([user('bob')])
        expect((await admin.listStaleMembers(org, END_OF_TIME)).map((s) => s.userId)).toEqual([
          user('bob'),
        ])
        await expectLogReplays(admin, org, [user('alice'), user('bob')])
      }
    })

    test('is idempotent: a user with nothing left is not removed again, and nothing is written', async (h) => {
      const { newOrg, user } = h.kit
      const { store, seed } = h
      const org = newOrg('offboard-twice')
      const g = await makeGroup(h, org, 'g')
      await seed.addMembership(org, g.id, user('alice'), 'manual')
      expect(await store.removeUser(org, user('alice'))).toEqual({ removed: true, memberships: 1 })
      const before = await observeLogin(h, org, [user('alice'), user('nobody')])
      expect(await store.removeUser(org, user('alice'), { actor: 'hr' })).toEqual({
        removed: false,
        memberships: 0,
      })
      expect(await store.removeUser(org, user('nobody'))).toEqual({
        removed: false,
        memberships: 0,
      })
      expect(await store.removeUser(newOrg('empty'), user('alice'))).toEqual({
        removed: false,
        memberships: 0,
      })
      expect(await observeLogin(h, org, [user('alice'), user('nobody')])).toEqual(before)
      // A user with only a last sync is removed: the record goes, with a user.removed event.
      await applyLogin(store, org, user('carol'), [], {
        syncedAt: new Date('2024-01-01T00:00:00.000Z'),
      })
      const setUp = (await auditOf(h, org))?.length ?? 0
      expect(await store.removeUser(org, user('carol'))).toEqual({ removed: true, memberships: 0 })
      const events = await auditOf(h, org)
      if (events !== null) {
        expect(events.slice(setUp).map(withoutStamp)).toEqual([
          { type: 'user.removed', orgId: org, userId: user('carol'), detail: { memberships: 0 } },
        ])
      }
      if (h.admin !== undefined) {
        expect(await h.admin.listStaleMembers(org, END_OF_TIME)).toEqual([])
      }
      expect(await store.readLastSync(org, user('carol'))).toBeNull()
    })

    test('a later login’s snapshot shows when the user was removed, with no memberships and no last sync', async (h) => {
      const { newOrg, user } = h.kit
      const { store, seed } = h
      const org = newOrg('offboard-login')
      const g = await makeGroup(h, org, 'g')
      const before = await applyLogin(store, org, user('alice'), ['g'], {
        add: [{ groupId: g.id, source: 'sync' }],
        syncedAt: new Date('2024-01-01T00:00:00.000Z'),
        tokenIssuedAt: new Date('2024-01-01T00:00:00.000Z'),
      })
      expect(before.removedAt).toBeNull()
      await store.removeUser(org, user('alice'))
      const after = await applyLogin(store, org, user('alice'), ['g'], {
        add: [{ groupId: g.id, source: 'sync' }],
        syncedAt: new Date('2024-01-02T00:00:00.000Z'),
      })
      expect(after.removedAt).toBeInstanceOf(Date)
      expect(Number.isNaN(after.removedAt?.getTime())).toBe(false)
      expect(after).toMatchObject({ memberships: [], lastSyncedAt: null, lastTokenIssuedAt: null })
      // The store does not refuse the login (the sync decides that); the removal time stays.
      expect((await seed.listMemberships(org, user('alice'))).map((m) => m.groupId)).toEqual([g.id])
      const later = await applyLogin(store, org, user('alice'), [], {})
      expect(later.removedAt).toEqual(after.removedAt)
      expect((await applyLogin(store, org, user('bob'), [], {})).removedAt).toBeNull()
      expect((await applyLogin(store, newOrg('x'), user('alice'), [], {})).removedAt).toBeNull()
    })

    test(
      `logins racing with a removal of the same user are explained by one serial order, and those after it see the removal (${ctx.options.concurrencyRuns} runs)`,
      async (h) => {
        const { newOrg, user } = h.kit
        const { store, seed } = h
        await fc.assert(
          fc.asyncProperty(
            fc.array(claimArb, { minLength: RACING_LOGINS, maxLength: RACING_LOGINS }),
            fc.nat({ max: RACING_LOGINS }),
            async (claims, at) => {
              const orgId = newOrg('offboard-race')
              const groups: { id: string; name: string }[] = []
              for (const n of GROUP_NAMES) groups.push(await makeGroup(h, orgId, n))
              const first = must(groups[0], 'a group')
              await seed.addMembership(
                orgId,
                must(groups[3], 'a group').id,
                user('alice'),
                'manual',
              )
              await joinByLogin(store, orgId, user('alice'), first, {
                syncedAt: new Date(BASE_TIME - 1),
              })
              const start: MemberState = new Map(
                (await seed.listMemberships(orgId, user('alice'))).map((m) => [
                  m.groupId,
                  m.source,
                ]),
              )
              const { login, ran: ranInOrder } = recordingLogins(
                store,
                orgId,
                user('alice'),
                BASE_TIME,
              )
              const before = claims.slice(0, at).map((c, i) => login(c, i))
              const removal = store.removeUser(orgId, user('alice'), { actor: 'hr' })
              const after = claims.slice(at).map((c, i) => login(c, at + i))
              await Promise.all([...before, ...after])
              const result = await removal

              const ran = ranInOrder()
              const firstAfter = ran.findIndex((r) => r.removedAt !== null)
              const split = firstAfter === -1 ? ran.length : firstAfter
              for (const r of ran.slice(split)) {
                expect(r.removedAt, `login ${r.call} ran after the removal`).toBe(
                  must(ran[split], 'a login').removedAt,
                )
              }
              // Replay the serial order: the logins before it, the removal, the logins after.
              const state: MemberState = new Map(start)
              replaySerially(ran.slice(0, split), state, BASE_TIME - 1, BASE_TIME)
              expect(result).toEqual({ removed: true, memberships: state.size })
              state.clear()
              const lastSync = replaySerially(ran.slice(split), state, null, BASE_TIME)
              expect(pairsOf(await seed.listMemberships(orgId, user('alice')))).toEqual(
                statePairs(state),
              )
              expect(
                (await store.readLastSync(orgId, user('alice')))?.lastSyncedAt.getTime() ?? null,
              ).toBe(lastSync)
              const events = await auditOf(h, orgId)
              if (events !== null) {
                expect(
                  events.filter((e) => e.type === 'user.removed').map((e) => e.detail),
                ).toEqual([{ memberships: result.memberships }])
              }
              if (h.admin !== undefined) await expectLogReplays(h.admin, orgId, [user('alice')])
              return true
            },
          ),
          { numRuns: ctx.options.concurrencyRuns },
        )
      },
      ctx.options.slowTestTimeoutMs,
    )
  })
}
