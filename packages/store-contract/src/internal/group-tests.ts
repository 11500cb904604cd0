import { compareCodeUnits, type AuditEventInput, type StoredGroup } from '@groupsync/core'
import { describe, expect } from 'vitest'
import { expectStoreError, groupIdsOf, setSettings } from './context.js'
import { expectTimes } from './store-kit.js'
import { expectLogReplays } from './log-replay.js'
import { applyLogin, joinByLogin, storeTest, type LoginContext } from './login-harness.js'
import { withoutStamp } from './model.js'

/** Groups: create, list, rename, delete, and the events each writes. */
export const describeGroupTests = (ctx: LoginContext): void => {
  const test = storeTest(ctx)

  describe('groups', () => {
    test('createGroup returns the stored group and listGroups shows it', async (store, kit) => {
      const { newOrg } = kit
      const org = newOrg('create')
      const before = Date.now()
      const g = await store.createGroup(org, 'Engineering')
      expect(g).toMatchObject({ orgId: org, name: 'Engineering' })
      expect(typeof g.id).toBe('string')
      expect(g.id.length).toBeGreaterThan(0)
      expectTimes(store, 'groups', [g])
      if (g.createdAt !== null)
        expect(g.createdAt.getTime()).toBeGreaterThanOrEqual(before - 60_000)
      expect(await store.listGroups(org)).toEqual([g])
      expect(await store.listGroups(newOrg('other'))).toEqual([])
    })

    test('listGroups orders by name, then id, in UTF-16 code-unit order', async (store, kit) => {
      const { newOrg } = kit
      const org = newOrg('order')
      // UTF-16 puts the emoji (a surrogate pair, 0xD83D…) before U+FF5E; UTF-8 bytes would not.
      const names = ['\uFF5E', '😀', 'b', 'B', 'a', 'é', 'Z', '']
      for (const n of names) await store.createGroup(org, n)
      const listed = (await store.listGroups(org)).map((g) => g.name)
      expect(listed).toEqual([...names].sort(compareCodeUnits))
      expect(listed.indexOf('😀')).toBeLessThan(listed.indexOf('\uFF5E'))
    })

    test('group names are unique per organisation, exactly (case and form matter)', async (store, kit) => {
      const { newOrg } = kit
      const org = newOrg('unique')
      await store.createGroup(org, 'Admins')
      await expectStoreError(store.createGroup(org, 'Admins'), 'GROUP_NAME_TAKEN')
      await store.createGroup(org, 'admins')
      await store.createGroup(org, 'Admins ')
      await store.createGroup(newOrg('elsewhere'), 'Admins')
      expect((await store.listGroups(org)).map((g) => g.name)).toEqual([
        'Admins',
        'Admins ',
        'admins',
      ])
    })

    test('renameGroup renames, keeps the id, and refuses a taken name', async (store, kit) => {
      const { newOrg, missingGroup } = kit
      const org = newOrg('rename')
      const a = await store.createGroup(org, 'a')
      const b = await store.createGroup(org, 'b')
      const renamed = await store.renameGroup(org, a.id, 'c')
      expect(renamed).toMatchObject({ id: a.id, orgId: org, name: 'c' })
      expect(renamed.createdAt).toEqual(a.createdAt)
      expect(await store.renameGroup(org, a.id, 'c')).toMatchObject({ id: a.id, name: 'c' })
      await expectStoreError(store.renameGroup(org, a.id, 'b'), 'GROUP_NAME_TAKEN')
      await expectStoreError(store.renameGroup(org, missingGroup, 'd'), 'GROUP_NOT_FOUND')
      await expectStoreError(store.renameGroup(newOrg('x'), b.id, 'd'), 'GROUP_NOT_FOUND')
      expect((await store.listGroups(org)).map((g) => [g.id, g.name])).toEqual([
        [b.id, 'b'],
        [a.id, 'c'],
      ])
    })

    test('deleteGroup deletes the group and its memberships only, also while mapping is on', async (store, kit) => {
      const { newOrg, user } = kit
      const org = newOrg('delete')
      const a = await store.createGroup(org, 'a')
      const b = await store.createGroup(org, 'b')
      await store.addManualMember(org, a.id, user('alice'))
      await store.addManualMember(org, b.id, user('alice'))
      await joinByLogin(store, org, user('bob'), a)
      await setSettings(store, org, { manageGroupMemberships: true, matchMode: 'exact' })
      await store.deleteGroup(org, a.id)
      expect(await store.listGroups(org)).toEqual([b])
      expect(groupIdsOf(await store.listUserMemberships(org, user('alice')))).toEqual([b.id])
      expect(await store.listUserMemberships(org, user('bob'))).toEqual([])
      await expectStoreError(store.listMembers(org, a.id), 'GROUP_NOT_FOUND')
      await expectStoreError(store.deleteGroup(org, a.id), 'GROUP_NOT_FOUND')
      await expectStoreError(store.deleteGroup(newOrg('x'), b.id), 'GROUP_NOT_FOUND')
      // A new group of the old name is a new group, without the old members.
      const again = await store.createGroup(org, 'a')
      expect(again.id).not.toBe(a.id)
      expect(await store.listMembers(org, again.id)).toEqual([])
    })
  })

  describe('group changes are audited', () => {
    test('createGroup, renameGroup and deleteGroup append their events with the actor, and a delete one membership.removed per member first', async (store, kit) => {
      const { newOrg, user } = kit
      const org = newOrg('group-audit')
      const g = await store.createGroup(org, 'eng', { actor: 'root' })
      const other = await store.createGroup(org, 'ops')
      await store.addManualMember(org, g.id, user('zoe'))
      await joinByLogin(store, org, user('adam'), g)
      await store.addManualMember(org, other.id, user('adam'))
      const setUp = (await store.listAuditEvents(org)).length
      await store.renameGroup(org, g.id, 'engineering', { actor: 'root' })
      await store.deleteGroup(org, g.id, { actor: 'admin@x' })
      const log = (await store.listAuditEvents(org)).map(withoutStamp)
      expect(log.slice(0, 2)).toEqual([
        { type: 'group.created', orgId: org, groupId: g.id, groupName: 'eng', actor: 'root' },
        { type: 'group.created', orgId: org, groupId: other.id, groupName: 'ops' },
      ])
      expect(log.slice(setUp)).toEqual([
        {
          type: 'group.renamed',
          orgId: org,
          groupId: g.id,
          groupName: 'engineering',
          actor: 'root',
          detail: { previousName: 'eng' },
        },
        // One per member, by user id.
        ...(
          [
            [user('adam'), 'sync'],
            [user('zoe'), 'manual'],
          ] as const
        )
          .slice()
          .sort(([a], [b]) => compareCodeUnits(a, b))
          .map(([userId, source]) => ({
            type: 'membership.removed',
            orgId: org,
            userId,
            groupId: g.id,
            groupName: 'engineering',
            source,
            actor: 'admin@x',
          })),
        {
          type: 'group.deleted',
          orgId: org,
          groupId: g.id,
          groupName: 'engineering',
          actor: 'admin@x',
        },
      ])
      // The other group and its member are untouched.
      expect((await store.listMembers(org, other.id)).map((m) => m.userId)).toEqual([user('adam')])
    })

    test('a failed group change appends nothing; callers cannot append group.* or user.removed events themselves', async (store, kit) => {
      const { newOrg, user, missingGroup } = kit
      const org = newOrg('group-audit-fail')
      const g = await store.createGroup(org, 'a')
      await store.createGroup(org, 'b')
      const before = await store.listAuditEvents(org)
      await expectStoreError(store.createGroup(org, 'a', { actor: 'x' }), 'GROUP_NAME_TAKEN')
      await expectStoreError(store.renameGroup(org, g.id, 'b'), 'GROUP_NAME_TAKEN')
      await expectStoreError(store.renameGroup(org, missingGroup, 'c'), 'GROUP_NOT_FOUND')
      await expectStoreError(store.deleteGroup(org, missingGroup), 'GROUP_NOT_FOUND')
      await expectStoreError(
        store.createGroup(org, 'c', { actor: 'nul\u0000' }),
        'STORE_INVALID_INPUT',
      )
      for (const type of [
        'group.created',
        'group.renamed',
        'group.deleted',
        'user.removed',
      ] as const) {
        const event: AuditEventInput = { type, orgId: org, groupId: g.id, userId: user('alice') }
        await expectStoreError(
          setSettings(store, org, { manageGroupMemberships: false, matchMode: 'exact' }, [event]),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(
          applyLogin(store, org, user('alice'), ['a'], { audit: [event] }),
          'STORE_INVALID_INPUT',
        )
      }
      expect(await store.listAuditEvents(org)).toEqual(before)
      expect((await store.listGroups(org)).map((x) => x.name)).toEqual(['a', 'b'])
      expect(await store.listMembers(org, g.id)).toEqual([])
    })

    test('the audit log of group changes, manual changes, a login and a removal replays to the stored groups and memberships', async (store, kit) => {
      const { newOrg, user } = kit
      const org = newOrg('replay-example')
      const [a, b] = [await store.createGroup(org, 'a'), await store.createGroup(org, 'b')]
      const added = (g: StoredGroup): AuditEventInput => ({
        type: 'membership.added',
        orgId: org,
        userId: user('alice'),
        groupId: g.id,
        groupName: g.name,
        source: 'sync',
      })
      await store.addManualMember(org, a.id, user('alice'))
      await store.addManualMember(org, b.id, user('bob'))
      await store.addManualMember(org, a.id, user('carol'))
      await applyLogin(store, org, user('alice'), ['b'], {
        add: [{ groupId: b.id, source: 'sync' }],
        audit: [added(b)],
      })
      await store.renameGroup(org, b.id, 'b2')
      await store.removeUser(org, user('carol'))
      await store.deleteGroup(org, a.id)
      await expectLogReplays(store, org, [user('alice'), user('bob'), user('carol')])
      expect((await store.listAuditEvents(org)).map((e) => e.type)).toContain('user.removed')
    })
  })
}
