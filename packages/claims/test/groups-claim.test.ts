import { right } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { resolveClaimOptions } from '../src/claims-options.js'
import { extractGroupsClaim, type GroupsClaimOptions } from '../src/index.js'
import { expectError, expectState } from './helpers.js'

const sub = 'user-1'
const extract = (
  idTokenClaims: Record<string, unknown>,
  options?: GroupsClaimOptions,
  userinfo?: unknown,
) =>
  extractGroupsClaim(
    userinfo === undefined
      ? { idTokenClaims: { sub, ...idTokenClaims } }
      : { idTokenClaims: { sub, ...idTokenClaims }, userinfo },
    options,
  )

describe('point 2: where the groups are (claim path)', () => {
  it('reads the flat claim `groups` by default', () => {
    expect(expectState(extract({ groups: ['dev'] }))).toEqual({
      state: 'present',
      groups: ['dev'],
      source: 'id_token',
      droppedEmpty: 0,
    })
  })

  it('reads a dotted path (Keycloak realm roles)', () => {
    const state = extract({ realm_access: { roles: ['admin'] } }, { path: 'realm_access.roles' })
    expect(expectState(state)).toMatchObject({ state: 'present', groups: ['admin'] })
  })

  it('a dotted path with \\. reads a claim whose name holds a dot', () => {
    const claims = { 'example.com': { groups: ['a'] }, example: { com: { groups: ['b'] } } }
    expect(expectState(extract(claims, { path: 'example\\.com.groups' }))).toMatchObject({
      groups: ['a'],
    })
    expect(expectState(extract(claims, { path: 'example.com.groups' }))).toMatchObject({
      groups: ['b'],
    })
  })

  it('reads a JSON Pointer for a namespaced (URL) claim', () => {
    const state = extract(
      { 'https://example.com/groups': ['ns'] },
      { path: '/https:~1~1example.com~1groups' },
    )
    expect(expectState(state)).toMatchObject({ state: 'present', groups: ['ns'] })
  })

  it('a JSON Pointer may index into an array', () => {
    const state = extract(
      { tenants: [{ groups: ['t0'] }, { groups: ['t1'] }] },
      { path: '/tenants/1/groups' },
    )
    expect(expectState(state)).toMatchObject({ groups: ['t1'] })
  })

  it('a missing name on the way is absent; a non-object on the way is malformed', () => {
    expect(expectState(extract({}, { path: 'realm_access.roles' }))).toEqual({ state: 'absent' })
    const error = expectError(extract({ realm_access: 'x' }, { path: 'realm_access.roles' }))
    expect(error.code).toBe('GROUPS_CLAIM_MALFORMED')
    expect(error.path).toBe('/realm_access')
  })

  it('never reads inherited properties', () => {
    expect(expectState(extract({}, { path: 'constructor' }))).toEqual({ state: 'absent' })
    expect(expectState(extract({}, { path: '/__proto__' }))).toEqual({ state: 'absent' })
  })

  it.each(['', 'a..b', '.a', 'a.', 'a\\b', 'a\\', '/a~2', '/~'])(
    'refuses the invalid path %j with CLAIM_PATH_INVALID',
    (path) => {
      expect(expectError(extract({ groups: [] }, { path })).code).toBe('CLAIM_PATH_INVALID')
    },
  )
})

describe('point 3: sources', () => {
  const userinfo = { sub, groups: ['from-userinfo'] }

  it('id_token_then_userinfo (default): the ID token wins when it has the claim', () => {
    const state = expectState(extract({ groups: ['from-id-token'] }, {}, userinfo))
    expect(state).toMatchObject({ groups: ['from-id-token'], source: 'id_token' })
  })

  it('id_token_then_userinfo: userinfo when the ID token has no claim', () => {
    expect(expectState(extract({}, {}, userinfo))).toMatchObject({
      groups: ['from-userinfo'],
      source: 'userinfo',
    })
  })

  it('an empty list in the ID token is present: it does not fall through to userinfo', () => {
    expect(expectState(extract({ groups: [] }, {}, userinfo))).toMatchObject({
      groups: [],
      source: 'id_token',
    })
  })

  it('id_token only ignores userinfo (and does not check its sub)', () => {
    const other = { sub: 'someone-else', groups: ['x'] }
    expect(expectState(extract({}, { sources: 'id_token' }, other))).toEqual({ state: 'absent' })
  })

  it('userinfo only ignores the ID token claim, and needs a userinfo body', () => {
    expect(
      expectState(extract({ groups: ['id'] }, { sources: 'userinfo' }, userinfo)),
    ).toMatchObject({ groups: ['from-userinfo'], source: 'userinfo' })
    expect(expectError(extract({ groups: ['id'] }, { sources: 'userinfo' })).code).toBe(
      'CLAIMS_INPUT_INVALID',
    )
  })

  it('an unknown option is CLAIMS_INPUT_INVALID naming it, not a silent fall back to groups', () => {
    const options = { claimPath: 'realm_access.roles' } as unknown as GroupsClaimOptions
    const error = expectError(extract({ groups: ['dev'] }, options))
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/claimPath'])
  })

  it('a userinfo whose sub differs from the ID token is USERINFO_SUB_MISMATCH', () => {
    for (const body of [{ sub: 'other', groups: ['x'] }, { groups: ['x'] }, { sub: 7 }]) {
      expect(expectError(extract({}, {}, body)).code).toBe('USERINFO_SUB_MISMATCH')
      expect(expectError(extract({}, { sources: 'userinfo' }, body)).code).toBe(
        'USERINFO_SUB_MISMATCH',
      )
    }
  })

  it('a sub that is not a string matches no sub, not even the same value in the ID token', () => {
    for (const claims of [{}, { sub: 7 }, { sub: null }]) {
      const error = expectError(
        extractGroupsClaim({ idTokenClaims: { ...claims, groups: ['a'] }, userinfo: claims }),
      )
      expect(error.code).toBe('USERINFO_SUB_MISMATCH')
    }
  })

  it('the sub check applies even when the ID token already has the claim', () => {
    expect(expectError(extract({ groups: ['a'] }, {}, { sub: 'other' })).code).toBe(
      'USERINFO_SUB_MISMATCH',
    )
  })

  it('neither source has the claim: absent', () => {
    expect(expectState(extract({}, {}, { sub }))).toEqual({ state: 'absent' })
    expect(expectState(extract({}))).toEqual({ state: 'absent' })
  })

  it.each([null, [], 'str', 3])(
    'a userinfo that is not an object (%j) is CLAIMS_INPUT_INVALID',
    (body) => {
      expect(expectError(extract({}, {}, body)).code).toBe('CLAIMS_INPUT_INVALID')
    },
  )

  it('ID token claims that are not an object are CLAIMS_INPUT_INVALID', () => {
    const error = expectError(
      extractGroupsClaim({ idTokenClaims: null as unknown as Record<string, unknown> }),
    )
    expect(error.code).toBe('CLAIMS_INPUT_INVALID')
  })
})

describe('point 4: shapes', () => {
  it('a single string is one group', () => {
    expect(expectState(extract({ groups: 'dev' }))).toMatchObject({ groups: ['dev'] })
  })

  it('a string is split only when a delimiter is configured', () => {
    expect(expectState(extract({ groups: 'a,b' }))).toMatchObject({ groups: ['a,b'] })
    expect(expectState(extract({ groups: 'a,b,,c' }, { delimiter: ',' }))).toEqual({
      state: 'present',
      groups: ['a', 'b', 'c'],
      source: 'id_token',
      droppedEmpty: 1,
    })
    expect(expectState(extract({ groups: ['a,b'] }, { delimiter: ',' }))).toMatchObject({
      groups: ['a,b'],
    })
  })

  it('entries are kept as sent: no trimming, order and duplicates kept', () => {
    expect(expectState(extract({ groups: [' b', 'a ', 'b', ' b'] }))).toMatchObject({
      groups: [' b', 'a ', 'b', ' b'],
    })
  })

  it('empty strings are dropped and counted', () => {
    expect(expectState(extract({ groups: ['', 'a', ''] }))).toMatchObject({
      groups: ['a'],
      droppedEmpty: 2,
    })
    expect(expectState(extract({ groups: '' }))).toMatchObject({ groups: [], droppedEmpty: 1 })
  })

  it.each([
    [null, 'null'],
    [42, 'number'],
    [true, 'boolean'],
    [{ a: 1 }, 'object'],
  ])('%j is GROUPS_CLAIM_MALFORMED with the path', (value, type) => {
    const error = expectError(extract({ groups: value }))
    expect(error.code).toBe('GROUPS_CLAIM_MALFORMED')
    expect(error.path).toBe('/groups')
    expect(error.index).toBeUndefined()
    expect(error.value).toBe(type)
    expect(error.source).toBe('id_token')
  })

  it('an array holding a non-string is malformed with the index of the first offender', () => {
    const error = expectError(
      extract({ 'https://x/g': ['a', 'b', null, 3] }, { path: '/https:~1~1x~1g' }),
    )
    expect(error.code).toBe('GROUPS_CLAIM_MALFORMED')
    expect(error.path).toBe('/https:~1~1x~1g')
    expect(error.index).toBe(2)
    expect(error.value).toBe('null')
  })

  it('a malformed claim in userinfo names userinfo as the source', () => {
    const error = expectError(extract({}, {}, { sub, groups: [['nested']] }))
    expect([error.code, error.source, error.index, error.value]).toEqual([
      'GROUPS_CLAIM_MALFORMED',
      'userinfo',
      0,
      'array',
    ])
  })
})

describe('point 5: states', () => {
  it('overage: _claim_names.groups points to a _claim_sources endpoint (Entra style)', () => {
    const claims = {
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'https://graph.example/groups', access_token: 'at' } },
    }
    expect(expectState(extract(claims))).toEqual({
      state: 'overage',
      source: 'id_token',
      claimSourceName: 'src1',
      endpoint: 'https://graph.example/groups',
      accessToken: 'at',
    })
  })

  it('overage without a usable source still says overage (never absent)', () => {
    expect(expectState(extract({ _claim_names: { groups: 'src1' } }))).toEqual({
      state: 'overage',
      source: 'id_token',
      claimSourceName: 'src1',
    })
    expect(expectState(extract({ hasgroups: true }))).toEqual({
      state: 'overage',
      source: 'id_token',
      claimSourceName: 'hasgroups',
    })
  })

  it('overage of a nested path is keyed by its top-level claim', () => {
    const claims = {
      _claim_names: { realm_access: 's' },
      _claim_sources: { s: { endpoint: 'https://e' } },
    }
    expect(expectState(extract(claims, { path: 'realm_access.roles' }))).toMatchObject({
      state: 'overage',
      claimSourceName: 's',
    })
  })

  it('a non-string claim source name is malformed', () => {
    const error = expectError(extract({ _claim_names: { groups: 5 } }))
    expect([error.code, error.path]).toEqual(['GROUPS_CLAIM_MALFORMED', '/_claim_names/groups'])
  })

  it('the claim itself beats an overage marker', () => {
    const claims = { groups: ['a'], _claim_names: { groups: 'src1' } }
    expect(expectState(extract(claims))).toMatchObject({ state: 'present', groups: ['a'] })
  })

  it('an overage in the ID token wins over a list in userinfo (first present wins)', () => {
    const state = extract({ _claim_names: { groups: 's' } }, {}, { sub, groups: ['u'] })
    expect(expectState(state)).toMatchObject({ state: 'overage', source: 'id_token' })
  })

  it('over-limit: more entries than maxGroups (default 10,000)', () => {
    const many = Array.from({ length: 10_001 }, (_, i) => `g${i}`)
    expect(expectState(extract({ groups: many }))).toEqual({
      state: 'over-limit',
      source: 'id_token',
      reason: 'too-many',
      count: 10_001,
    })
    expect(expectState(extract({ groups: many.slice(0, 10_000) }))).toMatchObject({
      state: 'present',
    })
    expect(expectState(extract({ groups: ['a', 'b', 'c'] }, { maxGroups: 2 }))).toMatchObject({
      state: 'over-limit',
      reason: 'too-many',
      count: 3,
    })
  })

  it('over-limit: an entry longer than maxNameLength (default 1,024), with its index', () => {
    const long = 'x'.repeat(1025)
    expect(expectState(extract({ groups: ['ok', long] }))).toEqual({
      state: 'over-limit',
      source: 'id_token',
      reason: 'name-too-long',
      count: 2,
      index: 1,
      length: 1025,
    })
    expect(expectState(extract({ groups: ['x'.repeat(1024)] }))).toMatchObject({ state: 'present' })
    expect(expectState(extract({ groups: ['abc'] }, { maxNameLength: 2 }))).toMatchObject({
      reason: 'name-too-long',
      index: 0,
    })
  })

  it('over-limit: an entry holding a NUL character, with its index', () => {
    expect(expectState(extract({ groups: ['a', 'b', 'c\u0000d'] }))).toEqual({
      state: 'over-limit',
      source: 'id_token',
      reason: 'nul-character',
      count: 3,
      index: 2,
    })
  })

  it('malformed beats over-limit: the shape is checked first', () => {
    const error = expectError(extract({ groups: ['a', 1] }, { maxGroups: 1 }))
    expect(error.code).toBe('GROUPS_CLAIM_MALFORMED')
  })
})

describe('point 7: Keycloak full paths (opt-in)', () => {
  const claims = { groups: ['/parent/child', '/top', 'plain', 'a/b', '/', '/p/'] }

  it('off by default: entries unchanged', () => {
    expect(expectState(extract(claims))).toMatchObject({ groups: claims.groups })
  })

  it('leaf: /parent/child becomes child; entries without a leading slash unchanged', () => {
    expect(expectState(extract(claims, { keycloakPaths: 'leaf' }))).toEqual({
      state: 'present',
      source: 'id_token',
      groups: ['child', 'top', 'plain', 'a/b'],
      droppedEmpty: 2,
    })
  })

  it('strip-leading-slash: /parent/child becomes parent/child', () => {
    expect(expectState(extract(claims, { keycloakPaths: 'strip-leading-slash' }))).toMatchObject({
      groups: ['parent/child', 'top', 'plain', 'a/b', 'p/'],
      droppedEmpty: 1,
    })
  })

  it('limits apply to the normalised names', () => {
    const state = extract(
      { groups: ['/very/long/path/x'] },
      { keycloakPaths: 'leaf', maxNameLength: 1 },
    )
    expect(expectState(state)).toMatchObject({ state: 'present', groups: ['x'] })
  })
})

describe('options', () => {
  it.each<[string, unknown]>([
    ['sources', 'both'],
    ['keycloakPaths', 'yes'],
    ['delimiter', ''],
    ['maxGroups', -1],
    ['maxGroups', 1.5],
    ['maxNameLength', Number.NaN],
    ['path', 7],
  ])('option %s = %j is CLAIMS_INPUT_INVALID', (field, value) => {
    const error = expectError(extract({ groups: [] }, { [field]: value }))
    expect(error.code).toBe('CLAIMS_INPUT_INVALID')
    expect(error.path).toBe(`/${field}`)
  })
})

describe('the defaults (rules C2-C7, C10)', () => {
  // extractGroupsClaim and the distributed resolver apply the defaults through resolveClaimOptions.
  // A read compares `sources` only with userinfo and id_token, and `shape` only with object-keys,
  // so no claim read tells a wrong default for either from the right one: the defaults are stated
  // here, where they are applied, as rules.md gives them.
  const documented = {
    path: ['groups'],
    sources: 'id_token_then_userinfo',
    delimiter: undefined,
    maxGroups: 10_000,
    maxNameLength: 1_024,
    keycloakPaths: 'off',
    shape: 'list',
    valueMapping: undefined,
  }

  it('options left out, or {}, are the documented defaults', () => {
    expect(resolveClaimOptions()).toEqual(right(documented))
    expect(resolveClaimOptions({})).toEqual(right(documented))
  })

  it('each option given replaces its own default only', () => {
    expect(resolveClaimOptions({ sources: 'userinfo', shape: 'object-keys' })).toEqual(
      right({ ...documented, sources: 'userinfo', shape: 'object-keys' }),
    )
  })
})
