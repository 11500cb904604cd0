import { DEFAULT_ORG_SETTINGS, compareCodeUnits, type AuditEventInput } from '@groupsync/core'
import { describe, expect } from 'vitest'
import {
  END_OF_TIME,
  expectStoreError,
  groupIdsOf,
  must,
  observeOrg,
  setSettings,
} from './context.js'
import { extremeIds } from './store-kit.js'
import { applyLogin, storeTest, type LoginContext } from './login-harness.js'
import { withoutStamp } from './model.js'

/** The admin role's listings, and the ids and times it accepts. */
export const describeListingTests = (ctx: LoginContext): void => {
  const test = storeTest(ctx)

  describe('listings', () => {
    test('listMembers orders by user id and listUserMemberships by group id, per organisation', async (store, kit) => {
      const { newOrg, user } = kit
      const org = newOrg('lists')
      const other = newOrg('lists-other')
      const gs = [await store.createGroup(org, 'x'), await store.createGroup(org, 'y')]
      const og = await store.createGroup(other, 'x')
      const users = ['😀', 'b', 'B', '\uFF5E', 'a'].map(user)
      for (const u of users) for (const g of gs) await store.addManualMember(org, g.id, u)
      await store.addManualMember(other, og.id, user('a'))
      expect(
        (await store.listMembers(org, must(gs[0], 'a group').id)).map((m) => m.userId),
      ).toEqual([...users].sort(compareCodeUnits))
      const mine = await store.listUserMemberships(org, user('a'))
      expect(mine.map((m) => m.groupId)).toEqual(gs.map((g) => g.id).sort(compareCodeUnits))
      expect(mine.every((m) => m.orgId === org && m.userId === user('a'))).toBe(true)
      expect(await store.listUserMemberships(org, user('nobody'))).toEqual([])
    })

    test('listStaleMembers lists users synced strictly before the time, oldest first', async (store, kit) => {
      const { newOrg, user } = kit
      const org = newOrg('stale')
      const t = (s: string) => new Date(`2024-01-0${s}T00:00:00.000Z`)
      await applyLogin(store, org, user('carol'), [], { syncedAt: t('3') })
      await applyLogin(store, org, user('alice'), [], { syncedAt: t('1') })
      await applyLogin(store, org, user('bob'), [], { syncedAt: t('2') })
      await applyLogin(store, org, user('dave'), [], {})
      await applyLogin(store, newOrg('stale-other'), user('erin'), [], { syncedAt: t('1') })
      expect(await store.listStaleMembers(org, t('3'))).toEqual([
        { userId: user('alice'), lastSyncedAt: t('1') },
        { userId: user('bob'), lastSyncedAt: t('2') },
      ])
      expect(await store.listStaleMembers(org, t('1'))).toEqual([])
      await applyLogin(store, org, user('alice'), [], { syncedAt: t('4') })
      expect((await store.listStaleMembers(org, END_OF_TIME)).map((s) => s.userId)).toEqual([
        user('bob'),
        user('carol'),
        user('alice'),
      ])
    })

    test('listAuditEvents pages by seq, filters by user, and keeps every field', async (store, kit) => {
      const { newOrg, user } = kit
      const org = newOrg('audit')
      const g = await store.createGroup(org, 'g')
      const events: AuditEventInput[] = [
        {
          type: 'sync.denied',
          orgId: org,
          userId: user('alice'),
          claimDigest: '00'.repeat(32),
          detail: {
            reason: 'over-limit',
            count: 201,
            big: 2 ** 53 - 1,
            tiny: 1e-7,
            flag: false,
            none: null,
            list: ['é', '😀'],
            obj: { 'key with "quotes"': 'v' },
          },
        },
        {
          type: 'membership.added',
          orgId: org,
          userId: user('bob'),
          groupId: g.id,
          groupName: 'g',
          source: 'manual',
          actor: 'root',
        },
        {
          type: 'membership.removed',
          orgId: org,
          userId: user('alice'),
          groupId: g.id,
          groupName: 'g',
          source: 'sync',
        },
        { type: 'settings.changed', orgId: org, actor: 'root' },
      ]
      const [created] = await store.listAuditEvents(org)
      expect(created).toMatchObject({ type: 'group.created', groupId: g.id, groupName: 'g' })
      const start = must(created, 'the group.created event').seq
      for (const e of events) await setSettings(store, org, DEFAULT_ORG_SETTINGS, [e])
      const all = await store.listAuditEvents(org, { afterSeq: start })
      expect(all.map(withoutStamp)).toEqual(events)
      expect(all.every((e, i) => i === 0 || e.seq > must(all[i - 1], 'an event').seq)).toBe(true)
      expect(all.every((e) => e.at instanceof Date && !Number.isNaN(e.at.getTime()))).toBe(true)
      const second = must(all[1], 'event 1').seq
      expect((await store.listAuditEvents(org, { afterSeq: second })).map((e) => e.seq)).toEqual(
        all.slice(2).map((e) => e.seq),
      )
      expect(
        (await store.listAuditEvents(org, { afterSeq: start, limit: 2 })).map((e) => e.seq),
      ).toEqual(all.slice(0, 2).map((e) => e.seq))
      expect(await store.listAuditEvents(org, { limit: 0 })).toEqual([])
      expect(
        (
          await store.listAuditEvents(org, {
            userId: user('alice'),
            afterSeq: must(all[0], 'event 0').seq,
          })
        ).map((e) => e.type),
      ).toEqual(['membership.removed'])
      expect(await store.listAuditEvents(newOrg('audit-other'))).toEqual([])
    })
  })

  describe('ids and times', () => {
    test('empty, over-long or NUL ids and impossible times are refused by the admin role; the extreme ids round-trip', async (store, kit) => {
      const { newOrg, user, limits } = kit
      const org = newOrg('ids')
      const g = await store.createGroup(org, 'g')
      const before = await observeOrg(store, org, [user('alice')])
      const invalid = (bad: string) => [
        () => store.createGroup(bad, 'g'),
        () => store.addManualMember(org, g.id, bad),
        () => store.addManualMember(org, bad, user('alice')),
        () => store.removeManualMember(org, g.id, bad),
        () => store.removeUser(org, bad),
        () => store.removeUser(bad, user('alice')),
        () => store.listMembers(org, bad),
        () => store.listAuditEvents(org, { userId: bad }),
      ]
      const badTimes = [
        new Date(Number.NaN),
        new Date('0000-12-31T23:59:59.999Z'),
        new Date(8.64e15),
      ]
      for (const call of [
        ...['', 'x'.repeat(256), 'a\u0000b'].flatMap(invalid),
        ...badTimes.map((bad) => () => store.listStaleMembers(org, bad)),
        ...[{ limit: -1 }, { afterSeq: 1.5 }, { limit: Number.NaN }].map(
          (query) => () => store.listAuditEvents(org, query),
        ),
      ]) {
        await expectStoreError(call(), 'STORE_INVALID_INPUT')
      }
      expect(await observeOrg(store, org, [user('alice')])).toEqual(before)
      // The extreme ids of the kind work.
      for (const extreme of extremeIds(limits.ids.user)) {
        expect(await store.addManualMember(org, g.id, extreme)).toBe(true)
        expect(groupIdsOf(await store.listUserMemberships(org, extreme))).toEqual([g.id])
        expect(await store.removeManualMember(org, g.id, extreme)).toBe(true)
      }
      // The extreme times that are allowed round-trip exactly.
      for (const t of ['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.998Z']) {
        await applyLogin(store, org, user('alice'), [], { syncedAt: new Date(t) })
        const [stale] = await store.listStaleMembers(org, END_OF_TIME)
        expect(stale?.lastSyncedAt.toISOString()).toBe(t)
      }
    })
  })
}
