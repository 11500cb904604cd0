import { compareCodeUnits, type MembershipStore, type StoredGroup } from '@groupsync/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  END_OF_TIME,
  freshOrgId,
  must,
  observeOrg,
  setMapping,
  withStore,
  type ContractContext,
} from './context.js'
import { expectLogReplays } from './log-replay.js'
import { applyLogin, joinByLogin, pairsOf } from './login-harness.js'
import {
  GROUP_NAMES,
  applyChanges,
  claimArb,
  loginChangesFor,
  type DecideRun,
  type MemberState,
} from './serial-order.js'
import { withoutStamp } from './model.js'

const RACING_LOGINS = 12
const BASE_TIME = Date.parse('2025-03-01T00:00:00.000Z')

const statePairs = (state: MemberState) =>
  pairsOf([...state].map(([groupId, source]) => ({ groupId, source })))

/** Offboarding: `removeUser` takes every membership away and leaves its time behind. */
export const describeOffboardingTests = (ctx: ContractContext): void => {
  const test = (name: string, fn: (store: MembershipStore) => Promise<void>) => {
    it(name, () => withStore(ctx, fn))
  }

  describe('removeUser (offboarding)', () => {
    test('removes every membership whatever its source, also while mapping is on: a membership.removed each by group id, then user.removed', async (store) => {
      const org = freshOrgId('offboard')
      const other = freshOrgId('offboard-other')
      const groups: StoredGroup[] = []
      for (const n of ['c', 'a', 'b', 'd']) groups.push(await store.createGroup(org, n))
      const [gc, ga, gb] = [must(groups[0], 'c'), must(groups[1], 'a'), must(groups[2], 'b')]
      await store.addManualMember(org, ga.id, 'alice')
      await store.addManualMember(org, gc.id, 'alice')
      await store.addManualMember(org, ga.id, 'bob')
      await joinByLogin(store, org, 'alice', gb, {
        syncedAt: new Date('2024-06-01T00:00:00.000Z'),
      })
      await applyLogin(store, org, 'bob', [], { syncedAt: new Date('2024-06-02T00:00:00.000Z') })
      const og = await store.createGroup(other, 'a')
      await store.addManualMember(other, og.id, 'alice')
      await setMapping(store, org, true)
      const setUp = (await store.listAuditEvents(org)).length
      const bobBefore = await store.listUserMemberships(org, 'bob')
      const otherBefore = await observeOrg(store, other, ['alice'])

      expect(await store.removeUser(org, 'alice', { actor: 'hr@example.com' })).toEqual({
        removed: true,
        memberships: 3,
      })
      const removed = [
        [ga, 'manual'],
        [gb, 'sync'],
        [gc, 'manual'],
      ] as const
      expect((await store.listAuditEvents(org)).slice(setUp).map(withoutStamp)).toEqual([
        ...[...removed]
          .sort(([x], [y]) => compareCodeUnits(x.id, y.id))
          .map(([g, source]) => ({
            type: 'membership.removed',
            orgId: org,
            userId: 'alice',
            groupId: g.id,
            groupName: g.name,
            source,
            actor: 'hr@example.com',
          })),
        {
          type: 'user.removed',
          orgId: org,
          userId: 'alice',
          actor: 'hr@example.com',
          detail: { memberships: 3 },
        },
      ])
      expect(await store.listUserMemberships(org, 'alice')).toEqual([])
      expect((await store.listMembers(org, ga.id)).map((m) => m.userId)).toEqual(['bob'])
      expect(await store.readLastSync(org, 'alice')).toBeNull()
      expect((await store.listStaleMembers(org, END_OF_TIME)).map((s) => s.userId)).toEqual(['bob'])
      expect(await store.listUserMemberships(org, 'bob')).toEqual(bobBefore)
      expect(await observeOrg(store, other, ['alice'])).toEqual(otherBefore)
      expect((await store.getOrgSettings(org)).manageGroupMemberships).toBe(true)
      await expectLogReplays(store, org, ['alice', 'bob'])
    })

    test('is idempotent: a user with nothing left is not removed again, and nothing is written', async (store) => {
      const org = freshOrgId('offboard-twice')
      const g = await store.createGroup(org, 'g')
      await store.addManualMember(org, g.id, 'alice')
      expect(await store.removeUser(org, 'alice')).toEqual({ removed: true, memberships: 1 })
      const before = await observeOrg(store, org, ['alice', 'nobody'])
      expect(await store.removeUser(org, 'alice', { actor: 'hr' })).toEqual({
        removed: false,
        memberships: 0,
      })
      expect(await store.removeUser(org, 'nobody')).toEqual({ removed: false, memberships: 0 })
      expect(await store.removeUser(freshOrgId('empty'), 'alice')).toEqual({
        removed: false,
        memberships: 0,
      })
      expect(await observeOrg(store, org, ['alice', 'nobody'])).toEqual(before)
      // A user with only a last sync is removed: the record goes, with a user.removed event.
      await applyLogin(store, org, 'carol', [], { syncedAt: new Date('2024-01-01T00:00:00.000Z') })
      expect(await store.removeUser(org, 'carol')).toEqual({ removed: true, memberships: 0 })
      expect((await store.listAuditEvents(org, { userId: 'carol' })).map(withoutStamp)).toEqual([
        { type: 'user.removed', orgId: org, userId: 'carol', detail: { memberships: 0 } },
      ])
      expect(await store.listStaleMembers(org, END_OF_TIME)).toEqual([])
      expect(await store.readLastSync(org, 'carol')).toBeNull()
    })

    test('a later login’s snapshot shows when the user was removed, with no memberships and no last sync', async (store) => {
      const org = freshOrgId('offboard-login')
      const g = await store.createGroup(org, 'g')
      const before = await applyLogin(store, org, 'alice', ['g'], {
        add: [{ groupId: g.id, source: 'sync' }],
        syncedAt: new Date('2024-01-01T00:00:00.000Z'),
        tokenIssuedAt: new Date('2024-01-01T00:00:00.000Z'),
      })
      expect(before.removedAt).toBeNull()
      await store.removeUser(org, 'alice')
      const after = await applyLogin(store, org, 'alice', ['g'], {
        add: [{ groupId: g.id, source: 'sync' }],
        syncedAt: new Date('2024-01-02T00:00:00.000Z'),
      })
      expect(after.removedAt).toBeInstanceOf(Date)
      expect(Number.isNaN(after.removedAt?.getTime())).toBe(false)
      expect(after).toMatchObject({ memberships: [], lastSyncedAt: null, lastTokenIssuedAt: null })
      // The store does not refuse the login (the sync decides that); the removal time stays.
      expect((await store.listUserMemberships(org, 'alice')).map((m) => m.groupId)).toEqual([g.id])
      const later = await applyLogin(store, org, 'alice', [], {})
      expect(later.removedAt).toEqual(after.removedAt)
      expect((await applyLogin(store, org, 'bob', [], {})).removedAt).toBeNull()
      expect((await applyLogin(store, freshOrgId('x'), 'alice', [], {})).removedAt).toBeNull()
    })

    it(
      `logins racing with a removal of the same user are explained by one serial order, and those after it see the removal (${ctx.options.concurrencyRuns} runs)`,
      () =>
        withStore(ctx, async (store) => {
          await fc.assert(
            fc.asyncProperty(
              fc.array(claimArb, { minLength: RACING_LOGINS, maxLength: RACING_LOGINS }),
              fc.nat({ max: RACING_LOGINS }),
              async (claims, at) => {
                const orgId = freshOrgId('offboard-race')
                const groups: StoredGroup[] = []
                for (const n of GROUP_NAMES) groups.push(await store.createGroup(orgId, n))
                const first = must(groups[0], 'a group')
                await store.addManualMember(orgId, must(groups[3], 'a group').id, 'alice')
                await joinByLogin(store, orgId, 'alice', first, {
                  syncedAt: new Date(BASE_TIME - 1),
                })
                const start = new Map(
                  (await store.listUserMemberships(orgId, 'alice')).map((m) => [
                    m.groupId,
                    m.source,
                  ]),
                )
                let order = 0
                const runs = new Map<number, DecideRun>()
                const login = (claim: readonly string[], call: number) =>
                  store.withLoginSync(orgId, 'alice', claim, (snap) => {
                    const changes = loginChangesFor(snap, claim, new Date(BASE_TIME + call))
                    runs.set(call, {
                      call,
                      order: (order += 1),
                      memberships: pairsOf(snap.memberships),
                      lastSyncedAt: snap.lastSyncedAt?.getTime() ?? null,
                      removedAt: snap.removedAt?.getTime() ?? null,
                      changes,
                    })
                    return { changes, result: call }
                  })
                const before = claims.slice(0, at).map((c, i) => login(c, i))
                const removal = store.removeUser(orgId, 'alice', { actor: 'hr' })
                const after = claims.slice(at).map((c, i) => login(c, at + i))
                await Promise.all([...before, ...after])
                const result = await removal

                const ran = [...runs.values()].sort((x, y) => x.order - y.order)
                const firstAfter = ran.findIndex((r) => r.removedAt !== null)
                const split = firstAfter === -1 ? ran.length : firstAfter
                for (const r of ran.slice(split)) {
                  expect(r.removedAt, `login ${r.call} ran after the removal`).toBe(
                    must(ran[split], 'a login').removedAt,
                  )
                }
                // Replay the serial order: the logins before it, the removal, the logins after.
                const state: MemberState = new Map(start)
                let lastSync: number | null = BASE_TIME - 1
                const replay = (rs: readonly DecideRun[]) => {
                  for (const r of rs) {
                    expect(r.memberships, `what login ${r.call} saw`).toEqual(statePairs(state))
                    expect(r.lastSyncedAt, `the last sync login ${r.call} saw`).toBe(lastSync)
                    applyChanges(state, r.changes)
                    lastSync = BASE_TIME + r.call
                  }
                }
                replay(ran.slice(0, split))
                expect(result).toEqual({ removed: true, memberships: state.size })
                state.clear()
                lastSync = null
                replay(ran.slice(split))
                expect(pairsOf(await store.listUserMemberships(orgId, 'alice'))).toEqual(
                  statePairs(state),
                )
                expect(
                  (await store.readLastSync(orgId, 'alice'))?.lastSyncedAt.getTime() ?? null,
                ).toBe(lastSync)
                const removedEvents = (await store.listAuditEvents(orgId)).filter(
                  (e) => e.type === 'user.removed',
                )
                expect(removedEvents.map((e) => e.detail)).toEqual([
                  { memberships: result.memberships },
                ])
                await expectLogReplays(store, orgId, ['alice'])
                return true
              },
            ),
            { numRuns: ctx.options.concurrencyRuns },
          )
        }),
      ctx.options.slowTestTimeoutMs,
    )
  })
}
