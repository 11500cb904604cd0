import { compareCodeUnits, type MembershipAdminStore } from '@groupsync/core'
import { expect } from 'vitest'
import { replayLog } from './model.js'

/**
 * Replays the org's whole audit log from empty and checks it rebuilds exactly the groups (ids,
 * names, creation times) and every user's memberships (sources, creation times) the store shows.
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
  expect(
    [...replayed.groups].map(([id, g]) => [id, g.name, g.createdAt] as const).sort(byId),
    'groups rebuilt from the log',
  ).toEqual(
    (await store.listGroups(orgId))
      .map((g) => [g.id, g.name, g.createdAt.getTime()] as const)
      .sort(byId),
  )
  for (const [userId, mine] of replayed.members) {
    if (mine.size > 0) expect(users, 'a user the log rebuilt memberships for').toContain(userId)
  }
  for (const u of users) {
    expect(
      [...(replayed.members.get(u) ?? [])]
        .map(([groupId, m]) => [groupId, m.source, m.createdAt] as const)
        .sort(byId),
      `memberships of ${u} rebuilt from the log`,
    ).toEqual(
      (await store.listUserMemberships(orgId, u)).map(
        (x) => [x.groupId, x.source, x.createdAt.getTime()] as const,
      ),
    )
  }
}
