import { expect } from 'vitest'
import { rightOf, leftOf, GROUPS, type LoginSyncFixture } from './login-sync.fixture.js'
/** The manual-change lock and the other admin operations, through the admin service. */
export function describeManualChangeLock(t: LoginSyncFixture): void {
  const { describe, it, itOnEveryStore, makeOrg, groupsOf, sourcesOf, events, eventsAfter, seed } =
    t

  describe('the manual-change lock, through the admin service', () => {
    itOnEveryStore(
      'refuses manual add and remove while mapping is on, and writes nothing',
      async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await events(org)
        const add = leftOf(
          await t.admin.addMember(org.orgId, org.ids['ops']!, 'alice', { actor: 'root' })(),
        )
        const remove = leftOf(await t.admin.removeMember(org.orgId, org.ids['dev']!, 'alice')())
        expect(add.code).toBe('MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED')
        expect(remove.code).toBe('MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED')
        expect(await groupsOf(org, 'alice')).toEqual(['dev'])
        expect(await events(org)).toEqual(before)
      },
    )

    itOnEveryStore(
      'allows manual add and remove while mapping is off, audited as manual',
      async () => {
        const org = await makeOrg({ on: false })
        expect(
          rightOf(await t.admin.addMember(org.orgId, org.ids['ops']!, 'bob', { actor: 'root' })()),
        ).toBe(true)
        expect(rightOf(await t.admin.addMember(org.orgId, org.ids['ops']!, 'bob')())).toBe(false)
        expect(await sourcesOf(org, 'bob')).toEqual({ ops: 'manual' })
        expect(
          rightOf(
            await t.admin.removeMember(org.orgId, org.ids['ops']!, 'bob', { actor: 'root' })(),
          ),
        ).toBe(true)
        expect(rightOf(await t.admin.removeMember(org.orgId, org.ids['ops']!, 'bob')())).toBe(false)
        expect(await groupsOf(org, 'bob')).toEqual([])
        const list = await events(org, 'bob')
        expect(list.map((e) => [e.type, e.groupName, e.source, e.actor])).toEqual([
          ['membership.added', 'ops', 'manual', 'root'],
          ['membership.removed', 'ops', 'manual', 'root'],
        ])
      },
    )

    it('refuses a manual change to an unknown group with GROUP_NOT_FOUND', async () => {
      const org = await makeOrg({ on: false })
      expect(leftOf(await t.admin.addMember(org.orgId, 'no-such-group', 'bob')()).code).toBe(
        'GROUP_NOT_FOUND',
      )
    })

    it('keeps group create, rename and delete allowed while mapping is on', async () => {
      const org = await makeOrg()
      const created = rightOf(await t.admin.createGroup(org.orgId, 'new')())
      const renamed = rightOf(await t.admin.renameGroup(org.orgId, created.id, 'renamed')())
      expect(renamed.name).toBe('renamed')
      rightOf(await t.admin.deleteGroup(org.orgId, created.id)())
      const names = rightOf(await t.admin.listGroups(org.orgId)()).map((g) => g.name)
      expect(names).toEqual([...GROUPS])
    })

    it('audits group create, rename and delete with the actor, in the store', async () => {
      const org = await makeOrg({ on: false })
      const before = (await events(org)).at(-1)?.seq ?? 0
      const g = rightOf(await t.admin.createGroup(org.orgId, 'audited', { actor: 'root' })())
      rightOf(await t.admin.addMember(org.orgId, g.id, 'zed', { actor: 'root' })())
      rightOf(await t.admin.renameGroup(org.orgId, g.id, 'audited-2', { actor: 'root' })())
      rightOf(await t.admin.deleteGroup(org.orgId, g.id, { actor: 'admin2' })())
      const log = await eventsAfter(org, before)
      expect(log.map((e) => [e.type, e.groupName, e.userId, e.actor])).toEqual([
        ['group.created', 'audited', undefined, 'root'],
        ['membership.added', 'audited', 'zed', 'root'],
        ['group.renamed', 'audited-2', undefined, 'root'],
        ['membership.removed', 'audited-2', 'zed', 'admin2'],
        ['group.deleted', 'audited-2', undefined, 'admin2'],
      ])
    })

    it('audits turning mapping on and off, and not a no-op', async () => {
      const org = await makeOrg({ on: false })
      const on = rightOf(
        await t.admin.setManageGroupMemberships(org.orgId, true, { actor: 'root' })(),
      )
      expect(on).toEqual({
        changed: true,
        settings: { manageGroupMemberships: true, matchMode: 'exact' },
      })
      const again = rightOf(await t.admin.setManageGroupMemberships(org.orgId, true)())
      expect(again.changed).toBe(false)
      rightOf(await t.admin.setManageGroupMemberships(org.orgId, false, { actor: 'root' })())
      const settingsEvents = (await events(org)).filter((e) => e.type === 'settings.changed')
      expect(settingsEvents.map((e) => [e.actor, e.detail?.['after']])).toEqual([
        ['root', { manageGroupMemberships: true, matchMode: 'exact' }],
        ['root', { manageGroupMemberships: false, matchMode: 'exact' }],
      ])
      expect(rightOf(await t.admin.getSettings(org.orgId)())?.manageGroupMemberships).toBe(false)
    })

    it('a match-mode change at the same moment cannot switch mapping back off', async () => {
      const org = await makeOrg({ on: false })
      const [on, mode] = await Promise.all([
        t.admin.setManageGroupMemberships(org.orgId, true)(),
        t.admin.setMatchMode(org.orgId, 'case-insensitive')(),
      ])
      expect([rightOf(on).changed, rightOf(mode).changed]).toEqual([true, true])
      expect(rightOf(await t.admin.getSettings(org.orgId)())).toEqual({
        manageGroupMemberships: true,
        matchMode: 'case-insensitive',
      })
      const settingsEvents = (await events(org)).filter((e) => e.type === 'settings.changed')
      expect(settingsEvents).toHaveLength(2)
    })
  })
}
