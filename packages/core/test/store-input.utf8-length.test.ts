import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { utf8Length } from '../src/store-input.js'

// utf8Length measures a group name against a store's maxNameBytes: the bytes the name takes in
// UTF-8, as Postgres and Node write it. A lone surrogate cannot be stored (store text refuses
// it), but is measured as the 3 bytes WTF-8 and Node's replacement character take.

const runs = { numRuns: 1000 }

/** Any UTF-16 string, with surrogates (paired, reversed or alone) frequent. */
const utf16Arb = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff }))
    .map((code) => String.fromCharCode(code)),
})

describe('utf8Length: the length of a string in UTF-8 bytes', () => {
  it.each([
    ['', 0],
    ['a', 1],
    ['\u007F', 1],
    ['\u0080', 2],
    ['é', 2],
    ['\u07FF', 2],
    ['\u0800', 3],
    ['€', 3],
    ['\uFFFF', 3],
    ['\u{10000}', 4],
    ['😀', 4],
    ['\u{10FFFF}', 4],
    ['a😀é€', 10],
    ['\uD800', 3],
    ['\uDC00', 3],
    ['a\uD83Db', 5],
    ['\uDE00\uD83D', 6],
    ['\uD83D\uD83D\uDE00', 7],
    ['\uD83D\uDE00\uDE00', 7],
  ])('%j is %i bytes', (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes)
  })

  test.prop([fc.string({ unit: 'binary' })], runs)(
    'equals Buffer.byteLength for every well-formed string',
    (text) => {
      expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'))
    },
  )

  test.prop([utf16Arb], runs)(
    'equals Buffer.byteLength for any UTF-16 string: a lone surrogate counts 3 in both',
    (text) => {
      expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'))
    },
  )
})
