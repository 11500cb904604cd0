import { describe, expect, it } from 'vitest'
import { defineMembershipStore, type AuditEvent } from '../src/index.js'
import { AT, group, membership, recordingAdapter, rejection } from './define-store.fixture.js'

// What an adapter hands back reaches the caller copied (no caller shares an adapter's objects)
// and in the documented order, whatever order the adapter read it in; an unknown group is
// GROUP_NOT_FOUND whichever operation met it.

const later = (ms: number): Date => new Date(AT.getTime() + ms)

describe('reads are copies, in the documented order', () => {
  it('getOrgSettings: the stored settings, or null when none are stored', async () => {
    const { data, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    expect(await store.getOrgSettings('o')).toBeNull()
    data.settings = { manageGroupMemberships: true, matchMode: 'case-insensitive' }
    const read = await store.getOrgSettings('o')
    expect(read).toEqual(data.settings)
    expect(read).not.toBe(data.settings)
  })

  it('readLastSync: null when never synced, else a copy of both times', async () => {
    const { data, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    expect(await store.readLastSync('o', 'u')).toBeNull()
    data.lastSync = { lastSyncedAt: later(5), lastTokenIssuedAt: later(1) }
    const last = await store.readLastSync('o', 'u')
    expect(last).toEqual({ lastSyncedAt: later(5), lastTokenIssuedAt: later(1) })
    expect(last?.lastSyncedAt).not.toBe(data.lastSync.lastSyncedAt)
    data.lastSync = { lastSyncedAt: later(5), lastTokenIssuedAt: null }
    expect(await store.readLastSync('o', 'u')).toEqual({
      lastSyncedAt: later(5),
      lastTokenIssuedAt: null,
    })
  })

  it('createGroup and renameGroup: a copy of the group the adapter wrote', async () => {
    const { data, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    const created = await store.createGroup('o', 'new')
    expect(created).toEqual(data.created)
    expect(created).not.toBe(data.created)
    expect(created.createdAt).not.toBe(data.created.createdAt)
    data.renamed = group('g1', 'renamed')
    const renamed = await store.renameGroup('o', 'g1', 'renamed')
    expect(renamed).toEqual(group('g1', 'renamed'))
    expect(renamed).not.toBe(data.renamed)
  })

  it('listGroups: by name, then id, in code units', async () => {
    const { data, adapter } = recordingAdapter()
    data.groups = [group('g3', 'ops'), group('g2', 'dev'), group('g1', 'dev'), group('g4', 'Ops')]
    const store = defineMembershipStore(adapter)
    const listed = await store.listGroups('o')
    expect(listed.map((g) => g.id)).toEqual(['g4', 'g1', 'g2', 'g3'])
    expect(listed[0]).not.toBe(data.groups[3])
  })

  it('listMembers: by user id; listUserMemberships: by group id', async () => {
    const { data, adapter } = recordingAdapter()
    data.members = [membership('g1', 'u2'), membership('g1', 'u10'), membership('g1', 'u1')]
    data.memberships = [
      { ...membership('g2'), groupName: 'ops' },
      { ...membership('g10'), groupName: 'x' },
      { ...membership('g1'), groupName: 'dev' },
    ]
    const store = defineMembershipStore(adapter)
    const members = await store.listMembers('o', 'g1')
    expect(members.map((m) => m.userId)).toEqual(['u1', 'u10', 'u2'])
    expect(members[0]).not.toBe(data.members[2])
    const mine = await store.listUserMemberships('o', 'u')
    expect(mine.map((m) => m.groupId)).toEqual(['g1', 'g10', 'g2'])
    expect(mine[0]).toEqual(membership('g1'))
  })

  it('listStaleMembers: oldest sync first, then by user id; the adapter gets a copy of the bound', async () => {
    const { data, calls, adapter } = recordingAdapter()
    data.stale = [
      { userId: 'b', lastSyncedAt: later(20) },
      { userId: 'c', lastSyncedAt: later(10) },
      { userId: 'a', lastSyncedAt: later(20) },
      { userId: 'd', lastSyncedAt: later(30) },
    ]
    const store = defineMembershipStore(adapter)
    const olderThan = later(100)
    const stale = await store.listStaleMembers('o', olderThan)
    expect(stale).toEqual([
      { userId: 'c', lastSyncedAt: later(10) },
      { userId: 'a', lastSyncedAt: later(20) },
      { userId: 'b', lastSyncedAt: later(20) },
      { userId: 'd', lastSyncedAt: later(30) },
    ])
    expect(stale[0]?.lastSyncedAt).not.toBe(data.stale[1]?.lastSyncedAt)
    const bound = calls[0]?.args[1]
    expect(bound).toEqual(olderThan)
    expect(bound).not.toBe(olderThan)
  })

  it('listAuditEvents: by seq, deep copies', async () => {
    const { data, adapter } = recordingAdapter()
    const event = (seq: number): AuditEvent => ({
      seq,
      at: AT,
      type: 'settings.changed',
      orgId: 'o',
      detail: { n: seq },
    })
    data.events = [event(3), event(1), event(2)]
    const store = defineMembershipStore(adapter)
    const events = await store.listAuditEvents('o')
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(events[0]).toEqual(event(1))
    expect(events[0]?.detail).not.toBe(data.events[1]?.detail)
  })
})

describe('listAuditEvents hands the adapter the query with its default', () => {
  it('afterSeq 0 when not given; userId and limit only when given', async () => {
    const { calls, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    await store.listAuditEvents('o')
    await store.listAuditEvents('o', {})
    await store.listAuditEvents('o', { afterSeq: 5, userId: 'u', limit: 2 })
    const queries = calls.map((c) => c.args[1])
    expect(queries[0]).toStrictEqual({ afterSeq: 0 })
    expect(queries[1]).toStrictEqual({ afterSeq: 0 })
    expect(queries[2]).toStrictEqual({ afterSeq: 5, userId: 'u', limit: 2 })
  })

  it('refuses a query that is not valid, naming the field', async () => {
    const { calls, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    for (const [query, path] of [
      [{ limit: -1 }, '/query/limit'],
      [{ afterSeq: 1.5 }, '/query/afterSeq'],
      [{ userId: '' }, '/query/userId'],
    ] as const) {
      expect(await rejection(store.listAuditEvents('o', query))).toMatchObject({
        code: 'STORE_INVALID_INPUT',
        path,
      })
    }
    expect(calls).toEqual([])
  })
})

describe('an unknown group is GROUP_NOT_FOUND, naming the group', () => {
  it('renameGroup, deleteGroup and listMembers, when the adapter finds no such group', async () => {
    const { data, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    for (const call of [
      () => store.renameGroup('o', 'gone', 'x'),
      () => store.deleteGroup('o', 'gone'),
      () => store.listMembers('o', 'gone'),
    ]) {
      expect(await rejection(call())).toMatchObject({
        code: 'GROUP_NOT_FOUND',
        path: '/groupId',
        value: 'gone',
      })
    }
    data.deleted = true
    data.renamed = group('gone', 'x')
    data.members = []
    await expect(store.deleteGroup('o', 'gone')).resolves.toBeUndefined()
    await expect(store.renameGroup('o', 'gone', 'x')).resolves.toEqual(group('gone', 'x'))
    await expect(store.listMembers('o', 'gone')).resolves.toEqual([])
  })
})
