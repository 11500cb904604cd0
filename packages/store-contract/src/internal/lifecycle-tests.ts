import type { MembershipStore } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import {
  expectStoreError,
  freshOrgId,
  observeOrg,
  rejectionOf,
  withStore,
  type ContractContext,
} from './context.js'

/** Every admin write, called with the given options. */
const adminWrites = (
  store: MembershipStore,
  orgId: string,
  groupId: string,
  options: { readonly signal?: AbortSignal },
): Record<string, () => Promise<unknown>> => ({
  createGroup: () => store.createGroup(orgId, 'h', options),
  renameGroup: () => store.renameGroup(orgId, groupId, 'renamed', options),
  deleteGroup: () => store.deleteGroup(orgId, groupId, options),
  updateOrgSettings: () =>
    store.updateOrgSettings(
      orgId,
      (c) => ({ settings: { ...c, matchMode: 'case-insensitive' }, audit: [] }),
      options,
    ),
  addManualMember: () => store.addManualMember(orgId, groupId, 'bob', options),
  removeManualMember: () => store.removeManualMember(orgId, groupId, 'alice', options),
  removeUser: () => store.removeUser(orgId, 'alice', options),
})

/** The admin role's calls on a closed store, and with a signal that has already aborted. */
export const describeLifecycleTests = (ctx: ContractContext): void => {
  describe('admin role: lifecycle and signals', () => {
    it('a write whose signal has already aborted ends in STORE_TIMEOUT and writes nothing', () =>
      withStore(ctx, async (store) => {
        const orgId = freshOrgId('aborted-admin')
        const g = await store.createGroup(orgId, 'g')
        await store.addManualMember(orgId, g.id, 'alice')
        const before = await observeOrg(store, orgId, ['alice', 'bob'])
        const writes = adminWrites(store, orgId, g.id, { signal: AbortSignal.abort() })
        for (const [name, write] of Object.entries(writes)) {
          expect(await rejectionOf(write()), name).toMatchObject({
            _tag: 'StoreError',
            code: 'STORE_TIMEOUT',
          })
        }
        expect(await observeOrg(store, orgId, ['alice', 'bob'])).toEqual(before)
      }))

    it('a closed store refuses every call with STORE_UNAVAILABLE', async () => {
      const store = await ctx.makeStore({})
      const orgId = freshOrgId('closed-admin')
      const g = await store.createGroup(orgId, 'g')
      await store.close()
      for (const write of Object.values(adminWrites(store, orgId, g.id, {}))) {
        await expectStoreError(write(), 'STORE_UNAVAILABLE')
      }
      for (const read of [
        () => store.listGroups(orgId),
        () => store.getOrgSettings(orgId),
        () => store.listMembers(orgId, g.id),
        () => store.listUserMemberships(orgId, 'alice'),
        () => store.listStaleMembers(orgId, new Date()),
        () => store.listAuditEvents(orgId),
        () => store.readLastSync(orgId, 'alice'),
      ]) {
        await expectStoreError(read(), 'STORE_UNAVAILABLE')
      }
      // Closing twice is harmless.
      await store.close()
    })
  })
}
