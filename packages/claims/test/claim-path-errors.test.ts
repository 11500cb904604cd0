import { describe, expect, it } from 'vitest'
import { parseClaimPath } from '../src/index.js'
import { expectError } from './helpers.js'

// Rule C2: an invalid claim path is CLAIM_PATH_INVALID at the `path` option (`/path`), with the
// path as given in `value`, and a message that quotes the path, says what is wrong with it (where, for a dotted
// path) and what is accepted instead. The wording is not stable; its meaningful words are.

/** The error of an invalid path, checked to be at `/path` with the path as given in `value`. */
function refused(path: string) {
  const error = expectError(parseClaimPath(path))
  expect([error.code, error.path, error.value]).toEqual(['CLAIM_PATH_INVALID', '/path', path])
  return error
}

describe('rule C2: what the error of an invalid claim path says', () => {
  it.each(['', 'a..b', 'a\\x', '/a~2', 'a.'])(
    '%j: the message quotes the path and names the spellings a path may take',
    (path) => {
      const { message } = refused(path)
      expect(message).toContain(`The claim path ${JSON.stringify(path)} is invalid`)
      expect(message).toMatch(/dotted path/)
      expect(message).toMatch(/"\\\." for a literal dot/)
      expect(message).toMatch(/JSON Pointer/)
    },
  )

  it('the empty string is refused as such: the path must be a non-empty string', () => {
    expect(refused('').message).toMatch(/must be a non-empty string/)
  })

  it('what is not a string is refused with its type, as not a non-empty string', () => {
    const error = expectError(parseClaimPath(42 as unknown as string))
    expect([error.code, error.path, error.value]).toEqual([
      'CLAIM_PATH_INVALID',
      '/path',
      '(number)',
    ])
    expect(error.message).toMatch(/"\(number\)".*must be a non-empty string/)
  })

  it('a JSON Pointer with a bad "~" is told that "~" must be followed by 0 or 1', () => {
    for (const path of ['/a~2', '/ok/~x', '/~']) {
      expect(refused(path).message).toMatch(/JSON Pointer "~" must be followed by 0 or 1/)
    }
  })

  it('a "\\" before another character is told where it is and what may follow it', () => {
    expect(refused('a\\x').message).toMatch(/"\\" at 1 must be followed by "\.", "\\" or "\/"/)
    expect(refused('ab.c\\').message).toMatch(/"\\" at 4 must be followed by/)
  })

  it('an empty name is told where: the "." it comes before', () => {
    expect(refused('a..b').message).toMatch(/empty name before the "\." at 2/)
    expect(refused('.a').message).toMatch(/empty name before the "\." at 0/)
  })

  it('a path ending with "." is told so', () => {
    expect(refused('a.').message).toMatch(/ends with "\."/)
    expect(refused('a.b.').message).toMatch(/ends with "\."/)
  })
})
