import { StoreError, type StoredGroup } from '@groupsync/core'
import type { MembershipAdmin } from '@groupsync/sync'
import { orThrow } from './outcome.js'

/** Finds an org group by its (unique) name, or fails with `GROUP_NOT_FOUND`. */
export async function groupByName(
  admin: MembershipAdmin,
  orgId: string,
  name: string,
): Promise<StoredGroup> {
  const group = orThrow(await admin.listGroups(orgId)()).find((g) => g.name === name)
  if (group === undefined) {
    throw new StoreError(
      'GROUP_NOT_FOUND',
      `Organisation ${JSON.stringify(orgId)} has no group named ${JSON.stringify(name)}.`,
      { path: '/group', value: name },
    )
  }
  return group
}
