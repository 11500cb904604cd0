import { describe, expect, it } from 'vitest'
import { formatJsonPointer, parseClaimPath } from '../src/index.js'
import { formatDottedPath } from '../src/claim-path.js'
import { expectError, expectRight } from './helpers.js'

// Rule C2: every list of names has one JSON Pointer, and every list of non-empty names a dotted
// spelling; each spelling parses back to the same names. The cases are the characters the
// escaping exists for: `.`, `\`, a leading `/`, `~`.

describe('rule C2: the dotted spelling escapes what would change the names', () => {
  it.each<[readonly string[], string]>([
    [['realm_access', 'roles'], 'realm_access.roles'],
    [['example.com', 'groups'], 'example\\.com.groups'],
    [['a\\b'], 'a\\\\b'],
    [['a.b.', '.c'], 'a\\.b\\..\\.c'],
    [['\\.'], '\\\\\\.'],
    [['/top', 'x'], '\\/top.x'],
    [['top', '/x'], 'top./x'],
    [['a/b'], 'a/b'],
  ])('%j is written %s and read back', (names, dotted) => {
    expect(formatDottedPath(names)).toBe(dotted)
    expect(expectRight(parseClaimPath(dotted))).toEqual(names)
  })

  it('has no spelling for no names or an empty name: only a JSON Pointer can say those', () => {
    expect(formatDottedPath([])).toBeUndefined()
    expect(formatDottedPath([''])).toBeUndefined()
    expect(formatDottedPath(['a', ''])).toBeUndefined()
    expect(formatDottedPath(['', 'a'])).toBeUndefined()
  })

  it('escapes every dot and backslash of a name, not only the first', () => {
    expect(formatDottedPath(['a.b.c\\d\\e'])).toBe('a\\.b\\.c\\\\d\\\\e')
  })
})

describe('rule C2: the JSON Pointer spelling', () => {
  it.each<[readonly string[], string]>([
    [['groups'], '/groups'],
    [['https://example.com/groups'], '/https:~1~1example.com~1groups'],
    [['a/b', '~c'], '/a~1b/~0c'],
    [['~1'], '/~01'],
    [['~/'], '/~0~1'],
    [[''], '/'],
    [['', ''], '//'],
    [[], ''],
  ])('%j is written %s', (names, pointer) => {
    expect(formatJsonPointer(names)).toBe(pointer)
  })

  it('every pointer but the empty one parses back to its names', () => {
    for (const names of [['a/b', '~c'], ['~1'], [''], ['x', '', 'y'], ['~0~1//']]) {
      expect(expectRight(parseClaimPath(formatJsonPointer(names)))).toEqual(names)
    }
  })

  it('decodes ~1 before ~0, so ~01 is the text ~1 and not a slash', () => {
    expect(expectRight(parseClaimPath('/~01'))).toEqual(['~1'])
    expect(expectRight(parseClaimPath('/~10'))).toEqual(['/0'])
  })

  it('refuses a ~ that is not followed by 0 or 1, anywhere in any name', () => {
    for (const path of ['/~', '/a~', '/a~2', '/ok/~x', '/ok/b~']) {
      const error = expectError(parseClaimPath(path))
      expect([error.code, error.path, error.value]).toEqual(['CLAIM_PATH_INVALID', '/path', path])
    }
  })
})

describe('rule C2: what a dotted path may not be', () => {
  it.each(['', '.', 'a.', '.a', 'a..b', 'a\\', 'a\\x', 'a\\.b\\', '\\'])('refuses %j', (path) => {
    const error = expectError(parseClaimPath(path))
    expect([error.code, error.value]).toEqual(['CLAIM_PATH_INVALID', path])
  })

  it('refuses what is not a string, naming its type', () => {
    const error = expectError(parseClaimPath(42 as unknown as string))
    expect([error.code, error.path]).toEqual(['CLAIM_PATH_INVALID', '/path'])
  })

  it('reads an escaped slash, dot or backslash as that character, the last character too', () => {
    expect(expectRight(parseClaimPath('a\\/b'))).toEqual(['a/b'])
    expect(expectRight(parseClaimPath('a\\.'))).toEqual(['a.'])
    expect(expectRight(parseClaimPath('x.y\\\\'))).toEqual(['x', 'y\\'])
  })
})
