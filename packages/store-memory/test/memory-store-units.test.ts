import type { MembershipStore, UserSyncChanges, UserSyncSnapshot } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import {
  createMemoryMembershipStore,
  type MemoryStoreFaultPoint,
} from '../src/memory-membership-store.js'

const ORG = 'org'
const END = new Date('9999-12-31T23:59:59.999Z')

const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (e: unknown) => (e as { code?: unknown }).code ?? e,
  )

const tick = () => new Promise((resolve) => setImmediate(resolve))

/** Everything the store shows about the org, for "nothing was written" checks. */
const observe = async (store: MembershipStore) => {
  const groups = await store.listGroups(ORG)
  return {
    groups,
    settings: await store.getOrgSettings(ORG),
    members: await Promise.all(groups.map((g) => store.listMembers(ORG, g.id))),
    alice: await store.listUserMemberships(ORG, 'alice'),
    stale: await store.listStaleMembers(ORG, END),
    lastSync: await store.readLastSync(ORG, 'alice'),
    audit: await store.listAuditEvents(ORG),
    snapshot: await snapshotOf(store, 'alice', ['g0', 'g1', 'g2']),
  }
}

const snapshotOf = (store: MembershipStore, userId: string, claim: readonly string[]) =>
  store.withLoginSync(ORG, userId, claim, (s) => ({ changes: null, result: s }))

/** A login that applies `changes` for alice. */
const login = (
  store: MembershipStore,
  userId: string,
  changes: (s: UserSyncSnapshot) => UserSyncChanges | null,
  signal?: AbortSignal,
) =>
  store.withLoginSync(
    ORG,
    userId,
    ['g0', 'g1', 'g2'],
    (s) => ({ changes: changes(s), result: s }),
    signal === undefined ? {} : { signal },
  )

const joinAll = (s: UserSyncSnapshot): UserSyncChanges => ({
  add: s.groups.map((g) => ({ groupId: g.id, source: 'sync' })),
  remove: [],
  audit: [],
  syncedAt: new Date('2024-01-01T00:00:00.000Z'),
})

/** A fault hook that, once armed, pauses at one point until released. */
const gate = (at: MemoryStoreFaultPoint) => {
  let armed = false
  let release: () => void = () => undefined
  let reached: () => void = () => undefined
  const reachedP = new Promise<void>((resolve) => (reached = resolve))
  return {
    arm: () => {
      armed = true
    },
    reached: reachedP,
    release: () => {
      release()
    },
    hook: (point: MemoryStoreFaultPoint): Promise<void> | undefined => {
      if (!armed || point !== at) return undefined
      armed = false
      reached()
      return new Promise<void>((resolve) => (release = resolve))
    },
  }
}

describe('memory store: serialisation', () => {
  it('queues one user’s units of work; other users do not wait', async () => {
    const paused = gate('sync:after-add')
    const store = createMemoryMembershipStore({ testOnlyFaultHook: paused.hook })
    await store.createGroup(ORG, 'g0')
    paused.arm()
    const first = login(store, 'alice', joinAll)
    await paused.reached
    const order: string[] = []
    const second = login(store, 'alice', () => null).then((s) => {
      order.push('alice again')
      return s
    })
    await login(store, 'bob', joinAll)
    order.push('bob')
    await tick()
    expect(order).toEqual(['bob'])
    paused.release()
    await first
    // The second login of alice read after the first committed.
    expect((await second).memberships).toHaveLength(1)
    expect(order).toEqual(['bob', 'alice again'])
  })

  it('a group change waits for the logins in progress, which keep what they read', async () => {
    const paused = gate('sync:after-add')
    const store = createMemoryMembershipStore({ testOnlyFaultHook: paused.hook })
    const g0 = await store.createGroup(ORG, 'g0')
    paused.arm()
    const running = login(store, 'alice', joinAll)
    await paused.reached
    let deleted = false
    const deleting = store.deleteGroup(ORG, g0.id).then(() => {
      deleted = true
    })
    await tick()
    expect(deleted).toBe(false)
    paused.release()
    await running
    await deleting
    expect(await store.listUserMemberships(ORG, 'alice')).toEqual([])
    const events = await store.listAuditEvents(ORG)
    expect(events.map((e) => e.type)).toEqual([
      'group.created',
      'membership.removed',
      'group.deleted',
    ])
  })

  it('a signal that aborts while the call waits for its turn ends it in STORE_TIMEOUT', async () => {
    const paused = gate('sync:after-add')
    const store = createMemoryMembershipStore({ testOnlyFaultHook: paused.hook })
    await store.createGroup(ORG, 'g0')
    paused.arm()
    const holding = login(store, 'alice', joinAll)
    await paused.reached
    const controller = new AbortController()
    const queued = codeOf(login(store, 'alice', joinAll, controller.signal))
    controller.abort(new Error('deadline'))
    expect(await queued).toBe('STORE_TIMEOUT')
    paused.release()
    await holding
    expect(await store.listStaleMembers(ORG, END)).toHaveLength(1)
  })

  it('a signal that aborts before the commit ends the call in STORE_TIMEOUT, nothing written', async () => {
    const paused = gate('sync:after-last-sync')
    const store = createMemoryMembershipStore({ testOnlyFaultHook: paused.hook })
    await store.createGroup(ORG, 'g0')
    const before = await observe(store)
    const controller = new AbortController()
    paused.arm()
    const running = codeOf(login(store, 'alice', joinAll, controller.signal))
    await paused.reached
    controller.abort()
    paused.release()
    expect(await running).toBe('STORE_TIMEOUT')
    expect(await observe(store)).toEqual(before)
    expect(await codeOf(store.listGroups(ORG, { signal: AbortSignal.abort() }))).toBe(
      'STORE_TIMEOUT',
    )
  })
})

/** alice in g0 (sync) and g2 (manual), synced once; bob in g1. */
const setUp = async (store: MembershipStore) => {
  const g = [
    await store.createGroup(ORG, 'g0'),
    await store.createGroup(ORG, 'g1'),
    await store.createGroup(ORG, 'g2'),
  ] as const
  await login(store, 'alice', () => ({
    add: [{ groupId: g[0].id, source: 'sync' }],
    remove: [],
    audit: [{ type: 'membership.added', orgId: ORG, userId: 'alice', groupId: g[0].id }],
    syncedAt: new Date('2024-01-01T00:00:00.000Z'),
    tokenIssuedAt: new Date('2023-12-31T23:00:00.000Z'),
  }))
  await store.addManualMember(ORG, g[2].id, 'alice')
  await store.addManualMember(ORG, g[1].id, 'bob')
  return g
}

type Fixture = Awaited<ReturnType<typeof setUp>>

const WRITES: readonly {
  readonly name: string
  readonly points: readonly MemoryStoreFaultPoint[]
  readonly run: (store: MembershipStore, g: Fixture) => Promise<unknown>
}[] = [
  {
    name: 'a login',
    points: ['sync:after-remove', 'sync:after-add', 'sync:after-audit', 'sync:after-last-sync'],
    run: (store, g) =>
      login(store, 'alice', () => ({
        add: [{ groupId: g[1].id, source: 'sync' }],
        remove: [g[0].id],
        audit: [{ type: 'membership.added', orgId: ORG, userId: 'alice', groupId: g[1].id }],
        syncedAt: new Date('2024-02-01T00:00:00.000Z'),
      })),
  },
  {
    name: 'a manual add',
    points: ['add-member:before-commit'],
    run: (store, g) => store.addManualMember(ORG, g[1].id, 'alice', { actor: 'admin' }),
  },
  {
    name: 'a manual remove',
    points: ['remove-member:before-commit'],
    run: (store, g) => store.removeManualMember(ORG, g[2].id, 'alice', { actor: 'admin' }),
  },
  {
    name: 'a user removal',
    points: ['remove-user:before-commit'],
    run: (store) => store.removeUser(ORG, 'alice', { actor: 'admin' }),
  },
  {
    name: 'a settings change',
    points: ['settings:before-commit'],
    run: (store) =>
      store.updateOrgSettings(ORG, (s) => ({
        settings: { ...s, matchMode: 'case-insensitive' },
        audit: [{ type: 'settings.changed', orgId: ORG, actor: 'admin' }],
      })),
  },
  {
    name: 'a group create',
    points: ['group:before-commit'],
    run: (store) => store.createGroup(ORG, 'g3'),
  },
  {
    name: 'a group rename',
    points: ['group:before-commit'],
    run: (store, g) => store.renameGroup(ORG, g[0].id, 'G0'),
  },
  {
    name: 'a group delete',
    points: ['group:before-commit'],
    run: (store, g) => store.deleteGroup(ORG, g[0].id),
  },
]

describe('memory store: all or nothing', () => {
  for (const write of WRITES) {
    for (const point of write.points) {
      it(`${write.name}: a fault at ${point} leaves no trace, and a retry succeeds`, async () => {
        let armed = false
        let fired = false
        const store = createMemoryMembershipStore({
          testOnlyFaultHook: (at) => {
            if (armed && at === point) {
              armed = false
              fired = true
              throw new Error(`injected at ${at}`)
            }
          },
        })
        const g = await setUp(store)
        const before = await observe(store)
        armed = true
        await expect(write.run(store, g)).rejects.toThrow(`injected at ${point}`)
        expect(fired).toBe(true)
        expect(await observe(store)).toEqual(before)
        await write.run(store, g)
        expect(await observe(store)).not.toEqual(before)
      })
    }
  }
})

describe('memory store: user removal', () => {
  it('removes every membership and the last-sync record, and shows the removal time', async () => {
    const removal = new Date('2024-03-01T00:00:00.000Z')
    let clock = new Date('2024-01-01T00:00:00.000Z')
    const store = createMemoryMembershipStore({ now: () => clock })
    const g = await setUp(store)
    clock = removal
    expect(await store.removeUser(ORG, 'alice', { actor: 'hr' })).toEqual({
      removed: true,
      memberships: 2,
    })
    expect(await store.listUserMemberships(ORG, 'alice')).toEqual([])
    expect(await store.readLastSync(ORG, 'alice')).toBeNull()
    expect(await store.listMembers(ORG, g[1].id)).toHaveLength(1)
    const snapshot = await snapshotOf(store, 'alice', ['g0'])
    expect(snapshot.removedAt).toEqual(removal)
    expect(snapshot.lastSyncedAt).toBeNull()
    expect(snapshot.lastTokenIssuedAt).toBeNull()
    expect((await snapshotOf(store, 'bob', [])).removedAt).toBeNull()
    const events = (await store.listAuditEvents(ORG, { userId: 'alice' })).slice(-3)
    const removed = [
      ['membership.removed', g[0].id, 'sync', 'hr'],
      ['membership.removed', g[2].id, 'manual', 'hr'],
    ].sort((a, b) => (a[1]! < b[1]! ? -1 : 1))
    expect(events.map((e) => [e.type, e.groupId, e.source, e.actor])).toEqual([
      ...removed,
      ['user.removed', undefined, undefined, 'hr'],
    ])
    expect(events[2]?.detail).toEqual({ memberships: 2 })
    expect(events.every((e) => e.at.getTime() === removal.getTime())).toBe(true)

    const after = await observe(store)
    expect(await store.removeUser(ORG, 'alice')).toEqual({ removed: false, memberships: 0 })
    expect(await observe(store)).toEqual(after)
    expect(await store.removeUser('elsewhere', 'alice')).toEqual({ removed: false, memberships: 0 })
  })
})

describe('memory store: groups and the slice index', () => {
  it('finds a renamed group under its new name only, and a deleted one nowhere', async () => {
    const store = createMemoryMembershipStore()
    const dev = await store.createGroup(ORG, 'dev')
    await store.createGroup(ORG, 'Dev')
    expect((await snapshotOf(store, 'alice', ['DEV'])).groups.map((g) => g.name)).toEqual([
      'Dev',
      'dev',
    ])
    await store.renameGroup(ORG, dev.id, 'Ops')
    expect((await snapshotOf(store, 'alice', ['dev'])).groups.map((g) => g.name)).toEqual(['Dev'])
    expect((await snapshotOf(store, 'alice', ['ops'])).groups.map((g) => g.id)).toEqual([dev.id])
    await store.deleteGroup(ORG, dev.id)
    expect((await snapshotOf(store, 'alice', ['ops'])).groups).toEqual([])
  })

  it('refuses a name another group has exactly; a case variant or its own name is fine', async () => {
    const store = createMemoryMembershipStore()
    const dev = await store.createGroup(ORG, 'dev')
    const ops = await store.createGroup(ORG, 'ops')
    expect(await codeOf(store.createGroup(ORG, 'dev'))).toBe('GROUP_NAME_TAKEN')
    expect(await codeOf(store.renameGroup(ORG, ops.id, 'dev'))).toBe('GROUP_NAME_TAKEN')
    await store.createGroup(ORG, 'DEV')
    await store.renameGroup(ORG, dev.id, 'dev')
    await store.renameGroup(ORG, ops.id, 'Dev')
    expect((await store.listGroups(ORG)).map((g) => g.name)).toEqual(['DEV', 'Dev', 'dev'])
    expect(await codeOf(store.renameGroup(ORG, 'nope', 'x'))).toBe('GROUP_NOT_FOUND')
    expect(await codeOf(store.deleteGroup('elsewhere', dev.id))).toBe('GROUP_NOT_FOUND')
    expect(await codeOf(store.listMembers(ORG, 'nope'))).toBe('GROUP_NOT_FOUND')
  })
})

describe('memory store: nothing shared with callers', () => {
  it('keeps its own copy of a login’s audit events', async () => {
    const store = createMemoryMembershipStore()
    const detail = { claim: ['dev'] }
    await login(store, 'alice', () => ({
      add: [],
      remove: [],
      audit: [{ type: 'sync.denied', orgId: ORG, userId: 'alice', detail }],
    }))
    detail.claim.push('edited')
    const [first] = await store.listAuditEvents(ORG)
    expect(first?.detail).toEqual({ claim: ['dev'] })
    ;(first?.detail as { claim: string[] }).claim.push('edited again')
    expect((await store.listAuditEvents(ORG))[0]?.detail).toEqual({ claim: ['dev'] })
  })

  it('stores the settings it was handed as its own', async () => {
    const store = createMemoryMembershipStore()
    const chosen = { manageGroupMemberships: true, matchMode: 'exact' as const }
    await store.updateOrgSettings(ORG, () => ({ settings: chosen, audit: [] }))
    ;(chosen as { matchMode: string }).matchMode = 'case-insensitive'
    const read = await store.getOrgSettings(ORG)
    expect(read?.matchMode).toBe('exact')
    ;(read as { manageGroupMemberships: boolean }).manageGroupMemberships = false
    expect((await store.getOrgSettings(ORG))?.manageGroupMemberships).toBe(true)
  })
})

describe('memory store: clock and close', () => {
  it('refuses a clock outside the years 1 to 9999 and writes nothing', async () => {
    const store = createMemoryMembershipStore({ now: () => new Date(Number.NaN) })
    expect(await codeOf(store.createGroup(ORG, 'dev'))).toBe('STORE_INVALID_INPUT')
    expect(await store.listGroups(ORG)).toEqual([])
  })

  it('rejects calls once closed', async () => {
    const store = createMemoryMembershipStore()
    await store.createGroup(ORG, 'dev')
    await store.close()
    expect(await codeOf(store.listGroups(ORG))).toBe('STORE_UNAVAILABLE')
    await store.close()
  })
})
