import type { LoginSyncStore } from '@groupsync/core'
import { describe, expect } from 'vitest'
import { expectStoreError } from './context.js'
import { applyLogin, loginTest, type LoginContext } from './login-harness.js'

const tokenTimeOf = async (store: LoginSyncStore, orgId: string, userId: string) =>
  (await applyLogin(store, orgId, userId, [], {})).lastTokenIssuedAt?.toISOString() ?? null

const readTokenTime = async (store: LoginSyncStore, orgId: string, userId: string) =>
  (await store.readLastSync(orgId, userId))?.lastTokenIssuedAt?.toISOString() ?? null

/**
 * The issue time of the token behind a user's last applied sync: recorded with the sync, handed
 * back in the next snapshot and by `readLastSync`, per (organisation, user), so the sync can
 * refuse a replayed older token.
 */
export const describeTokenTimeTests = (ctx: LoginContext): void => {
  const test = loginTest(ctx)

  describe('withLoginSync: the token issue time of the last applied sync', () => {
    test('is null until recorded, then handed back exactly, per organisation and user', async (h) => {
      const { store } = h
      const { newOrg, user } = h.kit
      const org = newOrg('token-time')
      const other = newOrg('token-time-other')
      expect(await tokenTimeOf(store, org, user('alice'))).toBeNull()
      await applyLogin(store, org, user('alice'), [], {
        syncedAt: new Date('2024-05-01T00:00:10.000Z'),
        tokenIssuedAt: new Date('2024-05-01T00:00:07.000Z'),
      })
      expect(await tokenTimeOf(store, org, user('alice'))).toBe('2024-05-01T00:00:07.000Z')
      expect(await readTokenTime(store, org, user('alice'))).toBe('2024-05-01T00:00:07.000Z')
      expect(await tokenTimeOf(store, org, user('bob'))).toBeNull()
      expect(await tokenTimeOf(store, other, user('alice'))).toBeNull()
      expect(await store.readLastSync(other, user('alice'))).toBeNull()
      const snapshot = await applyLogin(store, org, user('alice'), [], {})
      expect(snapshot.lastSyncedAt?.toISOString()).toBe('2024-05-01T00:00:10.000Z')
      expect(await store.readLastSync(org, user('alice'))).toEqual({
        lastSyncedAt: new Date('2024-05-01T00:00:10.000Z'),
        lastTokenIssuedAt: new Date('2024-05-01T00:00:07.000Z'),
      })
    })

    test('a sync without a token time keeps the recorded one; a later one replaces it', async (h) => {
      const { store } = h
      const { newOrg, user } = h.kit
      const org = newOrg('token-time-keep')
      await applyLogin(store, org, user('alice'), [], {
        syncedAt: new Date('2024-05-01T00:00:10.000Z'),
        tokenIssuedAt: new Date('2024-05-01T00:00:07.000Z'),
      })
      await applyLogin(store, org, user('alice'), [], {
        syncedAt: new Date('2024-05-01T00:01:00.000Z'),
      })
      expect(await tokenTimeOf(store, org, user('alice'))).toBe('2024-05-01T00:00:07.000Z')
      expect((await store.readLastSync(org, user('alice')))?.lastSyncedAt.toISOString()).toBe(
        '2024-05-01T00:01:00.000Z',
      )
      await applyLogin(store, org, user('alice'), [], {
        syncedAt: new Date('2024-05-01T00:02:00.000Z'),
        tokenIssuedAt: new Date('2024-05-01T00:01:59.000Z'),
      })
      expect(await tokenTimeOf(store, org, user('alice'))).toBe('2024-05-01T00:01:59.000Z')
      expect(await readTokenTime(store, org, user('alice'))).toBe('2024-05-01T00:01:59.000Z')
    })

    test('is refused without syncedAt, or when not a storable time, and nothing is written', async (h) => {
      const { store, seed } = h
      const { newOrg, user } = h.kit
      const org = newOrg('token-time-invalid')
      const g = await seed.createGroup(org, 'dev')
      const add = [{ groupId: g.id, source: 'sync' as const }]
      await expectStoreError(
        applyLogin(store, org, user('alice'), ['dev'], {
          add,
          tokenIssuedAt: new Date('2024-05-01T00:00:00Z'),
        }),
        'STORE_INVALID_INPUT',
      )
      for (const tokenIssuedAt of [new Date(Number.NaN), new Date('+010000-01-01T00:00:00Z')]) {
        await expectStoreError(
          applyLogin(store, org, user('alice'), ['dev'], {
            add,
            syncedAt: new Date(),
            tokenIssuedAt,
          }),
          'STORE_INVALID_INPUT',
        )
      }
      expect(await seed.listMemberships(org, user('alice'))).toEqual([])
      expect(await tokenTimeOf(store, org, user('alice'))).toBeNull()
      expect(await store.readLastSync(org, user('alice'))).toBeNull()
      expect((await applyLogin(store, org, user('alice'), [], {})).lastSyncedAt).toBeNull()
    })
  })
}
