import type { MembershipStore } from '@groupsync/core'
import { withStore, type LoginContext } from './login-harness.js'
import { describe, expect, it } from 'vitest'
import { expectStoreError, kitOf, must, observeOrg, rejectionOf } from './context.js'

/** Every admin write, called with the given options. */
const adminWrites = (
  store: MembershipStore,
  orgId: string,
  groupId: string,
  user: (label: string) => string,
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
  addManualMember: () => store.addManualMember(orgId, groupId, user('bob'), options),
  removeManualMember: () => store.removeManualMember(orgId, groupId, user('alice'), options),
  removeUser: () => store.removeUser(orgId, user('alice'), options),
})

/** The admin role's calls on a closed store, and with a signal that has already aborted. */
export const describeLifecycleTests = (ctx: LoginContext): void => {
  describe('admin role: lifecycle and signals', () => {
    it('a write whose signal has already aborted ends in STORE_TIMEOUT and writes nothing', () =>
      withStore(ctx, async (store, { newOrg, user }) => {
        const orgId = newOrg('aborted-admin')
        const g = await store.createGroup(orgId, 'g')
        await store.addManualMember(orgId, g.id, user('alice'))
        const before = await observeOrg(store, orgId, [user('alice'), user('bob')])
        const writes = adminWrites(store, orgId, g.id, user, { signal: AbortSignal.abort() })
        for (const [name, write] of Object.entries(writes)) {
          expect(await rejectionOf(write()), name).toMatchObject({
            _tag: 'StoreError',
            code: 'STORE_TIMEOUT',
          })
        }
        expect(await observeOrg(store, orgId, [user('alice'), user('bob')])).toEqual(before)
      }))

    it('a closed store refuses every call with STORE_UNAVAILABLE', async () => {
      const { admin, close } = await ctx.open({})
      const store = must(admin, 'a store with the admin role')
      const { newOrg, user } = kitOf(store, ctx.times)
      const orgId = newOrg('closed-admin')
      const g = await store.createGroup(orgId, 'g')
      await close()
      for (const write of Object.values(adminWrites(store, orgId, g.id, user, {}))) {
        await expectStoreError(write(), 'STORE_UNAVAILABLE')
      }
      for (const read of [
        () => store.listGroups(orgId),
        () => store.getOrgSettings(orgId),
        () => store.listMembers(orgId, g.id),
        () => store.listUserMemberships(orgId, user('alice')),
        () => store.listStaleMembers(orgId, new Date()),
        () => store.listAuditEvents(orgId),
        () => store.readLastSync(orgId, user('alice')),
      ]) {
        await expectStoreError(read(), 'STORE_UNAVAILABLE')
      }
      // Closing twice is harmless.
      await store.close()
    })
  })
}
