import {
  DEFAULT_ORG_SETTINGS,
  type AuditEventInput,
  type OrgSettings,
  type OrgSettingsUpdate,
} from '@groupsync/core'
import { storeTest, type LoginContext } from './login-harness.js'
import { describe, expect } from 'vitest'
import { expectStoreError, observeOrg, setSettings } from './context.js'

const changed = (org: string): AuditEventInput => ({ type: 'settings.changed', orgId: org })

/** Settings: defaults, `updateOrgSettings` as one read-decide-write, and what it refuses. */
export const describeSettingsTests = (ctx: LoginContext): void => {
  const test = storeTest(ctx)

  describe('settings', () => {
    test('an organisation that never stored settings has none (null): the defaults apply to it', async (store, kit) => {
      const { newOrg, user } = kit
      const org = newOrg('defaults')
      expect(await store.getOrgSettings(org)).toBeNull()
      // Groups and memberships made while it has none store none either.
      const group = await store.createGroup(org, 'dev')
      await store.addManualMember(org, group.id, user('alice'))
      expect(await store.getOrgSettings(org)).toBeNull()
      expect(await store.updateOrgSettings(org, () => null)).toEqual(DEFAULT_ORG_SETTINGS)
      expect(await store.getOrgSettings(org)).toBeNull()
    })

    test('updateOrgSettings stores the settings and its audit events together', async (store, kit) => {
      const { newOrg } = kit
      const org = newOrg('settings')
      const on = { manageGroupMemberships: true, matchMode: 'case-insensitive' } as const
      const event: AuditEventInput = {
        type: 'settings.changed',
        orgId: org,
        actor: 'admin@example.com',
        detail: { manageGroupMemberships: true, from: false, list: [1, 2.5, null, 'x'] },
      }
      expect(await setSettings(store, org, on, [event])).toEqual(on)
      expect(await store.getOrgSettings(org)).toEqual(on)
      const [stored] = await store.listAuditEvents(org)
      expect(stored).toMatchObject(event)
      expect(stored?.at).toBeInstanceOf(Date)
      await setSettings(store, org, DEFAULT_ORG_SETTINGS)
      expect(await store.getOrgSettings(org)).toEqual(DEFAULT_ORG_SETTINGS)
      expect(await store.listAuditEvents(org)).toHaveLength(1)
      expect(await store.getOrgSettings(newOrg('settings-other'))).toBeNull()
    })

    test('reads, decides and writes together; null writes nothing', async (store, { newOrg }) => {
      const org = newOrg('update-settings')
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
      // The update sees the stored settings, and null leaves them in force.
      expect(
        await store.updateOrgSettings(org, (current) => {
          seen.push(current)
          return null
        }),
      ).toEqual(on)
      expect(seen).toEqual([DEFAULT_ORG_SETTINGS, on])
    })

    test('concurrent updates of different fields both land', async (store, { newOrg }) => {
      const org = newOrg('update-race')
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

    test('invalid settings, audit events of another organisation, a thrown or async update are refused, and nothing is written', async (store, kit) => {
      const { newOrg, user } = kit
      const org = newOrg('update-bad')
      await setSettings(store, org, { manageGroupMemberships: false, matchMode: 'exact' })
      const before = await observeOrg(store, org, [])
      const refused: ((c: OrgSettings) => OrgSettingsUpdate | null)[] = [
        (c) => ({ settings: { ...c, matchMode: 'fuzzy' as 'exact' }, audit: [] }),
        (c) => ({
          settings: { ...c, manageGroupMemberships: 'yes' as unknown as boolean },
          audit: [],
        }),
        (c) => ({
          settings: { ...c, manageGroupMemberships: true },
          audit: [changed(newOrg('other'))],
        }),
        (c) => ({
          settings: c,
          audit: [{ type: 'settings.changed', orgId: org, detail: { n: Number.NaN } }],
        }),
        (c) => ({
          settings: { ...c, manageGroupMemberships: true },
          audit: [{ type: 'user.removed', orgId: org, userId: user('alice') }],
        }),
        (c) =>
          Promise.resolve({
            settings: { ...c, manageGroupMemberships: true },
            audit: [],
          }) as unknown as OrgSettingsUpdate,
      ]
      for (const update of refused) {
        await expectStoreError(store.updateOrgSettings(org, update), 'STORE_INVALID_INPUT')
      }
      await expectStoreError(
        store.updateOrgSettings(org, 'on' as unknown as () => null),
        'STORE_INVALID_INPUT',
      )
      const boom = new Error('update failed')
      await expect(
        store.updateOrgSettings(org, () => {
          throw boom
        }),
      ).rejects.toBe(boom)
      expect(await observeOrg(store, org, [])).toEqual(before)
    })
  })
}
