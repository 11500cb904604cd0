import type { MembershipStore, StoredGroup } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { freshOrgId, must, observeOrg, withStore, type ContractContext } from './context.js'

/** The error the suite throws from a store's fault hook. */
class InjectedFault extends Error {
  constructor(readonly point: string) {
    super(`fault injected at ${point}`)
  }
}

/** What the hook does: nothing, record the points it is called at, or throw at one point once. */
type HookMode =
  | { readonly kind: 'off' }
  | { readonly kind: 'record'; readonly seen: string[] }
  | { readonly kind: 'fail'; readonly at: string; fired: boolean }

interface Fixture {
  readonly orgId: string
  readonly g: readonly StoredGroup[]
}

const USERS = ['alice', 'bob']

/** An org where alice is in g0 (sync) and g2 (manual), was synced once, and mapping is on. */
const setUp = async (store: MembershipStore): Promise<Fixture> => {
  const orgId = freshOrgId('atomic')
  const g = [
    await store.createGroup(orgId, 'g0'),
    await store.createGroup(orgId, 'g1'),
    await store.createGroup(orgId, 'g2'),
  ]
  await store.setOrgSettings(orgId, { manageGroupMemberships: true, matchMode: 'exact' }, [])
  await store.withUserSync(orgId, 'alice', () => ({
    changes: {
      add: [{ groupId: must(g[0], 'g0').id, source: 'sync' }],
      remove: [],
      audit: [{ type: 'membership.added', orgId, userId: 'alice', groupId: must(g[0], 'g0').id }],
      syncedAt: new Date('2024-01-01T00:00:00.000Z'),
    },
    result: undefined,
  }))
  await store.addMember(orgId, must(g[2], 'g2').id, 'alice', 'manual', [])
  return { orgId, g }
}

const id = (f: Fixture, i: number): string => must(f.g[i], `group ${i}`).id

/** Each write the suite breaks: it must change something when it succeeds. */
const OPERATIONS: Record<string, (store: MembershipStore, f: Fixture) => Promise<unknown>> = {
  'a sync (remove, add, audit, last-sync time)': (store, f) =>
    store.withUserSync(f.orgId, 'alice', () => ({
      changes: {
        remove: [id(f, 0)],
        add: [{ groupId: id(f, 1), source: 'sync' }],
        audit: [
          { type: 'membership.removed', orgId: f.orgId, userId: 'alice', groupId: id(f, 0) },
          { type: 'membership.added', orgId: f.orgId, userId: 'alice', groupId: id(f, 1) },
        ],
        syncedAt: new Date('2024-02-02T00:00:00.000Z'),
      },
      result: undefined,
    })),
  'a manual add with its audit event': (store, f) =>
    store.addMember(f.orgId, id(f, 1), 'bob', 'manual', [
      { type: 'membership.added', orgId: f.orgId, userId: 'bob', groupId: id(f, 1) },
    ]),
  'a manual remove with its audit event': (store, f) =>
    store.removeMember(f.orgId, id(f, 2), 'alice', [
      { type: 'membership.removed', orgId: f.orgId, userId: 'alice', groupId: id(f, 2) },
    ]),
  'a group create with its audit event': (store, f) =>
    store.createGroup(f.orgId, 'g3', { actor: 'admin' }),
  'a group rename with its audit event': (store, f) =>
    store.renameGroup(f.orgId, id(f, 0), 'renamed', { actor: 'admin' }),
  'a group delete with its members and their audit events': (store, f) =>
    store.deleteGroup(f.orgId, id(f, 0), { actor: 'admin' }),
  'a settings change with its audit event': (store, f) =>
    store.setOrgSettings(f.orgId, { manageGroupMemberships: false, matchMode: 'exact' }, [
      { type: 'settings.changed', orgId: f.orgId, actor: 'admin' },
    ]),
}

export const describeAtomicityTests = (ctx: ContractContext): void => {
  describe('atomicity under injected faults (testOnlyFaultHook)', () => {
    for (const [name, operation] of Object.entries(OPERATIONS)) {
      it(`${name}: a failure at each fault point leaves no trace, and a retry then succeeds`, () => {
        let mode: HookMode = { kind: 'off' }
        const testOnlyFaultHook = (point: string): void => {
          if (mode.kind === 'record') mode.seen.push(point)
          else if (mode.kind === 'fail' && mode.at === point && !mode.fired) {
            mode.fired = true
            throw new InjectedFault(point)
          }
        }
        return withStore(
          ctx,
          async (store) => {
            // Learn the store's fault points from a run that succeeds.
            const recorded = await setUp(store)
            const seen: string[] = []
            mode = { kind: 'record', seen }
            await operation(store, recorded)
            mode = { kind: 'off' }
            expect(seen.length, 'the store calls its fault hook inside this write').toBeGreaterThan(
              0,
            )

            for (const point of new Set(seen)) {
              const f = await setUp(store)
              const before = await observeOrg(store, f.orgId, USERS)
              const failing: HookMode = { kind: 'fail', at: point, fired: false }
              mode = failing
              const error = await operation(store, f).then(
                () => undefined,
                (e: unknown) => e,
              )
              mode = { kind: 'off' }
              expect(failing.fired, `the fault at ${point} fired`).toBe(true)
              expect(error, `the write failed at ${point}`).toBeInstanceOf(InjectedFault)
              expect(await observeOrg(store, f.orgId, USERS), `no trace after ${point}`).toEqual(
                before,
              )
              await operation(store, f)
              expect(await observeOrg(store, f.orgId, USERS)).not.toEqual(before)
            }
          },
          { testOnlyFaultHook },
        )
      })
    }
  })
}
