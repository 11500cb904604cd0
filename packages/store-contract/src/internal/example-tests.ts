import {
  DEFAULT_ORG_SETTINGS,
  compareCodeUnits,
  type AuditEventInput,
  type MembershipStore,
  type OrgSettings,
  type StoredGroup,
  type UserSyncChanges,
} from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import {
  END_OF_TIME,
  expectStoreError,
  freshOrgId,
  groupIdsOf,
  membershipEvents,
  must,
  observeOrg,
  withStore,
  type ContractContext,
} from './context.js'
import { HOSTILE_NAMES, TEN_KB_NAME, TEN_KB_NAME_TWIN, UNSTORABLE_NAMES } from './hostile-names.js'

const added = (orgId: string, userId: string, groupId: string): AuditEventInput => ({
  type: 'membership.added',
  orgId,
  userId,
  groupId,
  source: 'manual',
  actor: 'admin@example.com',
})

const syncChanges = (changes: Partial<UserSyncChanges>): UserSyncChanges => ({
  add: [],
  remove: [],
  audit: [],
  ...changes,
})

/** Runs a sync that applies `changes` and returns what the decide step saw. */
export const applySync = (
  store: MembershipStore,
  orgId: string,
  userId: string,
  changes: Partial<UserSyncChanges>,
) =>
  store.withUserSync(orgId, userId, (snapshot) => ({
    changes: syncChanges(changes),
    result: snapshot,
  }))

export const describeExampleTests = (ctx: ContractContext): void => {
  const test = (name: string, fn: (store: MembershipStore) => Promise<void>) => {
    it(name, () => withStore(ctx, fn))
  }

  describe('groups', () => {
    test('createGroup returns the stored group and listGroups shows it', async (store) => {
      const org = freshOrgId('create')
      const before = Date.now()
      const g = await store.createGroup(org, 'Engineering')
      expect(g).toMatchObject({ orgId: org, name: 'Engineering' })
      expect(typeof g.id).toBe('string')
      expect(g.id.length).toBeGreaterThan(0)
      expect(g.createdAt).toBeInstanceOf(Date)
      expect(g.createdAt.getTime()).toBeGreaterThanOrEqual(before - 60_000)
      expect(await store.listGroups(org)).toEqual([g])
      expect(await store.listGroups(freshOrgId('other'))).toEqual([])
    })

    test('listGroups orders by name, then id, in UTF-16 code-unit order', async (store) => {
      const org = freshOrgId('order')
      // UTF-16 puts the emoji (a surrogate pair, 0xD83D…) before U+FF5E; UTF-8 bytes would not.
      const names = ['\uFF5E', '😀', 'b', 'B', 'a', 'é', 'Z', '']
      for (const n of names) await store.createGroup(org, n)
      const listed = (await store.listGroups(org)).map((g) => g.name)
      expect(listed).toEqual([...names].sort(compareCodeUnits))
      expect(listed.indexOf('😀')).toBeLessThan(listed.indexOf('\uFF5E'))
    })

    test('group names are unique per organisation, exactly (case and form matter)', async (store) => {
      const org = freshOrgId('unique')
      await store.createGroup(org, 'Admins')
      await expectStoreError(store.createGroup(org, 'Admins'), 'GROUP_NAME_TAKEN')
      await store.createGroup(org, 'admins')
      await store.createGroup(org, 'Admins ')
      await store.createGroup(freshOrgId('elsewhere'), 'Admins')
      expect((await store.listGroups(org)).map((g) => g.name)).toEqual([
        'Admins',
        'Admins ',
        'admins',
      ])
    })

    test('renameGroup renames, keeps the id, and refuses a taken name', async (store) => {
      const org = freshOrgId('rename')
      const a = await store.createGroup(org, 'a')
      const b = await store.createGroup(org, 'b')
      const renamed = await store.renameGroup(org, a.id, 'c')
      expect(renamed).toMatchObject({ id: a.id, orgId: org, name: 'c' })
      expect(renamed.createdAt.getTime()).toBe(a.createdAt.getTime())
      expect(await store.renameGroup(org, a.id, 'c')).toMatchObject({ id: a.id, name: 'c' })
      await expectStoreError(store.renameGroup(org, a.id, 'b'), 'GROUP_NAME_TAKEN')
      await expectStoreError(store.renameGroup(org, 'no-such-group', 'd'), 'GROUP_NOT_FOUND')
      await expectStoreError(store.renameGroup(freshOrgId('x'), b.id, 'd'), 'GROUP_NOT_FOUND')
      expect((await store.listGroups(org)).map((g) => [g.id, g.name])).toEqual([
        [b.id, 'b'],
        [a.id, 'c'],
      ])
    })

    test('deleteGroup deletes the group and its memberships only', async (store) => {
      const org = freshOrgId('delete')
      const a = await store.createGroup(org, 'a')
      const b = await store.createGroup(org, 'b')
      await store.addMember(org, a.id, 'alice', 'manual', [])
      await store.addMember(org, b.id, 'alice', 'manual', [])
      await store.addMember(org, a.id, 'bob', 'manual', [])
      await store.deleteGroup(org, a.id)
      expect(await store.listGroups(org)).toEqual([b])
      expect(groupIdsOf(await store.listUserMemberships(org, 'alice'))).toEqual([b.id])
      expect(await store.listUserMemberships(org, 'bob')).toEqual([])
      await expectStoreError(store.listMembers(org, a.id), 'GROUP_NOT_FOUND')
      await expectStoreError(store.deleteGroup(org, a.id), 'GROUP_NOT_FOUND')
      await expectStoreError(store.deleteGroup(freshOrgId('x'), b.id), 'GROUP_NOT_FOUND')
      // A new group of the old name is a new group, without the old members.
      const again = await store.createGroup(org, 'a')
      expect(again.id).not.toBe(a.id)
      expect(await store.listMembers(org, again.id)).toEqual([])
    })
  })

  describe('hostile names', () => {
    test('every hostile name is stored, listed, renamed and matched exactly as given', async (store) => {
      const org = freshOrgId('hostile')
      const groups = []
      for (const name of HOSTILE_NAMES) groups.push(await store.createGroup(org, name))
      const listed = await store.listGroups(org)
      expect(listed.map((g) => g.name)).toEqual([...HOSTILE_NAMES].sort(compareCodeUnits))
      expect(listed.find((g) => g.name === TEN_KB_NAME)?.name.length).toBe(TEN_KB_NAME.length)
      // A sync sees the names exactly, and the audit log keeps them exactly.
      const seen = await store.withUserSync(org, 'alice', (snapshot) => ({
        changes: syncChanges({
          add: snapshot.groups.map((g) => ({ groupId: g.id, source: 'sync' })),
          audit: snapshot.groups.map((g) => ({
            type: 'membership.added',
            orgId: org,
            userId: 'alice',
            groupId: g.id,
            groupName: g.name,
            detail: { claim: g.name, nested: [g.name, { name: g.name }] },
          })),
        }),
        result: snapshot.groups.map((g) => g.name),
      }))
      expect(seen).toEqual([...HOSTILE_NAMES].sort(compareCodeUnits))
      const audit = membershipEvents(await store.listAuditEvents(org))
      expect(audit.map((e) => e.groupName ?? '').sort(compareCodeUnits)).toEqual(seen)
      for (const e of audit) {
        expect(e.detail).toEqual({
          claim: e.groupName,
          nested: [e.groupName, { name: e.groupName }],
        })
      }
      expect(await store.listUserMemberships(org, 'alice')).toHaveLength(HOSTILE_NAMES.length)
      // Renaming each group to the next hostile name (through a temporary name) round-trips too.
      for (const [i, g] of groups.entries()) await store.renameGroup(org, g.id, `tmp ${i}`)
      for (const [i, g] of groups.entries()) {
        const name = must(HOSTILE_NAMES[(i + 1) % HOSTILE_NAMES.length], 'a name')
        expect((await store.renameGroup(org, g.id, name)).name).toBe(name)
      }
      expect((await store.listGroups(org)).map((g) => g.name)).toEqual(
        [...HOSTILE_NAMES].sort(compareCodeUnits),
      )
    })

    test('two 10 kB names that differ in their last character are different groups', async (store) => {
      const org = freshOrgId('long')
      await store.createGroup(org, TEN_KB_NAME)
      await store.createGroup(org, TEN_KB_NAME_TWIN)
      await expectStoreError(store.createGroup(org, TEN_KB_NAME), 'GROUP_NAME_TAKEN')
      expect(await store.listGroups(org)).toHaveLength(2)
    })

    test('a NUL or a lone surrogate is refused with STORE_INVALID_INPUT, and nothing is written', async (store) => {
      const org = freshOrgId('nul')
      const g = await store.createGroup(org, 'ok')
      await store.addMember(org, g.id, 'alice', 'manual', [])
      const before = await observeOrg(store, org, ['alice'])
      for (const bad of UNSTORABLE_NAMES) {
        await expectStoreError(store.createGroup(org, bad), 'STORE_INVALID_INPUT')
        await expectStoreError(store.renameGroup(org, g.id, bad), 'STORE_INVALID_INPUT')
        await expectStoreError(
          store.addMember(org, g.id, 'alice', 'manual', [
            { ...added(org, 'alice', g.id), groupName: bad },
          ]),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(
          store.setOrgSettings(org, DEFAULT_ORG_SETTINGS, [
            { type: 'settings.changed', orgId: org, detail: { note: bad } },
          ]),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(
          applySync(store, org, 'alice', {
            remove: [g.id],
            audit: [{ type: 'membership.removed', orgId: org, userId: 'alice', groupName: bad }],
            syncedAt: new Date(),
          }),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(store.listUserMemberships(org, bad), 'STORE_INVALID_INPUT')
        await expectStoreError(store.listGroups(bad), 'STORE_INVALID_INPUT')
      }
      expect(await observeOrg(store, org, ['alice'])).toEqual(before)
    })
  })

  describe('ids and times', () => {
    test('empty, over-long or NUL ids and impossible times are refused', async (store) => {
      const org = freshOrgId('ids')
      const g = await store.createGroup(org, 'g')
      const before = await observeOrg(store, org, ['alice'])
      for (const bad of ['', 'x'.repeat(256), 'a\u0000b']) {
        await expectStoreError(store.createGroup(bad, 'g'), 'STORE_INVALID_INPUT')
        await expectStoreError(store.addMember(org, g.id, bad, 'manual', []), 'STORE_INVALID_INPUT')
        await expectStoreError(
          store.addMember(org, bad, 'alice', 'manual', []),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(applySync(store, org, bad, {}), 'STORE_INVALID_INPUT')
        await expectStoreError(store.listAuditEvents(org, { userId: bad }), 'STORE_INVALID_INPUT')
      }
      const longest = 'u'.repeat(255)
      expect(await store.addMember(org, g.id, longest, 'manual', [])).toBe(true)
      expect(groupIdsOf(await store.listUserMemberships(org, longest))).toEqual([g.id])
      await store.removeMember(org, g.id, longest, [])
      for (const bad of [
        new Date(Number.NaN),
        new Date('0000-12-31T23:59:59.999Z'),
        new Date(8.64e15),
      ]) {
        await expectStoreError(
          applySync(store, org, 'alice', { syncedAt: bad }),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(store.listStaleMembers(org, bad), 'STORE_INVALID_INPUT')
      }
      await expectStoreError(
        store.addMember(org, g.id, 'alice', 'robot' as 'manual', []),
        'STORE_INVALID_INPUT',
      )
      await expectStoreError(store.listAuditEvents(org, { limit: -1 }), 'STORE_INVALID_INPUT')
      expect(await observeOrg(store, org, ['alice'])).toEqual(before)
      // The extreme times that are allowed round-trip exactly.
      for (const t of ['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.998Z']) {
        const snap = await applySync(store, org, 'alice', { syncedAt: new Date(t) })
        expect(snap.orgId).toBe(org)
        const [stale] = await store.listStaleMembers(org, END_OF_TIME)
        expect(stale?.lastSyncedAt.toISOString()).toBe(t)
      }
    })
  })

  describe('settings', () => {
    test('an organisation starts with the default settings', async (store) => {
      expect(await store.getOrgSettings(freshOrgId('defaults'))).toEqual(DEFAULT_ORG_SETTINGS)
    })

    test('setOrgSettings stores the settings and its audit events together', async (store) => {
      const org = freshOrgId('settings')
      const on = { manageGroupMemberships: true, matchMode: 'case-insensitive' } as const
      const event: AuditEventInput = {
        type: 'settings.changed',
        orgId: org,
        actor: 'admin@example.com',
        detail: { manageGroupMemberships: true, from: false, list: [1, 2.5, null, 'x'] },
      }
      await store.setOrgSettings(org, on, [event])
      expect(await store.getOrgSettings(org)).toEqual(on)
      const [stored] = await store.listAuditEvents(org)
      expect(stored).toMatchObject(event)
      expect(stored?.at).toBeInstanceOf(Date)
      await store.setOrgSettings(org, DEFAULT_ORG_SETTINGS, [])
      expect(await store.getOrgSettings(org)).toEqual(DEFAULT_ORG_SETTINGS)
      expect(await store.listAuditEvents(org)).toHaveLength(1)
    })

    test('invalid settings, or audit events of another organisation, are refused', async (store) => {
      const org = freshOrgId('settings-bad')
      const before = await observeOrg(store, org, [])
      await expectStoreError(
        store.setOrgSettings(
          org,
          { manageGroupMemberships: true, matchMode: 'fuzzy' as 'exact' },
          [],
        ),
        'STORE_INVALID_INPUT',
      )
      await expectStoreError(
        store.setOrgSettings(org, { ...DEFAULT_ORG_SETTINGS, manageGroupMemberships: true }, [
          { type: 'settings.changed', orgId: freshOrgId('other') },
        ]),
        'STORE_INVALID_INPUT',
      )
      await expectStoreError(
        store.setOrgSettings(org, DEFAULT_ORG_SETTINGS, [
          { type: 'settings.changed', orgId: org, detail: { n: Number.NaN } },
        ]),
        'STORE_INVALID_INPUT',
      )
      expect(await observeOrg(store, org, [])).toEqual(before)
    })
  })

  describe('updateOrgSettings', () => {
    const changed = (org: string): AuditEventInput => ({ type: 'settings.changed', orgId: org })

    test('reads, decides and writes together; null writes nothing', async (store) => {
      const org = freshOrgId('update-settings')
      const seen: OrgSettings[] = []
      const unchanged = await store.updateOrgSettings(org, (current) => {
        seen.push(current)
        return null
      })
      expect(unchanged).toEqual(DEFAULT_ORG_SETTINGS)
      expect(await store.listAuditEvents(org)).toEqual([])
      const on = { ...DEFAULT_ORG_SETTINGS, manageGroupMemberships: true }
      expect(
        await store.updateOrgSettings(org, () => ({ settings: on, audit: [changed(org)] })),
      ).toEqual(on)
      expect(await store.getOrgSettings(org)).toEqual(on)
      expect(await store.listAuditEvents(org)).toHaveLength(1)
      expect(seen).toEqual([DEFAULT_ORG_SETTINGS])
    })

    test('concurrent updates of different fields both land', async (store) => {
      const org = freshOrgId('update-race')
      const results = await Promise.all([
        store.updateOrgSettings(org, (c) => ({
          settings: { ...c, manageGroupMemberships: true },
          audit: [changed(org)],
        })),
        store.updateOrgSettings(org, (c) => ({
          settings: { ...c, matchMode: 'case-insensitive' },
          audit: [changed(org)],
        })),
      ])
      expect(results).toHaveLength(2)
      expect(await store.getOrgSettings(org)).toEqual({
        manageGroupMemberships: true,
        matchMode: 'case-insensitive',
      })
      expect(await store.listAuditEvents(org)).toHaveLength(2)
    })

    test('an invalid decision is refused and writes nothing', async (store) => {
      const org = freshOrgId('update-bad')
      const before = await observeOrg(store, org, [])
      await expectStoreError(
        store.updateOrgSettings(org, (c) => ({
          settings: { ...c, matchMode: 'fuzzy' as 'exact' },
          audit: [],
        })),
        'STORE_INVALID_INPUT',
      )
      await expectStoreError(
        store.updateOrgSettings(org, (c) => ({
          settings: { ...c, manageGroupMemberships: true },
          audit: [changed(freshOrgId('other'))],
        })),
        'STORE_INVALID_INPUT',
      )
      expect(await observeOrg(store, org, [])).toEqual(before)
    })
  })

  describe('manual membership changes', () => {
    test('addMember adds once, with its source, and audits only a real change', async (store) => {
      const org = freshOrgId('add')
      const g = await store.createGroup(org, 'g')
      expect(await store.addMember(org, g.id, 'alice', 'manual', [added(org, 'alice', g.id)])).toBe(
        true,
      )
      expect(await store.addMember(org, g.id, 'alice', 'sync', [added(org, 'alice', g.id)])).toBe(
        false,
      )
      expect(await store.addMember(org, g.id, 'bob', 'sync', [])).toBe(true)
      const members = await store.listMembers(org, g.id)
      expect(members.map((m) => [m.userId, m.source])).toEqual([
        ['alice', 'manual'],
        ['bob', 'sync'],
      ])
      expect(members[0]).toMatchObject({ orgId: org, groupId: g.id })
      expect(members[0]?.createdAt).toBeInstanceOf(Date)
      expect(membershipEvents(await store.listAuditEvents(org))).toHaveLength(1)
      await expectStoreError(
        store.addMember(org, 'missing', 'alice', 'manual', []),
        'GROUP_NOT_FOUND',
      )
      await expectStoreError(
        store.addMember(freshOrgId('x'), g.id, 'alice', 'manual', []),
        'GROUP_NOT_FOUND',
      )
    })

    test('removeMember removes once and audits only a real change', async (store) => {
      const org = freshOrgId('remove')
      const g = await store.createGroup(org, 'g')
      await store.addMember(org, g.id, 'alice', 'sync', [])
      const removed: AuditEventInput = {
        type: 'membership.removed',
        orgId: org,
        userId: 'alice',
        groupId: g.id,
      }
      expect(await store.removeMember(org, g.id, 'alice', [removed])).toBe(true)
      expect(await store.removeMember(org, g.id, 'alice', [removed])).toBe(false)
      expect(await store.listMembers(org, g.id)).toEqual([])
      expect(membershipEvents(await store.listAuditEvents(org))).toHaveLength(1)
      await expectStoreError(store.removeMember(org, 'missing', 'alice', []), 'GROUP_NOT_FOUND')
    })

    test('listMembers orders by user id and listUserMemberships by group id, per organisation', async (store) => {
      const org = freshOrgId('lists')
      const other = freshOrgId('lists-other')
      const gs = [await store.createGroup(org, 'x'), await store.createGroup(org, 'y')]
      const og = await store.createGroup(other, 'x')
      const users = ['😀', 'b', 'B', '\uFF5E', 'a']
      for (const u of users) for (const g of gs) await store.addMember(org, g.id, u, 'manual', [])
      await store.addMember(other, og.id, 'a', 'manual', [])
      expect(
        (await store.listMembers(org, must(gs[0], 'a group').id)).map((m) => m.userId),
      ).toEqual([...users].sort(compareCodeUnits))
      const mine = await store.listUserMemberships(org, 'a')
      expect(mine.map((m) => m.groupId)).toEqual(gs.map((g) => g.id).sort(compareCodeUnits))
      expect(mine.every((m) => m.orgId === org && m.userId === 'a')).toBe(true)
      expect(await store.listUserMemberships(org, 'nobody')).toEqual([])
    })
  })

  describe('withUserSync', () => {
    test('the snapshot holds the settings, the groups in order, the memberships and the last sync', async (store) => {
      const org = freshOrgId('snapshot')
      const other = freshOrgId('snapshot-other')
      const b = await store.createGroup(org, 'b')
      const a = await store.createGroup(org, 'a')
      const foreign = await store.createGroup(other, 'a')
      await store.addMember(org, b.id, 'alice', 'manual', [])
      await store.addMember(other, foreign.id, 'alice', 'manual', [])
      const settings = { manageGroupMemberships: true, matchMode: 'case-insensitive' } as const
      await store.setOrgSettings(org, settings, [])
      const first = await applySync(store, org, 'alice', {
        syncedAt: new Date('2024-01-02T03:04:05.678Z'),
      })
      expect(first).toMatchObject({ orgId: org, userId: 'alice', settings, lastSyncedAt: null })
      expect(first.groups.map((g) => g.id)).toEqual([a.id, b.id])
      expect(first.memberships.map((m) => [m.groupId, m.source])).toEqual([[b.id, 'manual']])
      const second = await applySync(store, org, 'alice', {})
      expect(second.lastSyncedAt?.toISOString()).toBe('2024-01-02T03:04:05.678Z')
    })

    test('applies removes, adds, audit events and the sync time together', async (store) => {
      const org = freshOrgId('apply')
      const [a, b, c] = [
        await store.createGroup(org, 'a'),
        await store.createGroup(org, 'b'),
        await store.createGroup(org, 'c'),
      ]
      await store.addMember(org, a.id, 'alice', 'manual', [])
      await store.addMember(org, b.id, 'alice', 'manual', [])
      const syncedAt = new Date('2030-05-06T07:08:09.010Z')
      const audit: AuditEventInput[] = [
        {
          type: 'membership.removed',
          orgId: org,
          userId: 'alice',
          groupId: a.id,
          groupName: 'a',
          source: 'sync',
          claimDigest: 'ab'.repeat(32),
        },
        {
          type: 'membership.added',
          orgId: org,
          userId: 'alice',
          groupId: c.id,
          groupName: 'c',
          source: 'sync',
          claimDigest: 'ab'.repeat(32),
        },
      ]
      const result = await store.withUserSync(org, 'alice', () => ({
        changes: syncChanges({
          remove: [a.id, c.id],
          add: [],
          audit,
          syncedAt,
        }),
        result: 'done',
      }))
      expect(result).toBe('done')
      await applySync(store, org, 'alice', {
        add: [
          { groupId: b.id, source: 'sync' },
          { groupId: c.id, source: 'sync' },
        ],
        remove: [a.id],
      })
      const mine = await store.listUserMemberships(org, 'alice')
      // b stays manual: adding an existing membership leaves it as it is.
      expect(mine.map((m) => [m.groupId, m.source]).sort()).toEqual(
        [
          [b.id, 'manual'],
          [c.id, 'sync'],
        ].sort(),
      )
      const events = membershipEvents(await store.listAuditEvents(org))
      expect(events).toHaveLength(2)
      expect(events[0]).toMatchObject(must(audit[0], 'event 0'))
      expect(events[1]).toMatchObject(must(audit[1], 'event 1'))
      expect(must(events[0], 'event 0').seq).toBeLessThan(must(events[1], 'event 1').seq)
      expect(await store.listStaleMembers(org, END_OF_TIME)).toEqual([
        { userId: 'alice', lastSyncedAt: syncedAt },
      ])
    })

    test('changes: null writes nothing and returns the result', async (store) => {
      const org = freshOrgId('null')
      const g = await store.createGroup(org, 'g')
      const before = await observeOrg(store, org, ['alice'])
      const r = await store.withUserSync(org, 'alice', (s) => ({
        changes: null,
        result: s.groups.length,
      }))
      expect(r).toBe(1)
      expect(await observeOrg(store, org, ['alice'])).toEqual(before)
      expect(g.name).toBe('g')
    })

    test('a decide step that throws or rejects writes nothing, and its error comes back', async (store) => {
      const org = freshOrgId('throws')
      await store.createGroup(org, 'g')
      const before = await observeOrg(store, org, ['alice'])
      const boom = new Error('decide failed')
      await expect(
        store.withUserSync(org, 'alice', () => {
          throw boom
        }),
      ).rejects.toBe(boom)
      await expect(store.withUserSync(org, 'alice', () => Promise.reject(boom))).rejects.toBe(boom)
      expect(await observeOrg(store, org, ['alice'])).toEqual(before)
    })

    test('changes naming groups outside the organisation, twice, or both ways are refused', async (store) => {
      const org = freshOrgId('bad-changes')
      const g = await store.createGroup(org, 'g')
      const h = await store.createGroup(org, 'h')
      const foreign = await store.createGroup(freshOrgId('foreign'), 'g')
      await store.addMember(org, g.id, 'alice', 'manual', [])
      const before = await observeOrg(store, org, ['alice'])
      const bad: Partial<UserSyncChanges>[] = [
        { add: [{ groupId: foreign.id, source: 'sync' }] },
        { remove: [foreign.id] },
        { add: [{ groupId: 'no-such-group', source: 'sync' }] },
        {
          add: [
            { groupId: h.id, source: 'sync' },
            { groupId: h.id, source: 'manual' },
          ],
        },
        { remove: [g.id, g.id] },
        { add: [{ groupId: h.id, source: 'sync' }], remove: [h.id] },
        { add: [{ groupId: h.id, source: 'bogus' as 'sync' }] },
        { remove: [g.id], audit: [{ type: 'membership.removed', orgId: freshOrgId('elsewhere') }] },
        { remove: [g.id], audit: [{ type: 'no.such.type' as 'sync.denied', orgId: org }] },
        { remove: [g.id], syncedAt: new Date(Number.NaN) },
      ]
      for (const changes of bad) {
        await expectStoreError(applySync(store, org, 'alice', changes), 'STORE_INVALID_INPUT')
      }
      expect(await observeOrg(store, org, ['alice'])).toEqual(before)
    })

    test('a decide step that edits its snapshot cannot smuggle in another organisation’s group', async (store) => {
      const org = freshOrgId('tamper')
      await store.createGroup(org, 'g')
      const foreign = await store.createGroup(freshOrgId('tamper-other'), 'g')
      const before = await observeOrg(store, org, ['alice'])
      await expectStoreError(
        store.withUserSync(org, 'alice', (snapshot) => {
          ;(snapshot.groups as StoredGroup[]).push(foreign)
          return {
            changes: syncChanges({ add: [{ groupId: foreign.id, source: 'sync' }] }),
            result: undefined,
          }
        }),
        'STORE_INVALID_INPUT',
      )
      expect(await observeOrg(store, org, ['alice'])).toEqual(before)
    })

    test('a sync leaves memberships of other organisations alone', async (store) => {
      const org = freshOrgId('scoped')
      const other = freshOrgId('scoped-other')
      const g = await store.createGroup(org, 'g')
      const o = await store.createGroup(other, 'g')
      await store.addMember(other, o.id, 'alice', 'manual', [])
      const snap = await applySync(store, org, 'alice', {
        add: [{ groupId: g.id, source: 'sync' }],
      })
      expect(snap.memberships).toEqual([])
      expect(groupIdsOf(await store.listUserMemberships(other, 'alice'))).toEqual([o.id])
    })
  })

  describe('staleness and audit queries', () => {
    test('listStaleMembers lists users synced strictly before the time, oldest first', async (store) => {
      const org = freshOrgId('stale')
      const t = (s: string) => new Date(`2024-01-0${s}T00:00:00.000Z`)
      await applySync(store, org, 'carol', { syncedAt: t('3') })
      await applySync(store, org, 'alice', { syncedAt: t('1') })
      await applySync(store, org, 'bob', { syncedAt: t('2') })
      await applySync(store, org, 'dave', {})
      await applySync(store, freshOrgId('stale-other'), 'erin', { syncedAt: t('1') })
      expect(await store.listStaleMembers(org, t('3'))).toEqual([
        { userId: 'alice', lastSyncedAt: t('1') },
        { userId: 'bob', lastSyncedAt: t('2') },
      ])
      expect(await store.listStaleMembers(org, t('1'))).toEqual([])
      await applySync(store, org, 'alice', { syncedAt: t('4') })
      expect((await store.listStaleMembers(org, END_OF_TIME)).map((s) => s.userId)).toEqual([
        'bob',
        'carol',
        'alice',
      ])
    })

    test('listAuditEvents pages by seq, filters by user, and keeps every field', async (store) => {
      const org = freshOrgId('audit')
      const g = await store.createGroup(org, 'g')
      const events: AuditEventInput[] = [
        {
          type: 'sync.denied',
          orgId: org,
          userId: 'alice',
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
          userId: 'bob',
          groupId: g.id,
          groupName: 'g',
          source: 'manual',
          actor: 'root',
        },
        {
          type: 'membership.removed',
          orgId: org,
          userId: 'alice',
          groupId: g.id,
          groupName: 'g',
          source: 'sync',
        },
        { type: 'settings.changed', orgId: org, actor: 'root' },
      ]
      const [created] = await store.listAuditEvents(org)
      expect(created).toMatchObject({ type: 'group.created', groupId: g.id, groupName: 'g' })
      const start = must(created, 'the group.created event').seq
      for (const e of events) {
        await store.setOrgSettings(org, DEFAULT_ORG_SETTINGS, [e])
      }
      const all = await store.listAuditEvents(org, { afterSeq: start })
      expect(all.map(({ seq: _seq, at: _at, ...rest }) => rest)).toEqual(events)
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
            userId: 'alice',
            afterSeq: must(all[0], 'event 0').seq,
          })
        ).map((e) => e.type),
      ).toEqual(['membership.removed'])
      expect(await store.listAuditEvents(freshOrgId('audit-other'))).toEqual([])
    })
  })

  describe('lifecycle', () => {
    it('a closed store refuses work with STORE_UNAVAILABLE', async () => {
      const store = await ctx.makeStore({})
      const org = freshOrgId('closed')
      await store.close()
      await expectStoreError(store.listGroups(org), 'STORE_UNAVAILABLE')
      await expectStoreError(store.createGroup(org, 'g'), 'STORE_UNAVAILABLE')
      await expectStoreError(applySync(store, org, 'alice', {}), 'STORE_UNAVAILABLE')
    })
  })
}
