import {
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
  must,
  withStore,
  type ContractContext,
} from './context.js'
import { HOSTILE_UNICODE } from './hostile-names.js'
import { withoutStamp } from './model.js'
import { expectLogReplays } from './model-tests.js'

/** Events of one type, without the store's stamps. */
const eventsOf = async (store: MembershipStore, orgId: string, type: AuditEventInput['type']) =>
  (await store.listAuditEvents(orgId)).filter((e) => e.type === type).map(withoutStamp)

export const describeAuditLogTests = (ctx: ContractContext): void => {
  const test = (name: string, fn: (store: MembershipStore) => Promise<void>) => {
    it(name, () => withStore(ctx, fn))
  }

  describe('group changes are audited', () => {
    test('createGroup, renameGroup and deleteGroup append their events with the actor, and a delete one membership.removed per member first', async (store) => {
      const org = freshOrgId('group-audit')
      const g = await store.createGroup(org, 'eng', { actor: 'root' })
      const other = await store.createGroup(org, 'ops')
      await store.addMember(org, g.id, 'zoe', 'manual', [])
      await store.addMember(org, g.id, 'adam', 'sync', [])
      await store.addMember(org, other.id, 'adam', 'manual', [])
      await store.renameGroup(org, g.id, 'engineering', { actor: 'root' })
      await store.deleteGroup(org, g.id, { actor: 'admin@x' })
      const log = (await store.listAuditEvents(org)).map(withoutStamp)
      expect(log).toEqual([
        { type: 'group.created', orgId: org, groupId: g.id, groupName: 'eng', actor: 'root' },
        { type: 'group.created', orgId: org, groupId: other.id, groupName: 'ops' },
        {
          type: 'group.renamed',
          orgId: org,
          groupId: g.id,
          groupName: 'engineering',
          actor: 'root',
          detail: { previousName: 'eng' },
        },
        {
          type: 'membership.removed',
          orgId: org,
          userId: 'adam',
          groupId: g.id,
          groupName: 'engineering',
          source: 'sync',
          actor: 'admin@x',
        },
        {
          type: 'membership.removed',
          orgId: org,
          userId: 'zoe',
          groupId: g.id,
          groupName: 'engineering',
          source: 'manual',
          actor: 'admin@x',
        },
        {
          type: 'group.deleted',
          orgId: org,
          groupId: g.id,
          groupName: 'engineering',
          actor: 'admin@x',
        },
      ])
      // The other group and its member are untouched.
      expect((await store.listMembers(org, other.id)).map((m) => m.userId)).toEqual(['adam'])
    })

    test('a failed group change appends nothing; callers cannot append group.* events themselves', async (store) => {
      const org = freshOrgId('group-audit-fail')
      const g = await store.createGroup(org, 'a')
      await store.createGroup(org, 'b')
      const before = await store.listAuditEvents(org)
      await expectStoreError(store.createGroup(org, 'a', { actor: 'x' }), 'GROUP_NAME_TAKEN')
      await expectStoreError(store.renameGroup(org, g.id, 'b'), 'GROUP_NAME_TAKEN')
      await expectStoreError(store.renameGroup(org, 'missing', 'c'), 'GROUP_NOT_FOUND')
      await expectStoreError(store.deleteGroup(org, 'missing'), 'GROUP_NOT_FOUND')
      await expectStoreError(
        store.createGroup(org, 'c', { actor: 'nul\u0000' }),
        'STORE_INVALID_INPUT',
      )
      for (const type of ['group.created', 'group.renamed', 'group.deleted'] as const) {
        await expectStoreError(
          store.setOrgSettings(org, { manageGroupMemberships: false, matchMode: 'exact' }, [
            { type, orgId: org, groupId: g.id },
          ]),
          'STORE_INVALID_INPUT',
        )
        await expectStoreError(
          store.addMember(org, g.id, 'alice', 'manual', [{ type, orgId: org, groupId: g.id }]),
          'STORE_INVALID_INPUT',
        )
      }
      expect(await store.listAuditEvents(org)).toEqual(before)
      expect((await store.listGroups(org)).map((x) => x.name)).toEqual(['a', 'b'])
      expect(await store.listMembers(org, g.id)).toEqual([])
    })

    test('the audit log of group changes, manual changes and a sync replays to the stored groups and memberships', async (store) => {
      const org = freshOrgId('replay-example')
      const [a, b] = [await store.createGroup(org, 'a'), await store.createGroup(org, 'b')]
      const manual = (userId: string, g: StoredGroup): AuditEventInput => ({
        type: 'membership.added',
        orgId: org,
        userId,
        groupId: g.id,
        groupName: g.name,
        source: 'manual',
      })
      await store.addMember(org, a.id, 'alice', 'manual', [manual('alice', a)])
      await store.addMember(org, b.id, 'bob', 'manual', [manual('bob', b)])
      await store.withUserSync(org, 'alice', () => ({
        changes: {
          add: [{ groupId: b.id, source: 'sync' }],
          remove: [],
          audit: [
            {
              type: 'membership.added',
              orgId: org,
              userId: 'alice',
              groupId: b.id,
              source: 'sync',
            },
          ],
        },
        result: undefined,
      }))
      await store.renameGroup(org, b.id, 'b2')
      await store.deleteGroup(org, a.id)
      await expectLogReplays(store, org, ['alice', 'bob'])
      expect(await eventsOf(store, org, 'group.deleted')).toHaveLength(1)
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
      // As user ids, digests and audit fields: one manual add per string, into its own group.
      for (const [i, s] of strings.entries()) {
        const g = must(groups.get(s), 'a group')
        const event: AuditEventInput = {
          type: 'membership.added',
          orgId: org,
          userId: s,
          groupId: g.id,
          groupName: s,
          source: 'manual',
          actor: s,
          claimDigest: s,
          detail: { [s]: s, list: [s, { [s]: [s] }] },
        }
        expect(await store.addMember(org, g.id, s, 'manual', [event])).toBe(true)
        const seen = await store.withUserSync(org, s, (snap) => ({
          changes: {
            add: [],
            remove: [],
            audit: [],
            syncedAt: new Date(Date.UTC(2020, 0, 1, 0, i)),
          },
          result: snap,
        }))
        expect(seen.userId).toBe(s)
        expect(seen.groups.map((x) => x.name)).toEqual(sorted)
        expect(seen.memberships.map((m) => [m.groupId, m.userId])).toEqual([[g.id, s]])
        expect((await store.listMembers(org, g.id)).map((m) => m.userId)).toEqual([s])
        expect((await store.listUserMemberships(org, s)).map((m) => [m.groupId, m.userId])).toEqual(
          [[g.id, s]],
        )
        expect((await store.listAuditEvents(org, { userId: s })).map(withoutStamp)).toEqual([event])
      }
      expect((await store.listStaleMembers(org, END_OF_TIME)).map((x) => x.userId)).toEqual(strings)
      const created = await eventsOf(store, org, 'group.created')
      expect(created.map((e) => [e.groupName, e.actor])).toEqual(strings.map((s) => [s, s]))
      // Renamed to the next string: the answer, the list and the event keep both names exactly.
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
      // Deleted: the membership.removed events name the users exactly.
      for (const g of groups.values()) await store.deleteGroup(org, g.id)
      expect((await eventsOf(store, org, 'membership.removed')).map((e) => e.userId)).toEqual(
        strings,
      )
      await expectLogReplays(store, org, strings)
    })
  })
}
