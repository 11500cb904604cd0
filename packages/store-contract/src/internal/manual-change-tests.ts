import { compareCodeUnits, type MembershipStore } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import {
  expectLockError,
  expectStoreError,
  LOCK_ERROR,
  membershipEvents,
  must,
  observeOrg,
  setMapping,
  setSettings,
  turn,
} from './context.js'
import { expectTimes } from './store-kit.js'
import { faultHook } from './fault-hook.js'
import { joinByLogin, withStore, storeTest, type LoginContext } from './login-harness.js'
import { withoutStamp } from './model.js'

const RACERS = 16

/** What a promise resolved or rejected with. */
const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (value) => value,
    (error: unknown) => error,
  )

/** Turns mapping on with one `settings.changed` event, which orders it in the log. */
const turnMappingOn = (store: MembershipStore, orgId: string) =>
  store.updateOrgSettings(orgId, (c) => ({
    settings: { ...c, manageGroupMemberships: true },
    audit: [{ type: 'settings.changed', orgId, actor: 'admin' }],
  }))

/**
 * Checks the outcome of manual changes that raced with turning mapping on: each either landed
 * before the settings change (its event earlier in the log) or was refused by the lock and wrote
 * nothing. Resolves with the users whose change landed.
 */
const expectLockedOrEarlier = async (
  store: MembershipStore,
  orgId: string,
  kind: 'added' | 'removed',
  outcomes: readonly { readonly userId: string; readonly outcome: unknown }[],
): Promise<Set<string>> => {
  const landed = new Set<string>()
  for (const { userId, outcome } of outcomes) {
    if (outcome === true) landed.add(userId)
    else expect(outcome, `the outcome for ${userId}`).toMatchObject(LOCK_ERROR)
  }
  const log = await store.listAuditEvents(orgId)
  const on = log.filter((e) => e.type === 'settings.changed')
  expect(on, 'one settings change').toHaveLength(1)
  const onSeq = must(on[0], 'the settings change').seq
  const changes = log.filter((e) => e.type === `membership.${kind}` && e.source === 'manual')
  expect(new Set(changes.map((e) => e.userId))).toEqual(landed)
  for (const e of changes) {
    expect(
      e.seq,
      `the manual change of ${String(e.userId)} committed before mapping was on`,
    ).toBeLessThan(onSeq)
  }
  return landed
}

/** Manual changes: what they write, and the lock that refuses them while mapping is on. */
export const describeManualChangeTests = (ctx: LoginContext): void => {
  const test = storeTest(ctx)

  describe('manual membership changes', () => {
    test('addManualMember adds once, as manual, with one membership.added event naming the actor', async (store, kit) => {
      const { newOrg, user, missingGroup } = kit
      const org = newOrg('add')
      const g = await store.createGroup(org, 'g')
      await joinByLogin(store, org, user('bob'), g)
      const setUp = (await store.listAuditEvents(org)).length
      expect(
        await store.addManualMember(org, g.id, user('alice'), { actor: 'admin@example.com' }),
      ).toBe(true)
      expect(
        await store.addManualMember(org, g.id, user('alice'), { actor: 'admin@example.com' }),
      ).toBe(false)
      // Bob is a member already, through a login: his membership stays as it is.
      expect(await store.addManualMember(org, g.id, user('bob'))).toBe(false)
      expect(await store.addManualMember(org, g.id, user('carol'))).toBe(true)
      const members = await store.listMembers(org, g.id)
      expect(members.map((m) => [m.userId, m.source])).toEqual(
        [
          [user('alice'), 'manual'],
          [user('bob'), 'sync'],
          [user('carol'), 'manual'],
        ].sort(([x = ''], [y = '']) => compareCodeUnits(x, y)),
      )
      expect(members[0]).toMatchObject({ orgId: org, groupId: g.id })
      expectTimes(store, 'memberships', members)
      const base = { orgId: org, groupId: g.id, groupName: 'g', source: 'manual' } as const
      expect((await store.listAuditEvents(org)).slice(setUp).map(withoutStamp)).toEqual([
        { type: 'membership.added', userId: user('alice'), actor: 'admin@example.com', ...base },
        { type: 'membership.added', userId: user('carol'), ...base },
      ])
      await expectStoreError(
        store.addManualMember(org, missingGroup, user('alice')),
        'GROUP_NOT_FOUND',
      )
      await expectStoreError(
        store.addManualMember(newOrg('x'), g.id, user('alice')),
        'GROUP_NOT_FOUND',
      )
    })

    test('removeManualMember removes once, whatever the source, with one membership.removed event', async (store, kit) => {
      const { newOrg, user, missingGroup } = kit
      const org = newOrg('remove')
      const g = await store.createGroup(org, 'g')
      await joinByLogin(store, org, user('alice'), g)
      await store.addManualMember(org, g.id, user('bob'))
      const setUp = (await store.listAuditEvents(org)).length
      expect(await store.removeManualMember(org, g.id, user('alice'), { actor: 'root' })).toBe(true)
      expect(await store.removeManualMember(org, g.id, user('alice'), { actor: 'root' })).toBe(
        false,
      )
      expect(await store.removeManualMember(org, g.id, user('bob'))).toBe(true)
      expect(await store.listMembers(org, g.id)).toEqual([])
      const base = { orgId: org, groupId: g.id, groupName: 'g', source: 'manual' } as const
      expect((await store.listAuditEvents(org)).slice(setUp).map(withoutStamp)).toEqual([
        { type: 'membership.removed', userId: user('alice'), actor: 'root', ...base },
        { type: 'membership.removed', userId: user('bob'), ...base },
      ])
      await expectStoreError(
        store.removeManualMember(org, missingGroup, user('alice')),
        'GROUP_NOT_FOUND',
      )
    })
  })

  describe('the manual-change lock', () => {
    test('while mapping is on, no member of the ports changes a membership except withLoginSync', async (store, kit) => {
      const { newOrg, user, missingGroup } = kit
      const org = newOrg('lock')
      const a = await store.createGroup(org, 'a')
      const b = await store.createGroup(org, 'b')
      await store.addManualMember(org, a.id, user('alice'))
      await joinByLogin(store, org, user('bob'), b)
      await setSettings(store, org, { manageGroupMemberships: true, matchMode: 'exact' })
      const users = [user('alice'), user('bob'), user('carol')]
      const before = await observeOrg(store, org, users)
      // Every manual change is refused, whether it would change something or not.
      for (const [groupId, userId] of [
        [b.id, user('alice')],
        [a.id, user('alice')],
        [a.id, user('carol')],
        [missingGroup, user('alice')],
      ] as const) {
        await expectLockError(store.addManualMember(org, groupId, userId, { actor: 'admin' }))
      }
      for (const [groupId, userId] of [
        [a.id, user('alice')],
        [b.id, user('bob')],
        [b.id, user('carol')],
        [missingGroup, user('bob')],
      ] as const) {
        await expectLockError(store.removeManualMember(org, groupId, userId, { actor: 'admin' }))
      }
      expect(await observeOrg(store, org, users)).toEqual(before)
      // Every other member of the admin role leaves the memberships alone.
      const c = await store.createGroup(org, 'c')
      await store.renameGroup(org, a.id, 'a2')
      await store.updateOrgSettings(org, (s) => ({
        settings: { ...s, matchMode: 'case-insensitive' },
        audit: [],
      }))
      await store.listGroups(org)
      await store.listMembers(org, a.id)
      await store.listStaleMembers(org, new Date())
      await store.readLastSync(org, user('alice'))
      const after = await observeOrg(store, org, users)
      expect(after.memberships).toEqual(before.memberships)
      expect(membershipEvents(after.audit)).toEqual(membershipEvents(before.audit))
      expect(await store.listMembers(org, c.id)).toEqual([])
      // A login still changes memberships while mapping is on.
      await joinByLogin(store, org, user('alice'), b)
      expect((await store.listMembers(org, b.id)).map((m) => m.userId)).toEqual(
        [user('alice'), user('bob')].sort(compareCodeUnits),
      )
      // Mapping off: manual changes work again, on logins' memberships too.
      await setMapping(store, org, false)
      expect(await store.removeManualMember(org, b.id, user('alice'))).toBe(true)
      expect(await store.addManualMember(org, c.id, user('carol'))).toBe(true)
      expect((await store.listUserMemberships(org, user('alice'))).map((m) => m.groupId)).toEqual([
        a.id,
      ])
      expect((await store.listMembers(org, c.id)).map((m) => [m.userId, m.source])).toEqual([
        [user('carol'), 'manual'],
      ])
    })

    for (const kind of ['added', 'removed'] as const) {
      test(`manual changes racing with mapping being turned on: each is ${kind} before it, or refused with nothing written`, async (store, kit) => {
        const { newOrg, user } = kit
        for (let round = 0; round < 3; round++) {
          const org = newOrg(`lock-race-${kind}`)
          const g = await store.createGroup(org, 'g')
          const users = Array.from({ length: RACERS }, (_, i) => user(`user-${i}`))
          if (kind === 'removed') for (const u of users) await store.addManualMember(org, g.id, u)
          const start = async (u: string) => ({
            userId: u,
            outcome: await settle(
              kind === 'added'
                ? store.addManualMember(org, g.id, u, { actor: 'admin' })
                : store.removeManualMember(org, g.id, u, { actor: 'admin' }),
            ),
          })
          // Before, alongside and after the settings change, without waiting in between.
          const split = (round * 5) % RACERS
          const first = users.slice(0, split).map(start)
          const on = turnMappingOn(store, org)
          const rest = users.slice(split).map(start)
          const outcomes = await Promise.all([...first, ...rest])
          await on
          const landed = await expectLockedOrEarlier(store, org, kind, outcomes)
          const members = (await store.listMembers(org, g.id)).map((m) => m.userId)
          expect(new Set(members)).toEqual(
            new Set(kind === 'added' ? landed : users.filter((u) => !landed.has(u))),
          )
        }
      })
    }

    for (const heldFirst of ['the manual change', 'the settings change'] as const) {
      it(`${heldFirst} held inside its unit of work, the other started meanwhile: the change lands before mapping is on, or is refused`, () => {
        const hook = faultHook()
        return withStore(
          ctx,
          async (store, { newOrg, user }) => {
            const org = newOrg('lock-held')
            const g = await store.createGroup(org, 'g')
            let add: Promise<unknown> = Promise.resolve()
            let on: Promise<unknown> = Promise.resolve()
            const startAdd = () => {
              add = settle(store.addManualMember(org, g.id, user('alice'), { actor: 'admin' }))
            }
            const startOn = () => {
              on = settle(turnMappingOn(store, org))
            }
            const held = await hook.holdNext(heldFirst === 'the manual change' ? startAdd : startOn)
            try {
              if (heldFirst === 'the manual change') startOn()
              else startAdd()
              // Time for a store that does not serialise the two to get ahead with the other.
              for (let i = 0; i < 20; i++) await turn()
              await new Promise((resolve) => setTimeout(resolve, 50))
            } finally {
              held.release()
            }
            const outcomes = [{ userId: user('alice'), outcome: await add }]
            expect(await on).toMatchObject({ manageGroupMemberships: true })
            const landed = await expectLockedOrEarlier(store, org, 'added', outcomes)
            expect((await store.listMembers(org, g.id)).map((m) => m.userId)).toEqual([...landed])
            await expectLockError(store.addManualMember(org, g.id, user('bob')))
          },
          { testOnlyFaultHook: hook.hook },
        )
      })
    }
  })
}
