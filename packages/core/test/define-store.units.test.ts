import { describe, expect, it } from 'vitest'
import {
  defineLoginSyncStore,
  defineMembershipStore,
  ManualMembershipManagementDisabledError,
  StoreError,
  type AuditEventInput,
  type UserSyncDecision,
  type UserSyncSnapshot,
} from '../src/index.js'
import { AT, group, membership, recordingAdapter, rejection } from './define-store.fixture.js'

// The units of work of the validation layer: what `decide` sees and may return in a login, the
// manual-change lock and the changes a manual change writes, a user's removal, a settings update,
// and closing a store. Each rule holds whatever the adapter below does.

const MAPPING_ON = { manageGroupMemberships: true, matchMode: 'exact' } as const
const keep = (s: UserSyncSnapshot): UserSyncDecision<UserSyncSnapshot> => ({
  changes: null,
  result: s,
})

describe('withLoginSync: the snapshot decide sees', () => {
  it('holds the memberships in group-id order, frozen copies of what the adapter read', async () => {
    const { data, adapter } = recordingAdapter()
    data.groups = [group('g1', 'dev'), group('g10', 'hr'), group('g2', 'ops')]
    data.memberships = [
      { ...membership('g2', 'u', 'manual'), groupName: 'ops' },
      { ...membership('g10'), groupName: 'hr' },
      { ...membership('g1'), groupName: 'dev' },
    ]
    const store = defineLoginSyncStore(adapter)
    const snap = await store.withLoginSync('o', 'u', [], keep)
    expect(snap.memberships).toEqual([
      membership('g1'),
      membership('g10'),
      membership('g2', 'u', 'manual'),
    ])
    expect(Object.isFrozen(snap.memberships)).toBe(true)
    for (const m of snap.memberships) expect(Object.isFrozen(m)).toBe(true)
    expect(snap.memberships[0]).not.toBe(data.memberships[2])
  })

  it('has Date or null times, null for a removal time the adapter does not read', async () => {
    const { data, adapter } = recordingAdapter()
    data.removedAt = undefined
    data.lastSyncedAt = AT
    data.lastTokenIssuedAt = new Date(AT.getTime() - 1000)
    const store = defineLoginSyncStore(adapter)
    const snap = await store.withLoginSync('o', 'u', [], keep)
    expect(snap.removedAt).toBeNull()
    expect(snap.lastSyncedAt).toEqual(AT)
    expect(snap.lastSyncedAt).not.toBe(data.lastSyncedAt)
    expect(snap.lastTokenIssuedAt).toEqual(new Date(AT.getTime() - 1000))
  })

  it('an adapter that leaves out a membership’s group is broken, and the error names the group', async () => {
    const { data, adapter } = recordingAdapter()
    data.memberships = [{ ...membership('gone'), groupName: 'gone' }]
    const store = defineLoginSyncStore(adapter)
    const error = await rejection(store.withLoginSync('o', 'u', [], keep))
    expect(error).not.toBeInstanceOf(StoreError)
    expect(String(error)).toMatch(/adapter contract broken: .*\bgone\b/)
  })
})

describe('withLoginSync: what decide may return', () => {
  it('decide must be a function; the adapter is not asked to start a unit of work', async () => {
    const { calls, adapter } = recordingAdapter()
    const store = defineLoginSyncStore(adapter)
    const error = await rejection(
      store.withLoginSync('o', 'u', [], 'decide' as unknown as typeof keep),
    )
    expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/decide' })
    expect((error as Error).message).toMatch(/^\/decide: \S.{8,}/)
    expect(calls).toEqual([])
  })

  it('claimGroups must be an array of strings, naming the entry that is not', async () => {
    const { calls, adapter } = recordingAdapter()
    const store = defineLoginSyncStore(adapter)
    for (const [claim, path] of [
      ['dev', '/claimGroups'],
      [['dev', 7], '/claimGroups/1'],
    ] as const) {
      const error = await rejection(
        store.withLoginSync('o', 'u', claim as unknown as string[], keep),
      )
      expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path })
      expect((error as Error).message).toMatch(new RegExp(`^${path}: must be`))
    }
    expect(calls).toEqual([])
  })

  it('anything but { changes, result } is refused as decide’s fault, and nothing is written', async () => {
    for (const decided of [null, undefined, 5, 'changes', {}, { result: 1 }]) {
      const { writes, adapter } = recordingAdapter()
      const store = defineLoginSyncStore(adapter)
      const error = await rejection(
        store.withLoginSync('o', 'u', [], (() => decided) as unknown as typeof keep),
      )
      expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/decide' })
      expect((error as Error).message).toMatch(/^\/decide: must return \{ changes, result \}/)
      expect(writes).toEqual([])
    }
  })

  it('a promise is refused with the reason: decide runs inside the unit of work, synchronously', async () => {
    const { writes, adapter } = recordingAdapter()
    const store = defineLoginSyncStore(adapter)
    const promised = Promise.resolve({ changes: null, result: 1 })
    const error = await rejection(
      store.withLoginSync('o', 'u', [], (() => promised) as unknown as typeof keep),
    )
    expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/decide' })
    expect((error as Error).message).toMatch(/^\/decide: .*synchronously/)
    expect(writes).toEqual([])
  })

  it('a decision with any kind of write reaches the adapter; one without any is no write', async () => {
    const event: AuditEventInput = { type: 'sync.denied', orgId: 'o', userId: 'u' }
    const cases = [
      { add: [{ groupId: 'g1', source: 'sync' as const }], remove: [], audit: [] },
      { add: [], remove: ['g1'], audit: [] },
      { add: [], remove: [], audit: [event] },
      { add: [], remove: [], audit: [], syncedAt: AT },
    ]
    for (const changes of cases) {
      const { data, writes, adapter } = recordingAdapter()
      data.memberships = [{ ...membership('g1'), groupName: 'dev' }]
      const store = defineLoginSyncStore(adapter)
      await store.withLoginSync('o', 'u', ['dev'], () => ({ changes, result: null }))
      expect(writes).toEqual([changes])
    }
    const { writes, adapter } = recordingAdapter()
    const store = defineLoginSyncStore(adapter)
    await store.withLoginSync('o', 'u', ['dev'], () => ({
      changes: { add: [], remove: [], audit: [] },
      result: null,
    }))
    expect(writes).toEqual([null])
  })
})

describe('manual changes: the lock, and exactly what they write', () => {
  it('adding writes the membership with source manual and one membership.added event', async () => {
    const { writes, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    expect(await store.addManualMember('o', 'g1', 'u')).toBe(true)
    expect(writes).toStrictEqual([
      {
        add: [{ groupId: 'g1', source: 'manual' }],
        remove: [],
        audit: [
          {
            type: 'membership.added',
            orgId: 'o',
            userId: 'u',
            groupId: 'g1',
            groupName: 'dev',
            source: 'manual',
          },
        ],
      },
    ])
  })

  it('removing a member writes the removal and one membership.removed event with the actor', async () => {
    const { data, writes, adapter } = recordingAdapter()
    data.member = true
    const store = defineMembershipStore(adapter)
    expect(await store.removeManualMember('o', 'g2', 'u', { actor: 'admin' })).toBe(true)
    expect(writes).toStrictEqual([
      {
        add: [],
        remove: ['g2'],
        audit: [
          {
            type: 'membership.removed',
            orgId: 'o',
            userId: 'u',
            groupId: 'g2',
            groupName: 'ops',
            source: 'manual',
            actor: 'admin',
          },
        ],
      },
    ])
  })

  it('adding a member or removing a non-member writes nothing and answers false', async () => {
    const { data, writes, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    expect(await store.removeManualMember('o', 'g1', 'u')).toBe(false)
    data.member = true
    expect(await store.addManualMember('o', 'g1', 'u')).toBe(false)
    expect(writes).toEqual([null, null])
  })

  it('while mapping is on, both are refused, saying which change, for which org', async () => {
    const { data, writes, adapter } = recordingAdapter()
    data.settings = MAPPING_ON
    const store = defineMembershipStore(adapter)
    const added = await rejection(store.addManualMember('acme', 'g1', 'u'))
    data.member = true
    const removed = await rejection(store.removeManualMember('acme', 'g1', 'u'))
    for (const error of [added, removed]) {
      expect(error).toBeInstanceOf(ManualMembershipManagementDisabledError)
      expect(error).toMatchObject({
        code: 'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED',
        path: '/manageGroupMemberships',
        value: 'acme',
      })
      expect((error as Error).message).toMatch(/"acme"/)
    }
    expect((added as Error).message).toMatch(/cannot be added by hand/)
    expect((removed as Error).message).toMatch(/cannot be removed by hand/)
    expect(writes).toEqual([])
  })

  it('an unknown group is GROUP_NOT_FOUND once the lock allows the change', async () => {
    const { adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    expect(await rejection(store.removeManualMember('o', 'gone', 'u'))).toMatchObject({
      code: 'GROUP_NOT_FOUND',
      value: 'gone',
    })
  })
})

describe('removeUser', () => {
  it('removes a user who has memberships but never synced, one event per membership by group id', async () => {
    const { data, writes, adapter } = recordingAdapter()
    data.memberships = [
      { ...membership('g2', 'u', 'manual'), groupName: 'ops' },
      { ...membership('g1'), groupName: 'dev' },
    ]
    data.hasLastSync = false
    const store = defineMembershipStore(adapter, { now: () => AT })
    expect(await store.removeUser('o', 'u')).toEqual({ removed: true, memberships: 2 })
    // Without an actor, no event has an actor field (optional fields are absent, never undefined).
    expect(writes).toStrictEqual([
      {
        removedAt: AT,
        audit: [
          {
            type: 'membership.removed',
            orgId: 'o',
            userId: 'u',
            groupId: 'g1',
            groupName: 'dev',
            source: 'sync',
          },
          {
            type: 'membership.removed',
            orgId: 'o',
            userId: 'u',
            groupId: 'g2',
            groupName: 'ops',
            source: 'manual',
          },
          { type: 'user.removed', orgId: 'o', userId: 'u', detail: { memberships: 2 } },
        ],
      },
    ])
  })

  it('removes a user who only has a last sync; with nothing at all, writes nothing', async () => {
    const { data, writes, adapter } = recordingAdapter()
    data.hasLastSync = true
    const store = defineMembershipStore(adapter, { now: () => AT })
    expect(await store.removeUser('o', 'u', { actor: 'hr' })).toEqual({
      removed: true,
      memberships: 0,
    })
    data.hasLastSync = false
    expect(await store.removeUser('o', 'u')).toEqual({ removed: false, memberships: 0 })
    expect(writes).toStrictEqual([
      {
        removedAt: AT,
        audit: [
          {
            type: 'user.removed',
            orgId: 'o',
            userId: 'u',
            actor: 'hr',
            detail: { memberships: 0 },
          },
        ],
      },
      null,
    ])
  })

  it('records the time of the store’s clock, the current time by default', async () => {
    const { data, writes, adapter } = recordingAdapter()
    data.hasLastSync = true
    const before = Date.now()
    await defineMembershipStore(adapter).removeUser('o', 'u')
    const removedAt = (writes[0] as { removedAt: Date }).removedAt
    expect(removedAt).toBeInstanceOf(Date)
    expect(removedAt.getTime()).toBeGreaterThanOrEqual(before)
    expect(removedAt.getTime()).toBeLessThanOrEqual(Date.now())
  })

  it('a login-sync store over an adapter with a removal unit has the same clock: now, or its own', async () => {
    const { data, writes, adapter } = recordingAdapter()
    data.hasLastSync = true
    const before = Date.now()
    await defineLoginSyncStore(adapter).removeUser('o', 'u')
    await defineLoginSyncStore(adapter, { now: () => AT }).removeUser('o', 'u')
    const [first, second] = writes.map((w) => (w as { removedAt: Date }).removedAt)
    expect(first?.getTime()).toBeGreaterThanOrEqual(before)
    expect(first?.getTime()).toBeLessThanOrEqual(Date.now())
    expect(second).toEqual(AT)
  })

  it('a clock that gives no storable time is refused, naming the clock, and nothing is written', async () => {
    const { data, writes, adapter } = recordingAdapter()
    data.hasLastSync = true
    const store = defineMembershipStore(adapter, { now: () => new Date(Number.NaN) })
    expect(await rejection(store.removeUser('o', 'u'))).toMatchObject({
      code: 'STORE_INVALID_INPUT',
      path: '/now()',
    })
    expect(writes).toEqual([])
  })
})

describe('updateOrgSettings', () => {
  it('update sees a copy of the current settings (the defaults when none are stored)', async () => {
    const { data, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    const seen: unknown[] = []
    await store.updateOrgSettings('o', (current) => {
      seen.push(current)
      return null
    })
    data.settings = MAPPING_ON
    await store.updateOrgSettings('o', (current) => {
      seen.push(current)
      return null
    })
    expect(seen).toEqual([
      { manageGroupMemberships: false, matchMode: 'exact' },
      { manageGroupMemberships: true, matchMode: 'exact' },
    ])
    expect(seen[1]).not.toBe(data.settings)
  })

  it('no update writes nothing and answers the settings in force', async () => {
    const { data, writes, adapter } = recordingAdapter()
    data.settings = MAPPING_ON
    const store = defineMembershipStore(adapter)
    expect(await store.updateOrgSettings('o', () => null)).toEqual(MAPPING_ON)
    expect(writes).toEqual([null])
  })

  it('an update writes the settings and its events, and answers the new settings', async () => {
    const { writes, adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    const audit: AuditEventInput[] = [{ type: 'settings.changed', orgId: 'o', actor: 'admin' }]
    const answer = await store.updateOrgSettings('o', (current) => ({
      settings: { ...current, manageGroupMemberships: true },
      audit,
    }))
    expect(answer).toEqual(MAPPING_ON)
    expect(writes).toEqual([{ settings: MAPPING_ON, audit }])
  })

  it('refuses an update that is not a function, or not synchronous, or invalid, writing nothing', async () => {
    const cases: readonly [unknown, string][] = [
      ['mapping on', '/update'],
      [() => Promise.resolve(null), '/update'],
      [
        () => ({ settings: { manageGroupMemberships: true, matchMode: 'fuzzy' }, audit: [] }),
        '/settings/matchMode',
      ],
      [
        () => ({ settings: MAPPING_ON, audit: [{ type: 'settings.changed', orgId: 'x' }] }),
        '/audit/0/orgId',
      ],
    ]
    for (const [update, path] of cases) {
      const { writes, adapter } = recordingAdapter()
      const store = defineMembershipStore(adapter)
      const error = await rejection(
        store.updateOrgSettings('o', update as Parameters<typeof store.updateOrgSettings>[1]),
      )
      expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path })
      // Each refusal starts with its path and says what is wrong.
      expect((error as Error).message).toMatch(new RegExp(`^${path}: \\S.{8,}`))
      expect(writes).toEqual([])
    }
  })
})

describe('close', () => {
  it('lets the calls in flight finish before it closes the adapter', async () => {
    const { calls, adapter } = recordingAdapter({ close: true })
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const store = defineMembershipStore({
      ...adapter,
      listGroups: async (orgId, call) => {
        await gate
        return adapter.listGroups(orgId, call)
      },
    })
    const listing = store.listGroups('o')
    await Promise.resolve()
    const closing = store.close()
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(calls.map((c) => c.method)).toEqual([])
    release()
    await closing
    await listing
    expect(calls.map((c) => c.method)).toEqual(['listGroups', 'close'])
  })

  it('an adapter with nothing to release closes too', async () => {
    const { adapter } = recordingAdapter()
    const store = defineMembershipStore(adapter)
    await expect(store.close()).resolves.toBeUndefined()
    expect(await rejection(store.listGroups('o'))).toMatchObject({ code: 'STORE_UNAVAILABLE' })
  })
})
