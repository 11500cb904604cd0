import { defineMembershipStore, type IdKind, type MembershipStoreAdapter } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { extremeIds, idOfKind, storeKit } from '../src/internal/store-kit.js'

/**
 * A store of the given id kinds whose adapter only answers listGroups, with one group named after
 * the org id it was handed: core checks the id and hands the adapter its canonical form.
 */
const storeOf = (kind: IdKind) =>
  defineMembershipStore({
    limits: { maxNameBytes: 100, ids: { org: kind, user: kind, group: kind } },
    listGroups: (orgId: string) =>
      Promise.resolve([{ orgId, id: orgId, name: orgId, createdAt: null }]),
  } as unknown as MembershipStoreAdapter)

describe('ids the suite makes of a store’s kinds', () => {
  it('are the label itself for text, and derived from its hash otherwise: the same each time, different per label', () => {
    expect(idOfKind('text', "o'brien")).toBe("o'brien")
    for (const kind of ['uuid', 'integer', 'bigint'] as const) {
      expect(idOfKind(kind, 'alice')).toBe(idOfKind(kind, 'alice'))
      expect(idOfKind(kind, 'alice')).not.toBe(idOfKind(kind, 'bob'))
    }
    expect(idOfKind('uuid', 'alice')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(idOfKind('integer', 'alice')).toMatch(/^[1-9][0-9]*$/)
  })

  it('are accepted by a store of that kind and handed back unchanged (canonical already)', async () => {
    for (const kind of ['text', 'uuid', 'integer', 'bigint'] as const) {
      const store = storeOf(kind)
      const kit = storeKit(store.limits)
      const ids = [kit.newOrg('x'), kit.user('用户😀'), kit.missingGroup, ...extremeIds(kind)]
      for (const id of ids) expect((await store.listGroups(id)).map((g) => g.name)).toEqual([id])
      expect(kit.newOrg('x')).not.toBe(kit.newOrg('x'))
    }
  })
})
