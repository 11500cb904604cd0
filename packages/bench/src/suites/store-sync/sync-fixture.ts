import { computeMembershipDiff, type LoginSyncStore, type MembershipDiff } from '@groupsync/core'
import type { SqlClient } from '@groupsync/store-postgres'

/** Org groups every user of the fixtures stays a member of: a sync also reads unchanged rows. */
export const STABLE_GROUPS = 20

/** The name of the i-th (from 1) group of a fixture org. */
export const groupName = (i: number): string => `team-${i}`

/**
 * Creates `count` groups named `team-1` … `team-<count>` in one statement. Setup only: the
 * store's `createGroup` is one transaction per group, which would dominate the setup time. The
 * store finds a login's groups through the database's fold index on the name: nothing to
 * compute here.
 */
export async function seedGroups(
  client: SqlClient,
  schema: string,
  orgId: string,
  count: number,
): Promise<void> {
  await client.query(
    `INSERT INTO "${schema}".org_groups (org_id, name)
     SELECT $1, 'team-' || i FROM generate_series(1, $2::int) AS i`,
    [orgId, count],
  )
}

/**
 * Two claims that differ by exactly `changes` memberships, so that a user who alternates
 * between them changes that many memberships at every sync: `a` names groups 1 … ⌊n/2⌋, `b`
 * names ⌊n/2⌋+1 … n, and both name the {@link STABLE_GROUPS} groups after the first `maxChanges`.
 */
export function alternatingClaims(
  changes: number,
  maxChanges: number,
): { readonly a: readonly string[]; readonly b: readonly string[] } {
  const half = Math.floor(changes / 2)
  const range = (from: number, to: number) =>
    Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => groupName(from + i))
  const stable = range(maxChanges + 1, maxChanges + STABLE_GROUPS)
  return { a: [...range(1, half), ...stable], b: [...range(half + 1, changes), ...stable] }
}

/**
 * A login sync through the store's unit of work: the diff of `claim` against the snapshot, applied
 * by the store (memberships and the last-sync time; no audit events, like the per-row baseline).
 * The claim is handed to the store too: the snapshot holds only its slice of the org's groups
 * (rule 11), the groups it names and the user's own, which is every group the diff adds or removes.
 */
export const storeSync = (
  store: LoginSyncStore,
  orgId: string,
  userId: string,
  claim: readonly string[],
  syncedAt: Date,
): Promise<MembershipDiff> =>
  store.withLoginSync(orgId, userId, claim, (snapshot) => {
    const diff = computeMembershipDiff(
      claim,
      snapshot.groups,
      snapshot.memberships.map((m) => m.groupId),
    )
    return {
      result: diff,
      changes: {
        add: diff.toAdd.map((g) => ({ groupId: g.id, source: 'sync' as const })),
        remove: diff.toRemove.map((g) => g.id),
        audit: [],
        syncedAt,
      },
    }
  })

/** The number of memberships a diff changes. */
export const changesOf = (diff: MembershipDiff): number => diff.toAdd.length + diff.toRemove.length
