import { defineMembershipStore, type MembershipStoreAdapter } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { HOSTILE_NAMES, UNSTORABLE_NAMES } from '../src/index.js'
import { TEN_KB_NAME, TEN_KB_NAME_TWIN } from '../src/internal/hostile-names.js'

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

  it('include a name of at least 10 kB of UTF-8, and its twin differs only at the end', () => {
    expect(Buffer.byteLength(TEN_KB_NAME, 'utf8')).toBeGreaterThanOrEqual(10_240)
    expect(TEN_KB_NAME_TWIN).not.toBe(TEN_KB_NAME)
    expect(TEN_KB_NAME_TWIN.slice(0, -1)).toBe(TEN_KB_NAME.slice(0, -1))
  })

  it('the unstorable names are each refused with STORE_INVALID_INPUT', async () => {
    for (const name of UNSTORABLE_NAMES) {
      await expect(namesOnly.createGroup('org', name)).rejects.toMatchObject({
        code: 'STORE_INVALID_INPUT',
      })
    }
  })
})
