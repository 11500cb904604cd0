import { describe, expect, it } from 'vitest'
import {
  defineLoginSyncStore,
  defineMembershipStore,
  ManualMembershipManagementDisabledError,
  StoreError,
  type AuditEvent,
  type AuditEventInput,
  type LoginSliceRead,
  type LoginSyncAdapter,
  type Membership,
  type MembershipStoreAdapter,
  type OrgSettings,
  type StoredGroup,
  type UserSyncChanges,
  type UserSyncSnapshot,
} from '../src/index.js'

// The validation layer every store is built with (define-store.ts), over a deliberately naive
// adapter: one that hands back every group of the org and records what it was asked. What the
// layer promises — checked input, exactly the slice, synchronous decisions inside the slice, the
// lock, copies — must hold whatever the adapter does.

const AT = new Date('2026-01-01T00:00:00.000Z')

interface Fake {
  settings: OrgSettings | null
  groups: StoredGroup[]
  memberships: Membership[]
  audit: AuditEvent[]
  lastSync: Date | null
  removedAt: Date | null
  keysAsked: (readonly string[])[]
  writes: UserSyncChanges[]
  closed: number
}

const group = (id: string, name: string): StoredGroup => ({ orgId: 'o', id, name, createdAt: AT })

function fakeAdapter(): { fake: Fake; adapter: MembershipStoreAdapter } {
  const fake: Fake = {
    settings: null,
    groups: [group('g1', 'dev'), group('g2', 'Dev'), group('g3', 'ops'), group('g4', 'hr')],
    memberships: [],
    audit: [],
    lastSync: null,
    removedAt: null,
    keysAsked: [],
    writes: [],
    closed: 0,
  }
  const append = (events: readonly AuditEventInput[]) => {
    for (const e of events) fake.audit.push({ ...e, seq: fake.audit.length + 1, at: AT })
  }
  const apply = (userId: string, changes: UserSyncChanges | null) => {
    if (changes === null) return
    fake.writes.push(changes)
    fake.memberships = fake.memberships.filter(
      (m) => !(m.userId === userId && changes.remove.includes(m.groupId)),
    )
    for (const a of changes.add) {
      fake.memberships.push({
        orgId: 'o',
        groupId: a.groupId,
        userId,
        source: a.source,
        createdAt: AT,
      })
    }
    append(changes.audit)
    if (changes.syncedAt !== undefined) fake.lastSync = changes.syncedAt
  }
  const read = (userId: string): LoginSliceRead => ({
    settings: fake.settings,
    groups: fake.groups, // every group: the layer must cut it down to the slice
    memberships: fake.memberships.filter((m) => m.userId === userId),
    lastSyncedAt: fake.lastSync,
    lastTokenIssuedAt: null,
    removedAt: fake.removedAt,
  })
  const adapter: MembershipStoreAdapter = {
    readSettings: () => Promise.resolve(fake.settings),
    loginUnit: (_org, userId, keys, work) => {
      fake.keysAsked.push(keys)
      const { changes, result } = work(read(userId))
      apply(userId, changes)
      return Promise.resolve(result)
    },
    readLastSync: () =>
      Promise.resolve(
        fake.lastSync === null ? null : { lastSyncedAt: fake.lastSync, lastTokenIssuedAt: null },
      ),
    createGroup: (_org, name) => Promise.resolve(group(`g${fake.groups.length + 1}`, name)),
    renameGroup: () => Promise.resolve(null),
    deleteGroup: () => Promise.resolve(false),
    listGroups: () => Promise.resolve(fake.groups),
    updateSettings: (_org, work) => {
      const decided = work(fake.settings)
      if (decided !== null) {
        fake.settings = decided.settings
        append(decided.audit)
      }
      return Promise.resolve()
    },
    memberUnit: (_org, groupId, userId, work) => {
      const { changes, result } = work({
        settings: fake.settings,
        group: fake.groups.find((g) => g.id === groupId) ?? null,
        isMember: fake.memberships.some((m) => m.userId === userId && m.groupId === groupId),
      })
      apply(userId, changes)
      return Promise.resolve(result)
    },
    removeUserUnit: (_org, userId, work) => {
      const mine = fake.memberships
        .filter((m) => m.userId === userId)
        .map((m) => ({ ...m, groupName: fake.groups.find((g) => g.id === m.groupId)?.name ?? '' }))
      const { write, result } = work({ memberships: mine, hasLastSync: fake.lastSync !== null })
      if (write !== null) {
        fake.memberships = fake.memberships.filter((m) => m.userId !== userId)
        fake.lastSync = null
        fake.removedAt = write.removedAt
        append(write.audit)
      }
      return Promise.resolve(result)
    },
    listMembers: () => Promise.resolve(null),
    listUserMemberships: (_org, userId) =>
      Promise.resolve(fake.memberships.filter((m) => m.userId === userId)),
    listStaleMembers: () => Promise.resolve([]),
    listAuditEvents: () => Promise.resolve(fake.audit),
    close: () => {
      fake.closed += 1
      return Promise.resolve()
    },
  }
  return { fake, adapter }
}

const rejection = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  )

const syncAll =
  (claim: readonly string[]) =>
  (snap: UserSyncSnapshot): { changes: UserSyncChanges; result: UserSyncSnapshot } => ({
    result: snap,
    changes: {
      add: snap.groups
        .filter((g) => claim.includes(g.name))
        .map((g) => ({ groupId: g.id, source: 'sync' })),
      remove: [],
      audit: [],
      syncedAt: AT,
    },
  })

describe('defineMembershipStore: the one validation layer', () => {
  it('hands decide exactly the slice, sorted and frozen, and asks the adapter for the slice keys', async () => {
    const { fake, adapter } = fakeAdapter()
    const store = defineMembershipStore(adapter)
    fake.memberships.push({
      orgId: 'o',
      groupId: 'g4',
      userId: 'u',
      source: 'manual',
      createdAt: AT,
    })
    const snap = await store.withLoginSync('o', 'u', ['DEV', 'Dev', 'x\u0000'], (s) => ({
      changes: null,
      result: s,
    }))
    // 'dev' and 'Dev' share the key of 'DEV'; hr is current; ops is neither. The NUL key is left out.
    expect(snap.groups.map((g) => g.id)).toEqual(['g2', 'g1', 'g4'])
    expect(fake.keysAsked).toEqual([['dev']])
    expect(Object.isFrozen(snap.groups)).toBe(true)
    expect(Object.isFrozen(snap.groups[0])).toBe(true)
    expect(snap.groups[0]).not.toBe(fake.groups[1])
    expect(snap.settings).toEqual({ manageGroupMemberships: false, matchMode: 'exact' })
  })

  it('refuses a decision that adds a group outside the slice, and writes nothing', async () => {
    const { fake, adapter } = fakeAdapter()
    const store = defineMembershipStore(adapter)
    const error = await rejection(
      store.withLoginSync('o', 'u', ['dev'], () => ({
        changes: { add: [{ groupId: 'g3', source: 'sync' }], remove: [], audit: [] },
        result: null,
      })),
    )
    expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/changes/add/0/groupId' })
    expect(fake.writes).toEqual([])
  })

  it('refuses a decide that returns a promise, and writes nothing', async () => {
    const { fake, adapter } = fakeAdapter()
    const store = defineMembershipStore(adapter)
    const decide = (() => Promise.resolve({ changes: null, result: 1 })) as unknown as () => {
      changes: null
      result: number
    }
    const error = await rejection(store.withLoginSync('o', 'u', ['dev'], decide))
    expect(error).toBeInstanceOf(StoreError)
    expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/decide' })
    expect(fake.writes).toEqual([])
  })

  it('applies a decision inside the slice, and passes no write at all for an empty one', async () => {
    const { fake, adapter } = fakeAdapter()
    const store = defineMembershipStore(adapter)
    await store.withLoginSync('o', 'u', ['dev'], syncAll(['dev']))
    expect(fake.memberships.map((m) => m.groupId)).toEqual(['g1'])
    await store.withLoginSync('o', 'u', ['dev'], () => ({
      changes: { add: [], remove: [], audit: [] },
      result: null,
    }))
    expect(fake.writes).toHaveLength(1)
  })

  it('checks input before the adapter sees it', async () => {
    const { fake, adapter } = fakeAdapter()
    const store = defineMembershipStore(adapter)
    for (const call of [
      () => store.withLoginSync('', 'u', [], () => ({ changes: null, result: 0 })),
      () =>
        store.withLoginSync('o', 'u', ['ok', 3 as unknown as string], () => ({
          changes: null,
          result: 0,
        })),
      () => store.createGroup('o', 'a\u0000'),
      () => store.addManualMember('o', 'g1', 'u\uD800'),
      () => store.listStaleMembers('o', new Date(Number.NaN)),
    ]) {
      expect(await rejection(call())).toMatchObject({ code: 'STORE_INVALID_INPUT' })
    }
    expect(fake.keysAsked).toEqual([])
  })

  it('the manual-change lock: refused while mapping is on, in the unit of work, nothing written', async () => {
    const { fake, adapter } = fakeAdapter()
    const store = defineMembershipStore(adapter)
    expect(await store.addManualMember('o', 'g1', 'u', { actor: 'admin' })).toBe(true)
    expect(await store.addManualMember('o', 'g1', 'u')).toBe(false)
    fake.settings = { manageGroupMemberships: true, matchMode: 'exact' }
    const before = fake.audit.length
    for (const call of [
      () => store.addManualMember('o', 'g2', 'u'),
      () => store.removeManualMember('o', 'g1', 'u'),
    ]) {
      const error = await rejection(call())
      expect(error).toBeInstanceOf(ManualMembershipManagementDisabledError)
      expect(error).toMatchObject({ code: 'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED' })
    }
    expect(fake.memberships.map((m) => m.groupId)).toEqual(['g1'])
    expect(fake.audit).toHaveLength(before)
    expect(fake.audit[0]).toMatchObject({
      type: 'membership.added',
      groupId: 'g1',
      groupName: 'dev',
      source: 'manual',
      actor: 'admin',
    })
    fake.settings = { manageGroupMemberships: false, matchMode: 'exact' }
    expect(await rejection(store.addManualMember('o', 'nope', 'u'))).toMatchObject({
      code: 'GROUP_NOT_FOUND',
    })
  })

  it('removeUser writes one event per membership by group id, then user.removed; again, nothing', async () => {
    const { fake, adapter } = fakeAdapter()
    const store = defineMembershipStore(adapter, { now: () => AT })
    fake.settings = { manageGroupMemberships: true, matchMode: 'exact' }
    await store.withLoginSync('o', 'u', ['ops', 'dev'], syncAll(['ops', 'dev']))
    fake.audit = []
    expect(await store.removeUser('o', 'u', { actor: 'hr-bot' })).toEqual({
      removed: true,
      memberships: 2,
    })
    expect(fake.audit.map((e) => [e.type, e.groupId, e.source, e.actor])).toEqual([
      ['membership.removed', 'g1', 'sync', 'hr-bot'],
      ['membership.removed', 'g3', 'sync', 'hr-bot'],
      ['user.removed', undefined, undefined, 'hr-bot'],
    ])
    expect(fake.audit[2]?.detail).toEqual({ memberships: 2 })
    expect(fake.removedAt).toEqual(AT)
    expect(await store.removeUser('o', 'u')).toEqual({ removed: false, memberships: 0 })
    expect(fake.audit).toHaveLength(3)
    const snap = await store.withLoginSync('o', 'u', [], (s) => ({ changes: null, result: s }))
    expect(snap.removedAt).toEqual(AT)
  })

  it('callers cannot append the events only a store writes', async () => {
    const { adapter } = fakeAdapter()
    const store = defineMembershipStore(adapter)
    for (const type of ['user.removed', 'group.created'] as const) {
      const error = await rejection(
        store.withLoginSync('o', 'u', [], () => ({
          changes: { add: [], remove: [], audit: [{ type, orgId: 'o' }] },
          result: null,
        })),
      )
      expect(error).toMatchObject({ code: 'STORE_INVALID_INPUT', path: '/changes/audit/0/type' })
    }
  })

  it('a call whose signal has already aborted is STORE_TIMEOUT before the adapter sees it', async () => {
    const { fake, adapter } = fakeAdapter()
    const store = defineMembershipStore(adapter)
    const signal = AbortSignal.abort(new Error('deadline'))
    const error = await rejection(
      store.withLoginSync('o', 'u', ['dev'], syncAll(['dev']), { signal }),
    )
    expect(error).toMatchObject({ code: 'STORE_TIMEOUT' })
    expect(await rejection(store.addManualMember('o', 'g1', 'u', { signal }))).toMatchObject({
      code: 'STORE_TIMEOUT',
    })
    expect(fake.keysAsked).toEqual([])
    expect(fake.writes).toEqual([])
  })

  it('a closed store refuses every call and closes its adapter once', async () => {
    const { fake, adapter } = fakeAdapter()
    const store = defineLoginSyncStore(adapter)
    await Promise.all([store.close(), store.close()])
    expect(fake.closed).toBe(1)
    expect(await rejection(store.getOrgSettings('o'))).toMatchObject({ code: 'STORE_UNAVAILABLE' })
  })

  it('an adapter that leaves out a membership group is a broken adapter, not a silent diff', async () => {
    const { fake, adapter } = fakeAdapter()
    fake.memberships.push({
      orgId: 'o',
      groupId: 'gone',
      userId: 'u',
      source: 'sync',
      createdAt: AT,
    })
    const store = defineLoginSyncStore(adapter)
    const error = await rejection(
      store.withLoginSync('o', 'u', [], () => ({ changes: null, result: 0 })),
    )
    expect(String(error)).toMatch(/adapter contract broken/)
  })

  it('defineLoginSyncStore gives removeUser only over an adapter with a removal unit: the same checks, events and clock', async () => {
    const { fake, adapter } = fakeAdapter()
    const { readSettings, loginUnit, readLastSync, removeUserUnit } = adapter
    const loginOnly: LoginSyncAdapter = { readSettings, loginUnit, readLastSync }
    const plain = defineLoginSyncStore(loginOnly)
    expect('removeUser' in plain).toBe(false)
    // @ts-expect-error -- the types say it too: a login-only store has no removeUser
    expect(plain.removeUser).toBeUndefined()

    const store = defineLoginSyncStore({ ...loginOnly, removeUserUnit }, { now: () => AT })
    fake.settings = { manageGroupMemberships: true, matchMode: 'exact' }
    await store.withLoginSync('o', 'u', ['ops', 'dev'], syncAll(['ops', 'dev']))
    fake.audit = []
    expect(await rejection(store.removeUser('o', ''))).toMatchObject({
      code: 'STORE_INVALID_INPUT',
      path: '/userId',
    })
    expect(await store.removeUser('o', 'u', { actor: 'hr-bot' })).toEqual({
      removed: true,
      memberships: 2,
    })
    expect(fake.audit.map((e) => [e.type, e.groupId, e.source, e.actor, e.detail])).toEqual([
      ['membership.removed', 'g1', 'sync', 'hr-bot', undefined],
      ['membership.removed', 'g3', 'sync', 'hr-bot', undefined],
      ['user.removed', undefined, undefined, 'hr-bot', { memberships: 2 }],
    ])
    expect(fake.removedAt).toEqual(AT)
    expect(await store.removeUser('o', 'u')).toEqual({ removed: false, memberships: 0 })
    expect(fake.audit).toHaveLength(3)
    const snap = await store.withLoginSync('o', 'u', [], (s) => ({ changes: null, result: s }))
    expect(snap.removedAt).toEqual(AT)

    const broken = defineLoginSyncStore(
      { ...loginOnly, removeUserUnit },
      {
        now: () => new Date(Number.NaN),
      },
    )
    await store.withLoginSync('o', 'v', ['ops'], syncAll(['ops']))
    expect(await rejection(broken.removeUser('o', 'v'))).toMatchObject({
      code: 'STORE_INVALID_INPUT',
    })
    await store.close()
    expect(await rejection(store.removeUser('o', 'v'))).toMatchObject({
      code: 'STORE_UNAVAILABLE',
    })
  })
})
