import type { MembershipStore } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { expectStoreError, freshOrgId, withStore, type ContractContext } from './context.js'
import { applySync } from './example-tests.js'

const tokenTimeOf = async (store: MembershipStore, orgId: string, userId: string) =>
  (await applySync(store, orgId, userId, {})).lastTokenIssuedAt?.toISOString() ?? null

/**
 * The issue time of the token behind a user's last applied sync: recorded with the sync, handed
 * back in the next snapshot, per (organisation, user), so the sync can refuse a replayed older
 * token.
 */
export const describeTokenTimeTests = (ctx: ContractContext): void => {
  const test = (name: string, fn: (store: MembershipStore) => Promise<void>) => {
    it(name, () => withStore(ctx, fn))
  }

  describe('withUserSync: the token issue time of the last applied sync', () => {
    test('is null until recorded, then handed back exactly, per organisation and user', async (store) => {
      const org = freshOrgId('token-time')
      const other = freshOrgId('token-time-other')
      expect(await tokenTimeOf(store, org, 'alice')).toBeNull()
      await applySync(store, org, 'alice', {
        syncedAt: new Date('2024-05-01T00:00:10.000Z'),
        tokenIssuedAt: new Date('2024-05-01T00:00:07.000Z'),
      })
      expect(await tokenTimeOf(store, org, 'alice')).toBe('2024-05-01T00:00:07.000Z')
      expect(await tokenTimeOf(store, org, 'bob')).toBeNull()
      expect(await tokenTimeOf(store, other, 'alice')).toBeNull()
      const snapshot = await applySync(store, org, 'alice', {})
      expect(snapshot.lastSyncedAt?.toISOString()).toBe('2024-05-01T00:00:10.000Z')
    })

    test('a sync without a token time keeps the recorded one; a later one replaces it', async (store) => {
      const org = freshOrgId('token-time-keep')
      await applySync(store, org, 'alice', {
        syncedAt: new Date('2024-05-01T00:00:10.000Z'),
        tokenIssuedAt: new Date('2024-05-01T00:00:07.000Z'),
      })
      await applySync(store, org, 'alice', { syncedAt: new Date('2024-05-01T00:01:00.000Z') })
      expect(await tokenTimeOf(store, org, 'alice')).toBe('2024-05-01T00:00:07.000Z')
      await applySync(store, org, 'alice', {
        syncedAt: new Date('2024-05-01T00:02:00.000Z'),
        tokenIssuedAt: new Date('2024-05-01T00:01:59.000Z'),
      })
      expect(await tokenTimeOf(store, org, 'alice')).toBe('2024-05-01T00:01:59.000Z')
    })

    test('is refused without syncedAt, or when not a storable time, and nothing is written', async (store) => {
      const org = freshOrgId('token-time-invalid')
      const g = await store.createGroup(org, 'dev')
      const add = [{ groupId: g.id, source: 'sync' as const }]
      await expectStoreError(
        applySync(store, org, 'alice', { add, tokenIssuedAt: new Date('2024-05-01T00:00:00Z') }),
        'STORE_INVALID_INPUT',
      )
      for (const tokenIssuedAt of [new Date(Number.NaN), new Date('+010000-01-01T00:00:00Z')]) {
        await expectStoreError(
          applySync(store, org, 'alice', { add, syncedAt: new Date(), tokenIssuedAt }),
          'STORE_INVALID_INPUT',
        )
      }
      expect(await store.listUserMemberships(org, 'alice')).toEqual([])
      expect(await tokenTimeOf(store, org, 'alice')).toBeNull()
      expect((await applySync(store, org, 'alice', {})).lastSyncedAt).toBeNull()
    })
  })
}
