import type { MembershipStoreAdapter, StaleMember, StoredGroup } from '@groupsync/core'
import { read, type MemoryStoreContext } from './memory-state.js'
import { storedGroup } from './org-groups.js'
import { membership } from './org-memberships.js'

/**
 * The reads outside a unit of work: settings, the last-sync record and the listings. They hand
 * back new objects in any order; the store's wrapper copies and orders them for the caller.
 */
export const reads = (
  ctx: MemoryStoreContext,
): Pick<
  MembershipStoreAdapter,
  | 'readSettings'
  | 'readLastSync'
  | 'listGroups'
  | 'listMembers'
  | 'listUserMemberships'
  | 'listStaleMembers'
  | 'listAuditEvents'
> => ({
  readSettings: (orgId, call) =>
    read('getOrgSettings', call, () => ctx.orgs.find(orgId)?.settings ?? null),

  readLastSync: (orgId, userId, call) =>
    read('readLastSync', call, () => {
      const state = ctx.orgs.find(orgId)
      const last = state?.lastSync.get(userId)
      if (state === undefined || last === undefined) return null
      const token = state.lastTokenIssued.get(userId)
      return {
        lastSyncedAt: new Date(last),
        lastTokenIssuedAt: token === undefined ? null : new Date(token),
      }
    }),

  listGroups: (orgId, call) =>
    read('listGroups', call, () => {
      const groups: StoredGroup[] = []
      for (const [id, record] of ctx.orgs.find(orgId)?.groups.entries() ?? []) {
        groups.push(storedGroup(orgId, id, record))
      }
      return groups
    }),

  listMembers: (orgId, groupId, call) =>
    read('listMembers', call, () => {
      const state = ctx.orgs.find(orgId)
      if (state?.groups.get(groupId) === undefined) return null
      return Array.from(state.memberships.ofGroup(groupId), ([userId, m]) =>
        membership(orgId, groupId, userId, m),
      )
    }),

  listUserMemberships: (orgId, userId, call) =>
    read('listUserMemberships', call, () =>
      Array.from(ctx.orgs.find(orgId)?.memberships.ofUser(userId) ?? [], ([groupId, m]) =>
        membership(orgId, groupId, userId, m),
      ),
    ),

  listStaleMembers: (orgId, olderThan, call) =>
    read('listStaleMembers', call, () => {
      const limit = olderThan.getTime()
      const stale: StaleMember[] = []
      for (const [userId, t] of ctx.orgs.find(orgId)?.lastSync ?? []) {
        if (t < limit) stale.push({ userId, lastSyncedAt: new Date(t) })
      }
      return stale
    }),

  listAuditEvents: (orgId, query, call) =>
    read(
      'listAuditEvents',
      call,
      () => ctx.orgs.find(orgId)?.audit.list(query.afterSeq, query.userId, query.limit) ?? [],
    ),
})
