import {
  DEFAULT_ORG_SETTINGS,
  MAX_STORE_ID_LENGTH,
  compareCodeUnits,
  type AuditEventInput,
  type MembershipStore,
  type StoredGroup,
} from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import {
  END_OF_TIME,
  expectStoreError,
  freshOrgId,
  membershipEvents,
  must,
  observeOrg,
  setSettings,
  withStore,
  type ContractContext,
} from './context.js'
import {
  HOSTILE_NAMES,
  HOSTILE_UNICODE,
  TEN_KB_NAME,
  TEN_KB_NAME_TWIN,
  UNSTORABLE_NAMES,
} from './hostile-names.js'
import { expectLogReplays } from './log-replay.js'
import { applyLogin, syncChanges } from './login-harness.js'
import { withoutStamp } from './model.js'

/** Events of one type, without the store's stamps. */
const eventsOf = async (store: MembershipStore, orgId: string, type: AuditEventInput['type']) =>
  (await store.listAuditEvents(orgId)).filter((e) => e.type === type).map(withoutStamp)

/** Hostile names and Unicode through every admin operation, and unstorable text refused. */
export const describeHostileNameTests = (ctx: ContractContext): void => {
  const test = (name: string, fn: (store: MembershipStore) => Promise<void>) => {
    it(name, () => withStore(ctx, fn))
  }

  describe('hostile names', () => {
    test('every hostile name is stored, listed, renamed and matched exactly as given', async (store) => {
      const org = freshOrgId('hostile')
      const groups = []
      for (const name of HOSTILE_NAMES) groups.push(await store.createGroup(org, name))
      const listed = await store.listGroups(org)
      expect(listed.map((g) => g.name)).toEqual([...HOSTILE_NAMES].sort(compareCodeUnits))
      expect(listed.find((g) => g.name === TEN_KB_NAME)?.name.length).toBe(TEN_KB_NAME.length)
      // A login sees the names exactly, and the audit log keeps them exactly.
      const seen = await store.withLoginSync(org, 'alice', HOSTILE_NAMES, (snapshot) => ({
        changes: syncChanges({
          add: snapshot.groups.map((g) => ({ groupId: g.id, source: 'sync' })),
          audit: snapshot.groups.map((g) => ({
            type: 'membership.added',
            orgId: org,
            userId: 'alice',
            groupId: g.id,
            groupName: g.name,
            source: 'sync',
            detail: { claim: g.name, nested: [g.name, { name: g.name }] },
          })),
        }),
        result: snapshot.groups,
      }))
      expect(seen).toEqual(listed)
      const audit = membershipEvents(await store.listAuditEvents(org))
      expect(audit.map((e) => e.groupName ?? '').sort(compareCodeUnits)).toEqual(
        listed.map((g) => g.name),
      )
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
      await expectLogReplays(store, org, ['alice'])
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
      await store.addManualMember(org, g.id, 'alice')
      const before = await observeOrg(store, org, ['alice'])
      for (const bad of UNSTORABLE_NAMES) {
        await expectStoreError(store.createGroup(org, bad), 'STORE_INVALID_INPUT')
        await expectStoreError(store.renameGroup(org, g.id, bad), 'STORE_INVALID_INPUT')
        await expectStoreError(
          store.removeManualMember(org, g.id, 'alice', { actor: bad }),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(
          store.addManualMember(org, g.id, 'bob', { actor: bad }),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(
          store.removeUser(org, 'alice', { actor: bad }),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(store.deleteGroup(org, g.id, { actor: bad }), 'STORE_INVALID_INPUT')
        await expectStoreError(
          setSettings(store, org, DEFAULT_ORG_SETTINGS, [
            { type: 'settings.changed', orgId: org, detail: { note: bad } },
          ]),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(
          applyLogin(store, org, 'alice', ['ok'], {
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

  describe('hostile Unicode reads back exactly', () => {
    test('BOMs, noncharacters, combining and RTL marks, and surrogate neighbours come back identical from every read API', async (store) => {
      const org = freshOrgId('unicode')
      const strings = HOSTILE_UNICODE
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
      // As user ids, actors, digests and audit fields: a manual add and a login per string.
      for (const [i, s] of strings.entries()) {
        const g = must(groups.get(s), 'a group')
        expect(await store.addManualMember(org, g.id, s, { actor: s })).toBe(true)
        const event: AuditEventInput = {
          type: 'sync.denied',
          orgId: org,
          userId: s,
          groupId: g.id,
          groupName: s,
          source: 'sync',
          actor: s,
          claimDigest: s,
          detail: { [s]: s, list: [s, { [s]: [s] }] },
        }
        const seen = await applyLogin(store, org, s, strings, {
          audit: [event],
          syncedAt: new Date(Date.UTC(2020, 0, 1, 0, i)),
        })
        expect(seen.userId).toBe(s)
        expect(seen.groups.map((x) => x.name)).toEqual(sorted)
        expect(seen.memberships.map((m) => [m.groupId, m.userId])).toEqual([[g.id, s]])
        expect((await store.listMembers(org, g.id)).map((m) => m.userId)).toEqual([s])
        expect((await store.listUserMemberships(org, s)).map((m) => [m.groupId, m.userId])).toEqual(
          [[g.id, s]],
        )
        expect((await store.listAuditEvents(org, { userId: s })).map(withoutStamp)).toEqual([
          {
            type: 'membership.added',
            orgId: org,
            userId: s,
            groupId: g.id,
            groupName: s,
            source: 'manual',
            actor: s,
          },
          event,
        ])
      }
      expect((await store.listStaleMembers(org, END_OF_TIME)).map((x) => x.userId)).toEqual(strings)
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
      const [first = '', ...rest] = strings
      const removed = await store.removeUser(org, first, { actor: first })
      expect(removed).toEqual({ removed: true, memberships: 1 })
      expect((await eventsOf(store, org, 'user.removed')).map((e) => [e.userId, e.actor])).toEqual([
        [first, first],
      ])
      for (const g of groups.values()) await store.deleteGroup(org, g.id)
      expect((await eventsOf(store, org, 'membership.removed')).map((e) => e.userId)).toEqual([
        first,
        ...rest,
      ])
      await expectLogReplays(store, org, strings)
    })
  })
}
