import { defineMembershipStore, type MembershipStoreAdapter } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { HOSTILE_NAMES, UNSTORABLE_NAMES } from '../src/internal/hostile-names.js'
import { namesAtLimit, nameOfBytes, utf8Bytes } from '../src/internal/store-kit.js'

/** A store whose adapter only creates groups: enough to ask core's input checks about a name. */
const namesOnly = defineMembershipStore({
  createGroup: (orgId: string, name: string) =>
    Promise.resolve({ orgId, id: 'g', name, createdAt: new Date(0) }),
} as unknown as MembershipStoreAdapter)

describe('hostile names used by the contract suite', () => {
  it('are distinct and all storable', async () => {
    expect(new Set(HOSTILE_NAMES).size).toBe(HOSTILE_NAMES.length)
    for (const name of HOSTILE_NAMES) {
      expect((await namesOnly.createGroup('org', name)).name).toBe(name)
    }
  })

  it('are each at most 200 bytes: a name at the store’s limit is made for each store', () => {
    for (const name of HOSTILE_NAMES) expect(utf8Bytes(name)).toBeLessThanOrEqual(200)
  })

  it('a name at a limit has exactly that many bytes, many of them in multi-byte characters, and its twin differs only at the end', async () => {
    for (const bytes of [1, 2, 5, 1_000, 2_000, 65_536]) {
      const { atLimit, twin } = namesAtLimit({
        maxNameBytes: bytes,
        ids: { org: 'text', user: 'text', group: 'text' },
      })
      expect(utf8Bytes(atLimit)).toBe(bytes)
      expect(utf8Bytes(twin)).toBe(bytes)
      expect(twin.slice(0, -1)).toBe(atLimit.slice(0, -1))
      expect(twin).not.toBe(atLimit)
      if (bytes >= 1_000) expect(atLimit.length).toBeLessThan(bytes * 0.75)
    }
    expect((await namesOnly.createGroup('org', nameOfBytes(4_096))).name).toHaveLength(
      nameOfBytes(4_096).length,
    )
    await expect(namesOnly.createGroup('org', nameOfBytes(4_097))).rejects.toMatchObject({
      code: 'STORE_INVALID_INPUT',
    })
  })

  it('the unstorable names are each refused with STORE_INVALID_INPUT', async () => {
    for (const name of UNSTORABLE_NAMES) {
      await expect(namesOnly.createGroup('org', name)).rejects.toMatchObject({
        code: 'STORE_INVALID_INPUT',
      })
    }
  })
})
