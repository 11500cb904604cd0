import {
  createMemoryMembershipStore,
  type MemoryMembershipStoreOptions,
} from '@groupsync/store-memory'
import { describe, expect, it } from 'vitest'
import { createMembershipAdmin, syncOnLogin } from '../src/index.js'

/** Where the memory store calls its test-only fault hook. */
type MemoryStoreFaultPoint = Parameters<
  NonNullable<MemoryMembershipStoreOptions['testOnlyFaultHook']>
>[0]

// The memory store can inject a crash between the writes of a unit of work; the Postgres stores
// prove the same in the store contract suite. Here: a sync that fails half-way leaves no trace.
describe('a sync is all or nothing (memory store with injected faults)', () => {
  const points: MemoryStoreFaultPoint[] = [
    'sync:after-remove',
    'sync:after-add',
    'sync:after-audit',
    'sync:after-last-sync',
  ]

  it.each(points)('a crash at %s writes nothing and returns a coded error', async (point) => {
    let armed = false
    const store = createMemoryMembershipStore({
      testOnlyFaultHook: (at) => {
        if (armed && at === point) throw new Error(`injected crash at ${at}`)
      },
    })
    const admin = createMembershipAdmin({ store })
    const dev = await admin.createGroup('org', 'dev')()
    await admin.createGroup('org', 'ops')()
    await admin.setManageGroupMemberships('org', true)()
    const first = await syncOnLogin(
      { orgId: 'org', userId: 'u', claims: { groups: ['dev'] } },
      { store },
    )()
    expect(first._tag).toBe('Right')
    const eventsBefore = await store.listAuditEvents('org')
    const staleBefore = await store.listStaleMembers('org', new Date('9999-01-01T00:00:00Z'))

    armed = true
    const failed = await syncOnLogin(
      { orgId: 'org', userId: 'u', claims: { groups: ['ops'] } },
      { store },
    )()
    expect(failed._tag === 'Left' && failed.left.code).toBe('SYNC_FAILED')
    const memberships = await store.listUserMemberships('org', 'u')
    expect(memberships.map((m) => m.groupId)).toEqual([dev._tag === 'Right' ? dev.right.id : ''])
    expect(await store.listAuditEvents('org')).toEqual(eventsBefore)
    expect(await store.listStaleMembers('org', new Date('9999-01-01T00:00:00Z'))).toEqual(
      staleBefore,
    )
  })
})
