import { compareCodeUnits, type AuditEventInput } from '@groupsync/core'
import { describe, expect } from 'vitest'
import { expectStoreError, membershipEvents, must } from './context.js'
import { expectLogReplays } from './log-replay.js'
import { HOSTILE_NAMES, UNSTORABLE_NAMES } from './hostile-names.js'
import {
  applyLogin,
  observeLogin,
  pairsOf,
  syncChanges,
  loginTest,
  type LoginContext,
} from './login-harness.js'
import { extremeIds, namesAtLimit, withinLimit } from './store-kit.js'

/** What a login unit accepts and refuses: hostile names, unstorable text, ids and times. */
export const describeLoginInputTests = (ctx: LoginContext): void => {
  const test = loginTest(ctx)

  describe('withLoginSync: hostile names, ids and times', () => {
    test('every hostile name is seen and matched exactly by a login, kept exactly in its writes, and listed and renamed exactly by the admin role', async (h) => {
      const { store, seed, admin } = h
      const { newOrg, user, limits } = h.kit
      const org = newOrg('hostile-login')
      const { atLimit } = namesAtLimit(limits)
      const names = [...withinLimit(limits, HOSTILE_NAMES), atLimit]
      const sorted = [...names].sort(compareCodeUnits)
      const ids = new Map<string, string>()
      for (const name of names) ids.set((await seed.createGroup(org, name)).id, name)
      const seen = await store.withLoginSync(org, user('alice'), names, (snapshot) => ({
        changes: syncChanges({
          add: snapshot.groups.map((g) => ({ groupId: g.id, source: 'sync' })),
          audit: snapshot.groups.map((g) => ({
            type: 'membership.added',
            orgId: org,
            userId: user('alice'),
            groupId: g.id,
            groupName: g.name,
            source: 'sync',
            detail: { claim: g.name, nested: [g.name, { name: g.name }] },
          })),
        }),
        result: snapshot.groups,
      }))
      expect(seen.map((g) => g.name)).toEqual(sorted)
      for (const g of seen) expect(ids.get(g.id)).toBe(g.name)
      expect(await seed.listMemberships(org, user('alice'))).toHaveLength(names.length)
      const events = await seed.listAuditEvents?.(org)
      if (events !== undefined) {
        const audit = membershipEvents(events)
        expect(audit.map((e) => e.groupName ?? '').sort(compareCodeUnits)).toEqual(sorted)
        for (const e of audit) {
          expect(e.detail).toEqual({
            claim: e.groupName,
            nested: [e.groupName, { name: e.groupName }],
          })
        }
      }
      if (admin === undefined) return
      expect(await admin.listGroups(org)).toEqual(seen)
      // Renaming each group to the next hostile name (through a temporary name) round-trips too.
      const groupIds = [...ids.keys()]
      for (const [i, id] of groupIds.entries()) await admin.renameGroup(org, id, `tmp ${i}`)
      for (const [i, id] of groupIds.entries()) {
        const name = must(names[(i + 1) % names.length], 'a name')
        expect((await admin.renameGroup(org, id, name)).name).toBe(name)
      }
      expect((await admin.listGroups(org)).map((g) => g.name)).toEqual(sorted)
      await expectLogReplays(admin, org, [user('alice')])
    })

    test('claim entries holding a NUL or a lone surrogate match no group and are not refused', async (h) => {
      const { store, seed } = h
      const { newOrg, user, limits } = h.kit
      const org = newOrg('unstorable-claim')
      const { atLimit } = namesAtLimit(limits)
      await seed.createGroup(org, 'Admins')
      await seed.createGroup(org, atLimit)
      const claim = [...UNSTORABLE_NAMES, 'admins\uD800', `${atLimit}\u0000`]
      const seen = await store.withLoginSync(org, user('alice'), claim, (s) => ({
        changes: null,
        result: s.groups.map((g) => g.name),
      }))
      expect(seen).toEqual([])
    })

    test('a NUL or a lone surrogate in a login’s audit events is refused with STORE_INVALID_INPUT, and nothing is written', async (h) => {
      const { newOrg, user } = h.kit
      const org = newOrg('nul-login')
      const g = await h.seed.createGroup(org, 'ok')
      await h.seed.addMembership(org, g.id, user('alice'), 'manual')
      const before = await observeLogin(h, org, [user('alice')])
      const event: AuditEventInput = {
        type: 'membership.removed',
        orgId: org,
        userId: user('alice'),
      }
      for (const bad of UNSTORABLE_NAMES) {
        for (const audit of [
          { ...event, groupName: bad },
          { ...event, claimDigest: bad },
          { ...event, actor: bad },
          { ...event, detail: { note: bad } },
          { ...event, detail: { [bad]: 'key' } },
          { ...event, detail: { list: [1, { deep: bad }] } },
        ]) {
          await expectStoreError(
            applyLogin(h.store, org, user('alice'), ['ok'], {
              remove: [g.id],
              audit: [audit],
              syncedAt: new Date(),
            }),
            'STORE_INVALID_INPUT',
          )
        }
      }
      expect(await observeLogin(h, org, [user('alice')])).toEqual(before)
    })

    test('empty, over-long or NUL ids and impossible times are refused; the extreme ids and times round-trip', async (h) => {
      const { newOrg, user } = h.kit
      const org = newOrg('ids')
      const g = await h.seed.createGroup(org, 'g')
      const before = await observeLogin(h, org, [user('alice')])
      for (const bad of ['', 'x'.repeat(256), 'a\u0000b', '\uD800']) {
        await expectStoreError(applyLogin(h.store, org, bad, [], {}), 'STORE_INVALID_INPUT')
        await expectStoreError(
          applyLogin(h.store, bad, user('alice'), [], {}),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(h.store.readLastSync(org, bad), 'STORE_INVALID_INPUT')
        await expectStoreError(h.store.readLastSync(bad, user('alice')), 'STORE_INVALID_INPUT')
        await expectStoreError(h.store.getOrgSettings(bad), 'STORE_INVALID_INPUT')
      }
      for (const bad of [
        new Date(Number.NaN),
        new Date('0000-12-31T23:59:59.999Z'),
        new Date(8.64e15),
        '2024-01-01T00:00:00.000Z' as unknown as Date,
      ]) {
        await expectStoreError(
          applyLogin(h.store, org, user('alice'), ['g'], {
            add: [{ groupId: g.id, source: 'sync' }],
            syncedAt: bad,
          }),
          'STORE_INVALID_INPUT',
        )
      }
      await expectStoreError(
        h.store.withLoginSync(org, user('alice'), ['g'], () => ({ changes: null, result: 1 }), {
          signal: 'soon' as unknown as AbortSignal,
        }),
        'STORE_INVALID_INPUT',
      )
      expect(await observeLogin(h, org, [user('alice')])).toEqual(before)
      // The extreme ids of the kind work: the longest text, the largest and smallest numbers, …
      for (const extreme of extremeIds(h.kit.limits.ids.user)) {
        await applyLogin(h.store, org, extreme, ['g'], { add: [{ groupId: g.id, source: 'sync' }] })
        expect(pairsOf(await h.seed.listMemberships(org, extreme))).toEqual([[g.id, 'sync']])
      }
      // The extreme times that are allowed round-trip exactly.
      for (const t of ['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
        await applyLogin(h.store, org, user('alice'), [], { syncedAt: new Date(t) })
        expect((await h.store.readLastSync(org, user('alice')))?.lastSyncedAt.toISOString()).toBe(t)
        const snap = await applyLogin(h.store, org, user('alice'), [], {})
        expect(snap.lastSyncedAt?.toISOString()).toBe(t)
      }
    })
  })
}
