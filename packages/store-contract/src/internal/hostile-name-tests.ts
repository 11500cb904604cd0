import {
  DEFAULT_ORG_SETTINGS,
  MAX_STORE_ID_LENGTH,
  compareCodeUnits,
  type AuditEventInput,
  type MembershipStore,
  type StoredGroup,
} from '@groupsync/core'
import { describe, expect } from 'vitest'
import { END_OF_TIME, expectStoreError, must, observeOrg, setSettings } from './context.js'
import { namesAtLimit, utf8Bytes } from './store-kit.js'
import { HOSTILE_UNICODE, UNSTORABLE_NAMES } from './hostile-names.js'
import { expectLogReplays } from './log-replay.js'
import { applyLogin, storeTest, type LoginContext } from './login-harness.js'
import { withoutStamp } from './model.js'

/** Events of one type, without the store's stamps. */
const eventsOf = async (store: MembershipStore, orgId: string, type: AuditEventInput['type']) =>
  (await store.listAuditEvents(orgId)).filter((e) => e.type === type).map(withoutStamp)

/** Hostile names and Unicode through every admin operation, and unstorable text refused. */
export const describeHostileNameTests = (ctx: LoginContext): void => {
  const test = storeTest(ctx)

  describe('hostile names', () => {
    test('two names at the limit that differ in their last character are different groups', async (store, kit) => {
      const { newOrg, limits } = kit
      const org = newOrg('long')
      const { atLimit, twin } = namesAtLimit(limits)
      await store.createGroup(org, atLimit)
      await store.createGroup(org, twin)
      await expectStoreError(store.createGroup(org, atLimit), 'GROUP_NAME_TAKEN')
      expect(await store.listGroups(org)).toHaveLength(2)
    })

    test('a NUL or a lone surrogate is refused with STORE_INVALID_INPUT, and nothing is written', async (store, kit) => {
      const { newOrg, user } = kit
      const org = newOrg('nul')
      const g = await store.createGroup(org, 'ok')
      await store.addManualMember(org, g.id, user('alice'))
      const before = await observeOrg(store, org, [user('alice')])
      for (const bad of UNSTORABLE_NAMES) {
        for (const call of [
          () => store.createGroup(org, bad),
          () => store.renameGroup(org, g.id, bad),
          () => store.removeManualMember(org, g.id, user('alice'), { actor: bad }),
          () => store.addManualMember(org, g.id, user('bob'), { actor: bad }),
          () => store.removeUser(org, user('alice'), { actor: bad }),
          () => store.deleteGroup(org, g.id, { actor: bad }),
          () =>
            setSettings(store, org, DEFAULT_ORG_SETTINGS, [
              { type: 'settings.changed', orgId: org, detail: { note: bad } },
            ]),
          () =>
            applyLogin(store, org, user('alice'), ['ok'], {
              remove: [g.id],
              audit: [
                { type: 'membership.removed', orgId: org, userId: user('alice'), groupName: bad },
              ],
              syncedAt: new Date(),
            }),
          () => store.listUserMemberships(org, bad),
          () => store.listGroups(bad),
        ]) {
          await expectStoreError(call(), 'STORE_INVALID_INPUT')
        }
      }
      expect(await observeOrg(store, org, [user('alice')])).toEqual(before)
    })
  })

  describe('hostile Unicode reads back exactly', () => {
    test('BOMs, noncharacters, combining and RTL marks, and surrogate neighbours come back identical from every read API', async (store, kit) => {
      const { newOrg, user, limits } = kit
      const org = newOrg('unicode')
      // Each is renamed below to itself twice over, with a combining mark between.
      const strings = HOSTILE_UNICODE.filter((s) => 2 * utf8Bytes(s) + 2 <= limits.maxNameBytes)
      const ids = strings.filter((s) => s.length > 0 && s.length <= MAX_STORE_ID_LENGTH)
      expect(ids).toEqual(strings)
      // As group names (and actors): createGroup's answer, listGroups, the snapshot, the log.
      const groups = new Map<string, StoredGroup>()
      for (const s of strings) {
        const g = await store.createGroup(org, s, { actor: s })
        expect(g.name).toBe(s)
        groups.set(s, g)
      }
      const sorted = [...strings].sort(compareCodeUnits)
      expect((await store.listGroups(org)).map((g) => g.name)).toEqual(sorted)
      // As user ids (where ids are text), actors, digests and audit fields: a manual add and a
      // login per string.
      const users = strings.map(user)
      for (const [i, s] of strings.entries()) {
        const g = must(groups.get(s), 'a group')
        const u = user(s)
        expect(await store.addManualMember(org, g.id, u, { actor: s })).toBe(true)
        const event: AuditEventInput = {
          type: 'sync.denied',
          orgId: org,
          userId: u,
          groupId: g.id,
          groupName: s,
          source: 'sync',
          actor: s,
          claimDigest: s,
          detail: { [s]: s, list: [s, { [s]: [s] }] },
        }
        const seen = await applyLogin(store, org, u, strings, {
          audit: [event],
          syncedAt: new Date(Date.UTC(2020, 0, 1, 0, i)),
        })
        expect(seen.userId).toBe(u)
        expect(seen.groups.map((x) => x.name)).toEqual(sorted)
        expect(seen.memberships.map((m) => [m.groupId, m.userId])).toEqual([[g.id, u]])
        expect((await store.listMembers(org, g.id)).map((m) => m.userId)).toEqual([u])
        expect((await store.listUserMemberships(org, u)).map((m) => [m.groupId, m.userId])).toEqual(
          [[g.id, u]],
        )
        expect((await store.listAuditEvents(org, { userId: u })).map(withoutStamp)).toEqual([
          {
            type: 'membership.added',
            orgId: org,
            userId: u,
            groupId: g.id,
            groupName: s,
            source: 'manual',
            actor: s,
          },
          event,
        ])
      }
      expect((await store.listStaleMembers(org, END_OF_TIME)).map((x) => x.userId)).toEqual(users)
      const created = await eventsOf(store, org, 'group.created')
      expect(created.map((e) => [e.groupName, e.actor])).toEqual(strings.map((s) => [s, s]))
      // Renamed: the answer, the list and the event keep both names exactly.
      const rotated = new Map<string, string>()
      for (const [s, g] of groups) rotated.set(g.id, `${s}\u0301${s}`)
      for (const [id, name] of rotated)
        expect((await store.renameGroup(org, id, name)).name).toBe(name)
      expect((await store.listGroups(org)).map((g) => g.name)).toEqual(
        [...rotated.values()].sort(compareCodeUnits),
      )
      expect(
        (await eventsOf(store, org, 'group.renamed')).map((e) => [e.groupName, e.detail]),
      ).toEqual(strings.map((s) => [`${s}\u0301${s}`, { previousName: s }]))
      // Removed and deleted: the events name the users exactly.
      const [first = '', ...rest] = users
      const removed = await store.removeUser(org, first, { actor: must(strings[0], 'a string') })
      expect(removed).toEqual({ removed: true, memberships: 1 })
      expect((await eventsOf(store, org, 'user.removed')).map((e) => [e.userId, e.actor])).toEqual([
        [first, strings[0]],
      ])
      for (const g of groups.values()) await store.deleteGroup(org, g.id)
      expect((await eventsOf(store, org, 'membership.removed')).map((e) => e.userId)).toEqual([
        first,
        ...rest,
      ])
      await expectLogReplays(store, org, users)
    })
  })
}
