import { compareCodeUnits, type MembershipAdminStore } from '@groupsync/core'
import { expect } from 'vitest'
import { replayLog } from './model.js'
import { expectTimes } from './store-kit.js'

/**
 * Replays the org's whole audit log from empty and checks it rebuilds exactly the groups (ids,
 * names, creation times) and every user's memberships (sources, creation times) the store shows.
 * Times are compared where the store keeps them: a table without creation times shows null for
 * every row (and then the times of the log are not compared), never null for some rows only.
 *
 * @example
 * ```ts
 * // After a load test of your own: the log still explains every row.
 * await expectLogReplays(store, 'acme', ['alice', 'bob'])
 * ```
 */
export const expectLogReplays = async (
  store: MembershipAdminStore,
  orgId: string,
  users: readonly string[],
): Promise<void> => {
  const replayed = replayLog(await store.listAuditEvents(orgId))
  if (typeof replayed === 'string') expect.fail(`the audit log does not replay: ${replayed}`)
  const byId = ([a]: readonly [string, ...unknown[]], [b]: readonly [string, ...unknown[]]) =>
    compareCodeUnits(a, b)
  /** The stored rows' times, and the log's where the store keeps them (null where it does not). */
  const timesOf = (rows: readonly { readonly createdAt: Date | null }[]) => ({
    stored: (t: Date | null) => t?.getTime() ?? null,
    replayed: (ms: number) => (rows.some((r) => r.createdAt === null) ? null : ms),
  })
  const groups = await store.listGroups(orgId)
  expectTimes(store, 'groups', groups)
  const groupTimes = timesOf(groups)
  expect(
    [...replayed.groups]
      .map(([id, g]) => [id, g.name, groupTimes.replayed(g.createdAt)] as const)
      .sort(byId),
    'groups rebuilt from the log',
  ).toEqual(groups.map((g) => [g.id, g.name, groupTimes.stored(g.createdAt)] as const).sort(byId))
  for (const [userId, mine] of replayed.members) {
    if (mine.size > 0) expect(users, 'a user the log rebuilt memberships for').toContain(userId)
  }
  for (const u of users) {
    const mine = await store.listUserMemberships(orgId, u)
    expectTimes(store, 'memberships', mine)
    const times = timesOf(mine)
    expect(
      [...(replayed.members.get(u) ?? [])]
        .map(([groupId, m]) => [groupId, m.source, times.replayed(m.createdAt)] as const)
        .sort(byId),
      `memberships of ${u} rebuilt from the log`,
    ).toEqual(mine.map((x) => [x.groupId, x.source, times.stored(x.createdAt)] as const))
  }
}
