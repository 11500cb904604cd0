import { assertStoreText } from '@groupsync/core'
import { describe, expect, it } from 'vitest'
import { HOSTILE_NAMES, UNSTORABLE_NAMES } from '../src/index.js'
import { TEN_KB_NAME, TEN_KB_NAME_TWIN } from '../src/internal/hostile-names.js'

describe('hostile names used by the contract suite', () => {
  it('are distinct and all storable', () => {
    expect(new Set(HOSTILE_NAMES).size).toBe(HOSTILE_NAMES.length)
    for (const name of HOSTILE_NAMES) {
      expect(() => {
        assertStoreText(name, 'name')
      }).not.toThrow()
    }
  })

  it('include a name of at least 10 kB of UTF-8, and its twin differs only at the end', () => {
    expect(Buffer.byteLength(TEN_KB_NAME, 'utf8')).toBeGreaterThanOrEqual(10_240)
    expect(TEN_KB_NAME_TWIN).not.toBe(TEN_KB_NAME)
    expect(TEN_KB_NAME_TWIN.slice(0, -1)).toBe(TEN_KB_NAME.slice(0, -1))
  })

  it('the unstorable names are each refused with STORE_INVALID_INPUT', () => {
    for (const name of UNSTORABLE_NAMES) {
      expect(() => {
        assertStoreText(name, 'name')
      }).toThrow(expect.objectContaining({ code: 'STORE_INVALID_INPUT' }))
    }
  })
})
