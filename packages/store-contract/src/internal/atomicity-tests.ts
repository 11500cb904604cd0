import type { MembershipStore } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { must, observeOrg, rejectionOf } from './context.js'
import { InjectedFault, faultHook, type FaultHook } from './fault-hook.js'
import {
  applyLogin,
  observeLogin,
  withLogin,
  type LoginContext,
  type LoginHarness,
} from './login-harness.js'

/** An org where alice is in g0 (sync) and g2 (manual) and was synced once; bob in none. */
interface Fixture {
  readonly orgId: string
  readonly ids: readonly string[]
  readonly alice: string
  readonly bob: string
}

const usersOf = (f: Fixture) => [f.alice, f.bob]

const id = (f: Fixture, i: number): string => must(f.ids[i], `group ${i}`)

/**
 * Breaks `operation` at each fault point it passes: first records the points of a successful
 * run, then for each point sets up afresh, throws there, checks that nothing changed, and that
 * the same operation then succeeds and does change something.
 */
const expectAtomic = async <F>(
  hook: FaultHook,
  setUp: () => Promise<F>,
  observe: (f: F) => Promise<unknown>,
  operation: (f: F) => Promise<unknown>,
): Promise<void> => {
  const recorded = await setUp()
  const seen = hook.record()
  await operation(recorded)
  hook.off()
  expect(seen.length, 'the store calls its fault hook inside this write').toBeGreaterThan(0)
  for (const point of new Set(seen)) {
    const f = await setUp()
    const before = await observe(f)
    const failing = hook.failAt(point)
    const error = await rejectionOf(operation(f))
    hook.off()
    expect(failing.fired(), `the fault at ${point} fired`).toBe(true)
    expect(error, `the write failed at ${point}`).toBeInstanceOf(InjectedFault)
    expect(await observe(f), `no trace after ${point}`).toEqual(before)
    await operation(f)
    expect(await observe(f)).not.toEqual(before)
  }
}

/**
 * An org where alice is in g0 (sync) and g2 (manual) and was synced once, bob in none; with
 * mapping on for a login (whose unit is what breaks), off for the admin writes (manual changes).
 */
const setUp = async (h: LoginHarness, mapping: boolean): Promise<Fixture> => {
  const { newOrg, user } = h.kit
  const orgId = newOrg('atomic')
  const ids: string[] = []
  for (const n of ['g0', 'g1', 'g2']) ids.push((await h.seed.createGroup(orgId, n)).id)
  const f = { orgId, ids, alice: user('alice'), bob: user('bob') }
  await h.seed.addMembership(orgId, id(f, 0), f.alice, 'sync')
  await h.seed.addMembership(orgId, id(f, 2), f.alice, 'manual')
  if (mapping) {
    await h.seed.setSettings(orgId, { manageGroupMemberships: true, matchMode: 'exact' })
  }
  await applyLogin(h.store, orgId, f.alice, [], { syncedAt: new Date('2024-01-01T00:00:00.000Z') })
  return f
}

const LOGIN = 'a login (remove, add, audit, last-sync and token times)'

/** Atomicity of the login unit, for a store that calls the fault hook. */
export const describeLoginAtomicityTests = (ctx: LoginContext): void => {
  if (!ctx.faultHook) return
  describe('atomicity under injected faults (testOnlyFaultHook)', () => {
    it(`${LOGIN}: a failure at each fault point leaves no trace, and a retry then succeeds`, () => {
      const hook = faultHook()
      return withLogin(
        ctx,
        async (h) => {
          const { user } = h.kit
          await expectAtomic(
            hook,
            () => setUp(h, true),
            (f) => observeLogin(h, f.orgId, usersOf(f)),
            (f) =>
              applyLogin(h.store, f.orgId, user('alice'), ['g1'], {
                remove: [id(f, 0)],
                add: [{ groupId: id(f, 1), source: 'sync' }],
                audit: [
                  {
                    type: 'membership.removed',
                    orgId: f.orgId,
                    userId: user('alice'),
                    groupId: id(f, 0),
                  },
                  {
                    type: 'membership.added',
                    orgId: f.orgId,
                    userId: user('alice'),
                    groupId: id(f, 1),
                  },
                ],
                syncedAt: new Date('2024-02-02T00:00:00.000Z'),
                tokenIssuedAt: new Date('2024-02-01T23:59:00.000Z'),
              }),
          )
        },
        { testOnlyFaultHook: hook.hook },
      )
    })
  })
}

/** Each admin write the suite breaks: it must change something when it succeeds. */
const OPERATIONS: Record<string, (store: MembershipStore, f: Fixture) => Promise<unknown>> = {
  'a manual add with its audit event': (store, f) =>
    store.addManualMember(f.orgId, id(f, 1), f.bob, { actor: 'admin' }),
  'a manual remove with its audit event': (store, f) =>
    store.removeManualMember(f.orgId, id(f, 2), f.alice, { actor: 'admin' }),
  'a group create with its audit event': (store, f) =>
    store.createGroup(f.orgId, 'g3', { actor: 'admin' }),
  'a group rename with its audit event': (store, f) =>
    store.renameGroup(f.orgId, id(f, 0), 'renamed', { actor: 'admin' }),
  'a group delete with its members and their audit events': (store, f) =>
    store.deleteGroup(f.orgId, id(f, 0), { actor: 'admin' }),
  'a settings change with its audit event': (store, f) =>
    store.updateOrgSettings(f.orgId, (current) => ({
      settings: { ...current, manageGroupMemberships: true },
      audit: [{ type: 'settings.changed', orgId: f.orgId, actor: 'admin' }],
    })),
  'a user removal (every membership, the last sync, the events, the removal time)': (store, f) =>
    store.removeUser(f.orgId, f.alice, { actor: 'admin' }),
}

/** Atomicity of the admin role's writes. */
export const describeAtomicityTests = (ctx: LoginContext): void => {
  describe('atomicity under injected faults (testOnlyFaultHook)', () => {
    for (const [name, operation] of Object.entries(OPERATIONS)) {
      it(`${name}: a failure at each fault point leaves no trace, and a retry then succeeds`, () => {
        const hook = faultHook()
        return withLogin(
          ctx,
          (h) => {
            const store = must(h.admin, 'a store with the admin role')
            return expectAtomic(
              hook,
              () => setUp(h, false),
              async (f) => ({
                org: await observeOrg(store, f.orgId, usersOf(f)),
                // A removal leaves its time behind: the next login's snapshot shows it.
                removedAt: (await applyLogin(store, f.orgId, f.alice, [], {})).removedAt,
              }),
              (f) => operation(store, f),
            )
          },
          { testOnlyFaultHook: hook.hook },
        )
      })
    }
  })
}
