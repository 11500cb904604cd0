import {
  type AuditEventInput,
  type StoredGroup,
  type UserSyncChanges,
  type UserSyncDecision,
  type UserSyncSnapshot,
} from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { expectStoreError, must, kitOf } from './context.js'
import {
  applyLogin,
  observeLogin,
  pairsOf,
  syncChanges,
  loginTest,
  type LoginContext,
} from './login-harness.js'
import { expectTimes } from './store-kit.js'

/** The login unit of work: what its snapshot holds, what it applies, and what it refuses. */
export const describeLoginUnitTests = (ctx: LoginContext): void => {
  const test = loginTest(ctx)

  describe('withLoginSync: the login unit', () => {
    test('the snapshot holds the settings, the slice in order, the memberships and the last sync', async (h) => {
      const { store, seed, admin } = h
      const { newOrg, user } = h.kit
      const org = newOrg('snapshot')
      const other = newOrg('snapshot-other')
      const b = await seed.createGroup(org, 'b')
      const a = await seed.createGroup(org, 'a')
      const upperB = await seed.createGroup(org, 'B')
      const c = await seed.createGroup(org, 'c')
      await seed.createGroup(org, 'd')
      const foreign = await seed.createGroup(other, 'a')
      await seed.addMembership(org, c.id, user('alice'), 'manual')
      await seed.addMembership(other, foreign.id, user('alice'), 'manual')
      const settings = { manageGroupMemberships: true, matchMode: 'case-insensitive' } as const
      await seed.setSettings(org, settings)
      const first = await applyLogin(store, org, user('alice'), ['a', 'b'], {
        syncedAt: new Date('2024-01-02T03:04:05.678Z'),
      })
      expect(first).toMatchObject({
        orgId: org,
        userId: user('alice'),
        settings,
        lastSyncedAt: null,
        lastTokenIssuedAt: null,
        removedAt: null,
      })
      // The claim's groups (any case) and the user's memberships, by name then id: not d.
      expect(first.groups.map((g) => g.id)).toEqual([upperB.id, a.id, b.id, c.id])
      expect(first.groups.map((g) => g.name)).toEqual(['B', 'a', 'b', 'c'])
      for (const g of first.groups) expect(g.orgId).toBe(org)
      expectTimes(store, 'groups', first.groups)
      if (admin !== undefined) {
        const listed = await admin.listGroups(org)
        expect(first.groups).toEqual(listed.filter((g) => g.name !== 'd'))
      }
      expect(first.memberships.map((m) => [m.groupId, m.source])).toEqual([[c.id, 'manual']])
      expect(first.memberships[0]).toMatchObject({ orgId: org, userId: user('alice') })
      expectTimes(store, 'memberships', first.memberships)
      const second = await applyLogin(store, org, user('alice'), [], {})
      expect(second.lastSyncedAt?.toISOString()).toBe('2024-01-02T03:04:05.678Z')
      expect(second.groups.map((g) => g.id)).toEqual([c.id])
      expect(await store.getOrgSettings(org)).toEqual(settings)
      expect(await store.getOrgSettings(newOrg('defaults'))).toBeNull()
    })

    test('applies removes, adds, audit events and the sync time together', async (h) => {
      const { store, seed } = h
      const { newOrg, user } = h.kit
      const org = newOrg('apply')
      const a = await seed.createGroup(org, 'a')
      const b = await seed.createGroup(org, 'b')
      const c = await seed.createGroup(org, 'c')
      await seed.addMembership(org, a.id, user('alice'), 'manual')
      await seed.addMembership(org, b.id, user('alice'), 'manual')
      const auditBefore = (await seed.listAuditEvents?.(org))?.length ?? 0
      const syncedAt = new Date('2030-05-06T07:08:09.010Z')
      const digest = 'ab'.repeat(32)
      const audit: AuditEventInput[] = [
        {
          type: 'membership.removed',
          orgId: org,
          userId: user('alice'),
          groupId: a.id,
          groupName: 'a',
          source: 'sync',
          claimDigest: digest,
        },
        {
          type: 'membership.added',
          orgId: org,
          userId: user('alice'),
          groupId: c.id,
          groupName: 'c',
          source: 'sync',
          claimDigest: digest,
        },
      ]
      // c is not a membership yet: removing it is ignored.
      const result = await store.withLoginSync(org, user('alice'), ['a', 'b', 'c'], () => ({
        changes: syncChanges({ remove: [a.id, c.id], audit, syncedAt }),
        result: 'done',
      }))
      expect(result).toBe('done')
      await applyLogin(store, org, user('alice'), ['b', 'c'], {
        add: [
          { groupId: b.id, source: 'sync' },
          { groupId: c.id, source: 'sync' },
        ],
      })
      // b stays manual: adding an existing membership leaves it as it is.
      expect(pairsOf(await seed.listMemberships(org, user('alice')))).toEqual(
        pairsOf([
          { groupId: b.id, source: 'manual' },
          { groupId: c.id, source: 'sync' },
        ]),
      )
      const events = await seed.listAuditEvents?.(org)
      if (events !== undefined) {
        const appended = events.slice(auditBefore)
        expect(appended).toHaveLength(2)
        expect(appended[0]).toMatchObject(must(audit[0], 'event 0'))
        expect(appended[1]).toMatchObject(must(audit[1], 'event 1'))
      }
      expect(await store.readLastSync(org, user('alice'))).toEqual({
        lastSyncedAt: syncedAt,
        lastTokenIssuedAt: null,
      })
      expect(await store.readLastSync(org, user('bob'))).toBeNull()
    })

    test('changes: null writes nothing and returns the result', async (h) => {
      const { newOrg, user } = h.kit
      const org = newOrg('null')
      await h.seed.createGroup(org, 'g')
      const before = await observeLogin(h, org, [user('alice')])
      const r = await h.store.withLoginSync(org, user('alice'), ['G'], (s) => ({
        changes: null,
        result: s.groups.length,
      }))
      expect(r).toBe(1)
      expect(await observeLogin(h, org, [user('alice')])).toEqual(before)
    })

    test('a decide that throws writes nothing, and exactly its error comes back', async (h) => {
      const { newOrg, user } = h.kit
      const org = newOrg('throws')
      await h.seed.createGroup(org, 'g')
      const before = await observeLogin(h, org, [user('alice')])
      const boom = new Error('decide failed')
      await expect(
        h.store.withLoginSync(org, user('alice'), ['g'], () => {
          throw boom
        }),
      ).rejects.toBe(boom)
      // Not an Error at all, and an error that looks like the store's own: passed on untouched.
      const odd = { code: 'STORE_INVALID_INPUT', note: 'thrown by decide' }
      await expect(
        h.store.withLoginSync(org, user('alice'), ['g'], () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless decide does
          throw odd
        }),
      ).rejects.toBe(odd)
      expect(await observeLogin(h, org, [user('alice')])).toEqual(before)
    })

    test('a decide that returns a promise is refused with STORE_INVALID_INPUT, and nothing is written', async (h) => {
      const { newOrg, user } = h.kit
      const org = newOrg('async-decide')
      const g = await h.seed.createGroup(org, 'g')
      const before = await observeLogin(h, org, [user('alice')])
      const decision = (): UserSyncDecision<string> => ({
        changes: syncChanges({
          add: [{ groupId: g.id, source: 'sync' }],
          audit: [{ type: 'membership.added', orgId: org, userId: user('alice'), groupId: g.id }],
          syncedAt: new Date('2024-01-01T00:00:00.000Z'),
        }),
        result: 'applied',
      })
      type Decide = (s: UserSyncSnapshot) => UserSyncDecision<string>
      const promising: Decide[] = [
        () => Promise.resolve(decision()) as unknown as UserSyncDecision<string>,
        // eslint-disable-next-line @typescript-eslint/require-await -- an async decide, on purpose
        (async () => decision()) as unknown as Decide,
        // A thenable that is not a Promise is a promise too.
        () =>
          ({
            then: (resolve: (d: UserSyncDecision<string>) => void) => {
              resolve(decision())
            },
          }) as unknown as UserSyncDecision<string>,
      ]
      for (const decide of promising) {
        await expectStoreError(
          h.store.withLoginSync(org, user('alice'), ['g'], decide),
          'STORE_INVALID_INPUT',
        )
      }
      expect(await observeLogin(h, org, [user('alice')])).toEqual(before)
    })

    test('a decide that is not a function, or claim groups that are not strings, are refused before anything runs', async (h) => {
      const { newOrg, user } = h.kit
      const org = newOrg('bad-call')
      await h.seed.createGroup(org, 'g')
      const before = await observeLogin(h, org, [user('alice')])
      let ran = false
      const decide = () => {
        ran = true
        return { changes: syncChanges({ syncedAt: new Date() }), result: undefined }
      }
      const bad: (() => Promise<unknown>)[] = [
        () =>
          h.store.withLoginSync(org, user('alice'), ['g'], 'decide' as unknown as typeof decide),
        () => h.store.withLoginSync(org, user('alice'), 'g' as unknown as string[], decide),
        () => h.store.withLoginSync(org, user('alice'), ['g', 7 as unknown as string], decide),
        () => h.store.withLoginSync(org, user('alice'), [null as unknown as string], decide),
      ]
      for (const call of bad) await expectStoreError(call(), 'STORE_INVALID_INPUT')
      expect(ran).toBe(false)
      expect(await observeLogin(h, org, [user('alice')])).toEqual(before)
    })

    test('changes naming groups outside the slice or the organisation, twice, or both ways are refused', async (h) => {
      const { newOrg, user, missingGroup } = h.kit
      const org = newOrg('bad-changes')
      const g = await h.seed.createGroup(org, 'g')
      const hg = await h.seed.createGroup(org, 'h')
      const outside = await h.seed.createGroup(org, 'outside')
      const foreign = await h.seed.createGroup(newOrg('foreign'), 'g')
      await h.seed.addMembership(org, g.id, user('alice'), 'manual')
      const before = await observeLogin(h, org, [user('alice')])
      const bad: Partial<UserSyncChanges>[] = [
        { add: [{ groupId: foreign.id, source: 'sync' }] },
        { remove: [foreign.id] },
        { add: [{ groupId: missingGroup, source: 'sync' }] },
        { add: [{ groupId: outside.id, source: 'sync' }] },
        { remove: [outside.id] },
        {
          add: [
            { groupId: hg.id, source: 'sync' },
            { groupId: hg.id, source: 'manual' },
          ],
        },
        { remove: [g.id, g.id] },
        { add: [{ groupId: hg.id, source: 'sync' }], remove: [hg.id] },
        { add: [{ groupId: hg.id, source: 'bogus' as 'sync' }] },
        { remove: [g.id], audit: [{ type: 'membership.removed', orgId: newOrg('elsewhere') }] },
        { remove: [g.id], audit: [{ type: 'no.such.type' as 'sync.denied', orgId: org }] },
        { remove: [g.id], syncedAt: new Date(Number.NaN) },
        ...(['group.created', 'group.renamed', 'group.deleted', 'user.removed'] as const).map(
          (type) => ({ remove: [g.id], audit: [{ type, orgId: org, userId: user('alice') }] }),
        ),
      ]
      for (const changes of bad) {
        await expectStoreError(
          applyLogin(h.store, org, user('alice'), ['h'], changes),
          'STORE_INVALID_INPUT',
        )
      }
      expect(await observeLogin(h, org, [user('alice')])).toEqual(before)
    })

    test('a decide that edits its snapshot cannot smuggle in another group', async (h) => {
      const { newOrg, user } = h.kit
      const org = newOrg('tamper')
      await h.seed.createGroup(org, 'g')
      const foreignOrg = newOrg('tamper-other')
      const foreign = await h.seed.createGroup(foreignOrg, 'g')
      const before = await observeLogin(h, org, [user('alice')])
      await expectStoreError(
        h.store.withLoginSync(org, user('alice'), ['g'], (snapshot) => {
          const smuggled: StoredGroup = {
            orgId: foreignOrg,
            id: foreign.id,
            name: 'g',
            createdAt: new Date(),
          }
          try {
            ;(snapshot.groups as StoredGroup[]).push(smuggled)
          } catch {
            // A frozen snapshot refuses the edit: just as good.
          }
          return {
            changes: syncChanges({ add: [{ groupId: foreign.id, source: 'sync' }] }),
            result: undefined,
          }
        }),
        'STORE_INVALID_INPUT',
      )
      expect(await observeLogin(h, org, [user('alice')])).toEqual(before)
    })

    test('a login writes only its own user in its own organisation', async (h) => {
      const { newOrg, user } = h.kit
      const org = newOrg('scoped')
      const other = newOrg('scoped-other')
      const g = await h.seed.createGroup(org, 'g')
      const o = await h.seed.createGroup(other, 'g')
      await h.seed.addMembership(other, o.id, user('alice'), 'manual')
      await h.seed.addMembership(org, g.id, user('bob'), 'sync')
      const snap = await applyLogin(h.store, org, user('alice'), ['g'], {
        add: [{ groupId: g.id, source: 'sync' }],
        syncedAt: new Date('2024-03-03T00:00:00.000Z'),
      })
      expect(snap.memberships).toEqual([])
      expect(pairsOf(await h.seed.listMemberships(org, user('alice')))).toEqual([[g.id, 'sync']])
      expect(pairsOf(await h.seed.listMemberships(other, user('alice')))).toEqual([
        [o.id, 'manual'],
      ])
      expect(pairsOf(await h.seed.listMemberships(org, user('bob')))).toEqual([[g.id, 'sync']])
      expect(await h.store.readLastSync(other, user('alice'))).toBeNull()
      expect(await h.store.readLastSync(org, user('bob'))).toBeNull()
    })
  })

  describe('lifecycle', () => {
    it('a closed store refuses work with STORE_UNAVAILABLE', async () => {
      const { store, close } = await ctx.open({})
      const { newOrg, user } = kitOf(store, ctx.times)
      const org = newOrg('closed')
      await close()
      await expectStoreError(store.getOrgSettings(org), 'STORE_UNAVAILABLE')
      await expectStoreError(store.readLastSync(org, user('alice')), 'STORE_UNAVAILABLE')
      await expectStoreError(applyLogin(store, org, user('alice'), [], {}), 'STORE_UNAVAILABLE')
    })
  })
}
