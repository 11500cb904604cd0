import type { OrgGroup } from '@groupsync/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { expectStoreError, groupIdsOf, must, timeoutAfter, turn } from './context.js'
import { faultHook, type Held } from './fault-hook.js'
import {
  applyLogin,
  pairsOf,
  withLogin,
  type LoginContext,
  type LoginHarness,
} from './login-harness.js'
import { replayAudit } from './model.js'
import {
  GROUP_NAMES,
  claimArb,
  loginChangesFor,
  recordingLogins,
  replaySerially,
  type MemberState,
} from './serial-order.js'

const CONCURRENT_SYNCS = 50
/** Queued calls of one user in the burst test: more than a pool has connections. */
const BURST = 30
const BASE_TIME = Date.parse('2025-01-01T00:00:00.000Z')

/** Groups of GROUP_NAMES; bob and carol are members of some, alice (manual) of one. */
const setUpOrg = async (
  { seed, kit: { user } }: LoginHarness,
  orgId: string,
): Promise<OrgGroup[]> => {
  const groups: OrgGroup[] = []
  for (const name of GROUP_NAMES)
    groups.push({ id: (await seed.createGroup(orgId, name)).id, name })
  const idOf = (i: number) => must(groups[i], `group ${i}`).id
  await seed.addMembership(orgId, idOf(0), user('bob'), 'manual')
  await seed.addMembership(orgId, idOf(1), user('carol'), 'sync')
  await seed.addMembership(orgId, idOf(2), user('carol'), 'manual')
  await seed.addMembership(orgId, idOf(3), user('alice'), 'manual')
  return groups
}

/** Releases a held unit of work even when the test fails, so the store can close. */
const releasing = async (held: Held | undefined, fn: () => Promise<void>): Promise<void> => {
  try {
    await fn()
  } finally {
    held?.release()
  }
}

/** Concurrency of the login unit: one user's logins serialised, other users never waiting. */
export const describeLoginConcurrencyTests = (ctx: LoginContext): void => {
  describe('withLoginSync: concurrency', () => {
    it(
      `${CONCURRENT_SYNCS} concurrent logins of one user run one after another: each sees exactly the writes of the one before, and the last one's state remains`,
      () =>
        withLogin(ctx, async (h) => {
          const { newOrg, user } = h.kit
          await fc.assert(
            fc.asyncProperty(
              fc.array(claimArb, { minLength: CONCURRENT_SYNCS, maxLength: CONCURRENT_SYNCS }),
              async (claims) => {
                const orgId = newOrg('concurrent')
                const groups = await setUpOrg(h, orgId)
                const start = pairsOf(await h.seed.listMemberships(orgId, user('alice')))
                const others = () =>
                  Promise.all(
                    [user('bob'), user('carol')].map((u) => h.seed.listMemberships(orgId, u)),
                  )
                const othersBefore = await others()
                const auditBefore = (await h.seed.listAuditEvents?.(orgId))?.length ?? 0
                const { login, ran: ranInOrder } = recordingLogins(
                  h.store,
                  orgId,
                  user('alice'),
                  BASE_TIME,
                )
                const results = await Promise.all(claims.map(login))
                expect(results).toEqual(claims.map((_, i) => i))
                // Serialised: in the order they ran, each saw what the one before left.
                const state: MemberState = new Map(start)
                const ran = ranInOrder()
                expect(ran).toHaveLength(CONCURRENT_SYNCS)
                replaySerially(ran, state, null, BASE_TIME)
                const last = must(ran.at(-1), 'a login').call
                const end = groupIdsOf(await h.seed.listMemberships(orgId, user('alice')))
                // Exactly the state the last login asked for.
                expect(end).toEqual(
                  groups
                    .filter((g) => must(claims[last], 'a claim').includes(g.name))
                    .map((g) => g.id)
                    .sort(),
                )
                expect(end).toEqual([...state.keys()].sort())
                expect(
                  (await h.store.readLastSync(orgId, user('alice')))?.lastSyncedAt.getTime(),
                ).toBe(BASE_TIME + last)
                // The audit log replays, event by event, from the start to the end state.
                const log = await h.seed.listAuditEvents?.(orgId)
                if (log !== undefined) {
                  const replayed = replayAudit(
                    start.map(([id]) => id),
                    log.slice(auditBefore),
                    user('alice'),
                  )
                  expect(typeof replayed === 'string' ? replayed : [...replayed].sort()).toEqual(
                    end,
                  )
                }
                expect(await others()).toEqual(othersBefore)
              },
            ),
            { numRuns: ctx.options.concurrencyRuns },
          )
        }),
      ctx.options.slowTestTimeoutMs,
    )

    it('of two concurrent logins of one user, the later sees the writes of the earlier', () =>
      withLogin(ctx, async ({ store, seed, kit: { newOrg, user } }) => {
        const orgId = newOrg('sequence')
        const groups = [await seed.createGroup(orgId, 'g0'), await seed.createGroup(orgId, 'g1')]
        const seen = new Map<number, { readonly order: number; readonly had: string[] }>()
        let order = 0
        // Which of the two runs first is up to the store; the second must see the first's writes.
        await Promise.all(
          groups.map((g, i) =>
            store.withLoginSync(orgId, user('alice'), ['g0', 'g1'], (snap) => {
              seen.set(i, { order: (order += 1), had: snap.memberships.map((m) => m.groupId) })
              return {
                changes: {
                  add: [{ groupId: g.id, source: 'sync' as const }],
                  remove: [],
                  audit: [],
                  syncedAt: new Date(BASE_TIME + i),
                },
                result: undefined,
              }
            }),
          ),
        )
        const [first, second] = [...seen].sort(([, a], [, b]) => a.order - b.order)
        const [firstCall, firstSaw] = must(first, 'the first login')
        const [secondCall, secondSaw] = must(second, 'the second login')
        expect(firstSaw.had).toEqual([])
        expect(secondSaw.had).toEqual([must(groups[firstCall], 'the first group').id])
        expect((await store.readLastSync(orgId, user('alice')))?.lastSyncedAt.getTime()).toBe(
          BASE_TIME + secondCall,
        )
      }))

    it('a login whose signal has already aborted ends in STORE_TIMEOUT without running decide', () =>
      withLogin(ctx, async ({ store, seed, kit: { newOrg, user } }) => {
        const orgId = newOrg('aborted')
        const g = await seed.createGroup(orgId, 'g')
        let decided = false
        await expectStoreError(
          store.withLoginSync(
            orgId,
            user('alice'),
            ['g'],
            () => {
              decided = true
              return {
                changes: { add: [{ groupId: g.id, source: 'sync' }], remove: [], audit: [] },
                result: undefined,
              }
            },
            { signal: AbortSignal.abort() },
          ),
          'STORE_TIMEOUT',
        )
        expect(decided).toBe(false)
        expect(await seed.listMemberships(orgId, user('alice'))).toEqual([])
        expect(await applyLogin(store, orgId, user('alice'), [], {})).toMatchObject({ orgId })
      }))

    if (ctx.faultHook) describeHeldLoginTests(ctx)
    if (!ctx.faultHook || !ctx.options.parallelUsers) describeManyUsersTest(ctx)
  })
}

/** Tests that hold one login open inside its unit of work (through the fault hook). */
const describeHeldLoginTests = (ctx: LoginContext): void => {
  const withHook = (fn: (h: LoginHarness, hook: ReturnType<typeof faultHook>) => Promise<void>) => {
    const hook = faultHook()
    return withLogin(ctx, (h) => fn(h, hook), { testOnlyFaultHook: hook.hook })
  }

  it('a call whose signal aborts while it waits behind the same user ends in STORE_TIMEOUT and writes nothing', () =>
    withHook(async ({ store, seed, kit: { newOrg, user } }, hook) => {
      const orgId = newOrg('abort')
      await seed.createGroup(orgId, 'g')
      const firstAt = new Date(BASE_TIME)
      let first: Promise<unknown> = Promise.resolve()
      const held = await hook.holdNext(() => {
        first = applyLogin(store, orgId, user('alice'), [], { syncedAt: firstAt })
      })
      let decided = false
      await releasing(held, async () => {
        const controller = new AbortController()
        const queued = store.withLoginSync(
          orgId,
          user('alice'),
          ['g'],
          (snap) => {
            decided = true
            return { changes: loginChangesFor(snap, ['g'], new Date()), result: 'queued' }
          },
          { signal: controller.signal },
        )
        await turn()
        controller.abort(new Error('the caller gave up'))
        await expectStoreError(queued, 'STORE_TIMEOUT')
      })
      await first
      expect(decided).toBe(false)
      expect(await seed.listMemberships(orgId, user('alice'))).toEqual([])
      expect((await store.readLastSync(orgId, user('alice')))?.lastSyncedAt).toEqual(firstAt)
      // The user's queue still works afterwards.
      expect(
        await store.withLoginSync(orgId, user('alice'), [], () => ({
          changes: null,
          result: 'next',
        })),
      ).toBe('next')
    }))

  if (!ctx.options.parallelUsers) return

  it('another user does not wait while one user has many calls queued (queued calls hold no connection)', () =>
    withHook(async ({ store, seed, kit: { newOrg, user } }, hook) => {
      const orgId = newOrg('burst')
      const g = await seed.createGroup(orgId, 'g')
      const burst: Promise<number>[] = []
      const held = await hook.holdNext(() => {
        burst.push(
          applyLogin(store, orgId, user('busy'), [], { syncedAt: new Date() }).then(() => 0),
        )
      })
      let outcome: string | undefined
      await releasing(held, async () => {
        // More queued calls of one user than any pool has connections.
        for (let i = 1; i <= BURST; i++) {
          burst.push(
            store.withLoginSync(orgId, user('busy'), [], () => ({ changes: null, result: i })),
          )
        }
        await turn()
        const stuck = timeoutAfter(20_000, 'the other user waited behind the burst')
        const other = store.withLoginSync(orgId, user('other'), ['g'], (snap) => ({
          changes: loginChangesFor(snap, ['g'], new Date(BASE_TIME)),
          result: 'other synced',
        }))
        outcome = await Promise.race([other, stuck.promise])
        stuck.cancel()
      })
      expect(await Promise.all(burst)).toEqual(Array.from({ length: BURST + 1 }, (_, i) => i))
      expect(outcome).toBe('other synced')
      expect(groupIdsOf(await seed.listMemberships(orgId, user('other')))).toEqual([g.id])
    }))

  it('logins of different users do not wait for each other', () =>
    withHook(async ({ store, seed, kit: { newOrg, user } }, hook) => {
      const orgId = newOrg('parallel')
      const g = await seed.createGroup(orgId, 'g')
      let alice: Promise<unknown> = Promise.resolve()
      const held = await hook.holdNext(() => {
        alice = applyLogin(store, orgId, user('alice'), ['g'], {
          add: [{ groupId: g.id, source: 'sync' }],
        })
      })
      let outcome: string | undefined
      await releasing(held, async () => {
        // Alice is inside her unit of work; Bob's must not wait for it to end.
        const stuck = timeoutAfter(20_000, 'one user waited for the other')
        const bob = applyLogin(store, orgId, user('bob'), ['g'], {
          add: [{ groupId: g.id, source: 'sync' }],
        }).then(() => 'bob synced')
        outcome = await Promise.race([bob, stuck.promise])
        stuck.cancel()
        // Alice's unit has not committed while it is held.
        expect(await seed.listMemberships(orgId, user('alice'))).toEqual([])
      })
      await alice
      expect(outcome).toBe('bob synced')
      expect(groupIdsOf(await seed.listMemberships(orgId, user('alice')))).toEqual([g.id])
    }))
}

/** Logins of many users at once all complete (a store on one connection runs them in turn). */
const describeManyUsersTest = (ctx: LoginContext): void => {
  it('concurrent logins of many users all complete', () =>
    withLogin(ctx, async ({ store, seed, kit: { newOrg, user } }) => {
      const orgId = newOrg('serial')
      const g = await seed.createGroup(orgId, 'g')
      const users = Array.from({ length: 10 }, (_, i) => user(`user-${i}`))
      expect(
        await Promise.all(
          users.map((u) =>
            store.withLoginSync(orgId, u, ['g'], (snap) => ({
              changes: loginChangesFor(snap, ['g'], new Date(BASE_TIME)),
              result: u,
            })),
          ),
        ),
      ).toEqual(users)
      for (const u of users) {
        expect(groupIdsOf(await seed.listMemberships(orgId, u))).toEqual([g.id])
      }
    }))
}
