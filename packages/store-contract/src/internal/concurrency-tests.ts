import {
  computeMembershipDiff,
  type AuditEventInput,
  type MembershipStore,
  type StoredGroup,
  type UserSyncChanges,
  type UserSyncSnapshot,
} from '@groupsync/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  END_OF_TIME,
  expectStoreError,
  freshOrgId,
  groupIdsOf,
  must,
  withStore,
  type ContractContext,
} from './context.js'
import { replayAudit } from './model.js'

const GROUP_NAMES = ['eng', 'Eng', "o'ps", '100%', 'back\\slash', '😀'] as const
const CONCURRENT_SYNCS = 50
/** Queued calls of one user in the burst test: more than a pool has connections. */
const BURST = 30
const BASE_TIME = Date.parse('2025-01-01T00:00:00.000Z')

/** The changes and audit events of a login sync with the given claim, as the sync service makes. */
const syncChangesFor = (
  snap: UserSyncSnapshot,
  claim: readonly string[],
  syncedAt: Date,
): UserSyncChanges => {
  const diff = computeMembershipDiff(
    claim,
    snap.groups,
    snap.memberships.map((m) => m.groupId),
  )
  const event = (type: AuditEventInput['type'], g: StoredGroup): AuditEventInput => ({
    type,
    orgId: snap.orgId,
    userId: snap.userId,
    groupId: g.id,
    groupName: g.name,
    source: 'sync',
  })
  return {
    add: diff.toAdd.map((g) => ({ groupId: g.id, source: 'sync' })),
    remove: diff.toRemove.map((g) => g.id),
    audit: [
      ...diff.toRemove.map((g) => event('membership.removed', g)),
      ...diff.toAdd.map((g) => event('membership.added', g)),
    ],
    syncedAt,
  }
}

/** A promise with its resolve function (Promise.withResolvers needs Node 22). */
const deferred = () => {
  let resolve: () => void = () => undefined
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** Yields to the event loop, so that anything else runnable gets a chance to run meanwhile. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

const claimArb: fc.Arbitrary<string[]> = fc.array(
  fc.oneof(fc.constantFrom(...GROUP_NAMES), fc.constantFrom('unmatched', 'ENG', '')),
  { maxLength: 8 },
)

const setUpOrg = async (store: MembershipStore, orgId: string) => {
  const groups: StoredGroup[] = []
  for (const n of GROUP_NAMES) groups.push(await store.createGroup(orgId, n))
  const idOf = (i: number) => must(groups[i], `group ${i}`).id
  await store.addMember(orgId, idOf(0), 'bob', 'manual', [])
  await store.addMember(orgId, idOf(1), 'carol', 'sync', [])
  await store.addMember(orgId, idOf(2), 'carol', 'manual', [])
  await store.addMember(orgId, idOf(3), 'alice', 'manual', [])
  return groups
}

export const describeConcurrencyTests = (ctx: ContractContext): void => {
  describe('concurrency', () => {
    it(
      `${CONCURRENT_SYNCS} concurrent syncs of one user run one at a time and end in the state of the last one`,
      () =>
        withStore(ctx, async (store) => {
          await fc.assert(
            fc.asyncProperty(
              fc.array(claimArb, { minLength: CONCURRENT_SYNCS, maxLength: CONCURRENT_SYNCS }),
              async (claims) => {
                const orgId = freshOrgId('concurrent')
                const groups = await setUpOrg(store, orgId)
                const start = groupIdsOf(await store.listUserMemberships(orgId, 'alice'))
                const othersBefore = await Promise.all(
                  ['bob', 'carol'].map((u) => store.listUserMemberships(orgId, u)),
                )
                const auditBefore = (await store.listAuditEvents(orgId)).length
                let inFlight = 0
                let maxInFlight = 0
                const decided: number[] = []
                await Promise.all(
                  claims.map((claim, i) =>
                    store.withUserSync(orgId, 'alice', async (snap) => {
                      inFlight += 1
                      maxInFlight = Math.max(maxInFlight, inFlight)
                      decided.push(i)
                      // Hold the unit of work open across event-loop turns: an unserialised
                      // store would start another decide meanwhile.
                      await turn()
                      await turn()
                      inFlight -= 1
                      return {
                        changes: syncChangesFor(snap, claim, new Date(BASE_TIME + i)),
                        result: i,
                      }
                    }),
                  ),
                )
                expect(maxInFlight).toBe(1)
                expect(new Set(decided).size).toBe(CONCURRENT_SYNCS)
                const last = must(decided.at(-1), 'a sync')
                const expected = groups
                  .filter((g) => must(claims[last], 'a claim').includes(g.name))
                  .map((g) => g.id)
                  .sort()
                const end = groupIdsOf(await store.listUserMemberships(orgId, 'alice'))
                // Exactly the state one of the syncs asked for: the one that ran last.
                expect(end).toEqual(expected)
                const [stale] = (await store.listStaleMembers(orgId, END_OF_TIME)).filter(
                  (s) => s.userId === 'alice',
                )
                expect(stale?.lastSyncedAt.getTime()).toBe(BASE_TIME + last)
                // The audit log replays, event by event, from the start to the end state.
                const audit = (await store.listAuditEvents(orgId)).slice(auditBefore)
                const replayed = replayAudit(start, audit, 'alice')
                expect(typeof replayed === 'string' ? replayed : [...replayed].sort()).toEqual(end)
                // Other users' memberships are untouched.
                const othersAfter = await Promise.all(
                  ['bob', 'carol'].map((u) => store.listUserMemberships(orgId, u)),
                )
                expect(othersAfter).toEqual(othersBefore)
              },
            ),
            { numRuns: ctx.options.concurrencyRuns },
          )
        }),
      ctx.options.slowTestTimeoutMs,
    )

    it('of two concurrent syncs of one user, the later sees the writes of the earlier', () =>
      withStore(ctx, async (store) => {
        const orgId = freshOrgId('sequence')
        const groups = [await store.createGroup(orgId, 'g0'), await store.createGroup(orgId, 'g1')]
        const seen: { readonly i: number; readonly had: string[] }[] = []
        // Which of the two runs first is up to the store; the second must see the first's writes.
        await Promise.all(
          groups.map((g, i) =>
            store.withUserSync(orgId, 'alice', async (snap) => {
              seen.push({ i, had: snap.memberships.map((m) => m.groupId) })
              await turn()
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
        const [first, second] = [must(seen[0], 'first'), must(seen[1], 'second')]
        expect(first.had).toEqual([])
        expect(second.had).toEqual([must(groups[first.i], 'the first group').id])
        const [stale] = await store.listStaleMembers(orgId, END_OF_TIME)
        expect(stale?.lastSyncedAt.getTime()).toBe(BASE_TIME + second.i)
      }))

    it('a call whose signal aborts while it waits behind the same user ends in STORE_TIMEOUT and writes nothing', () =>
      withStore(ctx, async (store) => {
        const orgId = freshOrgId('abort')
        const g = await store.createGroup(orgId, 'g')
        const release = deferred()
        const entered = deferred()
        const first = store.withUserSync(orgId, 'alice', async () => {
          entered.resolve()
          await release.promise
          return { changes: null, result: 'first' }
        })
        await entered.promise
        const controller = new AbortController()
        let decided = false
        const queued = store.withUserSync(
          orgId,
          'alice',
          (snap) => {
            decided = true
            return {
              changes: syncChangesFor(snap, ['g'], new Date(BASE_TIME)),
              result: 'queued',
            }
          },
          { signal: controller.signal },
        )
        await turn()
        controller.abort(new Error('the caller gave up'))
        await expectStoreError(queued, 'STORE_TIMEOUT')
        release.resolve()
        expect(await first).toBe('first')
        expect(decided).toBe(false)
        expect(await store.listUserMemberships(orgId, 'alice')).toEqual([])
        expect(await store.listStaleMembers(orgId, END_OF_TIME)).toEqual([])
        // A signal that has already aborted stops the call before it does anything.
        await expectStoreError(
          store.addMember(orgId, g.id, 'bob', 'manual', [], { signal: AbortSignal.abort() }),
          'STORE_TIMEOUT',
        )
        await expectStoreError(
          store.createGroup(orgId, 'h', { signal: AbortSignal.abort() }),
          'STORE_TIMEOUT',
        )
        expect((await store.listGroups(orgId)).map((x) => x.name)).toEqual(['g'])
        expect(await store.listMembers(orgId, g.id)).toEqual([])
        // The user's queue still works afterwards.
        expect(
          await store.withUserSync(orgId, 'alice', () => ({ changes: null, result: 'next' })),
        ).toBe('next')
      }))

    if (ctx.options.parallelUsers) {
      it('another user does not wait while one user has many calls queued (queued calls hold no connection)', () =>
        withStore(ctx, async (store) => {
          const orgId = freshOrgId('burst')
          const g = await store.createGroup(orgId, 'g')
          const release = deferred()
          const entered = deferred()
          const burst = [
            store.withUserSync(orgId, 'busy', async () => {
              entered.resolve()
              await release.promise
              return { changes: null, result: 0 }
            }),
          ]
          await entered.promise
          // More queued calls of one user than any pool has connections.
          for (let i = 1; i <= BURST; i++) {
            burst.push(store.withUserSync(orgId, 'busy', () => ({ changes: null, result: i })))
          }
          await turn()
          let timer: NodeJS.Timeout | undefined
          const stuck = new Promise<string>((resolve) => {
            timer = setTimeout(() => {
              resolve('the other user waited behind the burst')
            }, 20_000)
          })
          const other = store.withUserSync(orgId, 'other', (snap) => ({
            changes: syncChangesFor(snap, ['g'], new Date(BASE_TIME)),
            result: 'other synced',
          }))
          const outcome = await Promise.race([other, stuck])
          clearTimeout(timer)
          release.resolve()
          expect(await Promise.all(burst)).toEqual(Array.from({ length: BURST + 1 }, (_, i) => i))
          expect(outcome).toBe('other synced')
          expect((await store.listMembers(orgId, g.id)).map((m) => m.userId)).toEqual(['other'])
        }))

      it('syncs of different users do not wait for each other', () =>
        withStore(ctx, async (store) => {
          const orgId = freshOrgId('parallel')
          await store.createGroup(orgId, 'g')
          // Each decide waits until the other user's decide has started: a store that made one
          // user wait for another would never get there.
          const started = { alice: deferred(), bob: deferred() }
          const sync = (me: 'alice' | 'bob', other: 'alice' | 'bob') =>
            store.withUserSync(orgId, me, async () => {
              started[me].resolve()
              await started[other].promise
              return { changes: null, result: me }
            })
          let timer: NodeJS.Timeout | undefined
          const stuck = new Promise<string>((resolve) => {
            timer = setTimeout(() => {
              resolve('one user waited for the other')
            }, 20_000)
          })
          const outcome = await Promise.race([
            Promise.all([sync('alice', 'bob'), sync('bob', 'alice')]).then((r) => r.join()),
            stuck,
          ])
          clearTimeout(timer)
          expect(outcome).toBe('alice,bob')
        }))
    } else {
      it('syncs of different users all complete, one at a time (single-connection store)', () =>
        withStore(ctx, async (store) => {
          const orgId = freshOrgId('serial')
          const g = await store.createGroup(orgId, 'g')
          let inFlight = 0
          let maxInFlight = 0
          const users = Array.from({ length: 10 }, (_, i) => `user-${i}`)
          await Promise.all(
            users.map((u) =>
              store.withUserSync(orgId, u, async (snap) => {
                inFlight += 1
                maxInFlight = Math.max(maxInFlight, inFlight)
                await turn()
                inFlight -= 1
                return { changes: syncChangesFor(snap, ['g'], new Date(BASE_TIME)), result: u }
              }),
            ),
          )
          expect(maxInFlight).toBe(1)
          expect((await store.listMembers(orgId, g.id)).map((m) => m.userId)).toEqual(users)
        }))
    }
  })
}
