import { describe, expect, it } from 'vitest'
import { extractGroupsClaim, type GroupsClaimOptions } from '../src/index.js'
import { expectError, expectState } from './helpers.js'

// Rules C3 and C6 at their edges: which markers make an overage, which parts of a marker are
// kept, and how a path walks objects and arrays.

const sub = 'user-1'
const extract = (claims: Record<string, unknown>, options?: GroupsClaimOptions) =>
  extractGroupsClaim({ idTokenClaims: { sub, ...claims } }, options)

describe('rule C6: an overage keeps only an endpoint and an access token that are strings', () => {
  it.each<[string, unknown, unknown]>([
    ['a numeric endpoint', 443, 'at'],
    ['an endpoint object', { href: 'https://e' }, 'at'],
    ['an access token list', 'https://e', ['at']],
    ['a numeric access token', 'https://e', 7],
    ['null for both', null, null],
  ])('with %s, the unusable part is left out', (_, endpoint, accessToken) => {
    const state = expectState(
      extract({
        _claim_names: { groups: 'src1' },
        _claim_sources: { src1: { endpoint, access_token: accessToken } },
      }),
    )
    expect(state).toEqual({
      state: 'overage',
      source: 'id_token',
      claimSourceName: 'src1',
      ...(typeof endpoint === 'string' ? { endpoint } : {}),
      ...(typeof accessToken === 'string' ? { accessToken } : {}),
    })
  })

  it('reads the endpoint of the source the marker names, not of another one', () => {
    const state = expectState(
      extract({
        _claim_names: { groups: 'b' },
        _claim_sources: { a: { endpoint: 'https://a' }, b: { endpoint: 'https://b' } },
      }),
    )
    expect(state).toMatchObject({ state: 'overage', claimSourceName: 'b', endpoint: 'https://b' })
  })

  it('a _claim_sources that is not an object gives an overage without an endpoint', () => {
    for (const sources of ['https://e', ['https://e'], null]) {
      expect(
        expectState(extract({ _claim_names: { groups: 's' }, _claim_sources: sources })),
      ).toEqual({ state: 'overage', source: 'id_token', claimSourceName: 's' })
    }
  })

  it('an array of sources is no _claim_sources object, even for a source named 0', () => {
    const claims = { _claim_names: { groups: '0' }, _claim_sources: [{ endpoint: 'https://e' }] }
    expect(expectState(extract(claims))).toEqual({
      state: 'overage',
      source: 'id_token',
      claimSourceName: '0',
    })
  })

  it('a marker for another claim is no overage of this one', () => {
    const claims = {
      _claim_names: { roles: 's' },
      _claim_sources: { s: { endpoint: 'https://e' } },
    }
    expect(expectState(extract(claims))).toEqual({ state: 'absent' })
  })

  it('an inherited _claim_names member is no marker', () => {
    expect(expectState(extract({ _claim_names: {} }, { path: 'toString' }))).toEqual({
      state: 'absent',
    })
  })
})

describe('rule C6: hasgroups is an overage of the claim `groups` only', () => {
  it('hasgroups: true with the path groups is an overage', () => {
    expect(expectState(extract({ hasgroups: true }))).toEqual({
      state: 'overage',
      source: 'id_token',
      claimSourceName: 'hasgroups',
    })
  })

  it('not with a longer path that starts with groups, nor with another claim name', () => {
    expect(expectState(extract({ hasgroups: true }, { path: 'groups.list' }))).toEqual({
      state: 'absent',
    })
    expect(expectState(extract({ hasgroups: true }, { path: '/groups/0' }))).toEqual({
      state: 'absent',
    })
    expect(expectState(extract({ hasgroups: true }, { path: 'roles' }))).toEqual({
      state: 'absent',
    })
  })

  it('only the value true counts', () => {
    for (const hasgroups of ['true', 1, false, null]) {
      expect(expectState(extract({ hasgroups }))).toEqual({ state: 'absent' })
    }
  })

  it('the claim itself beats hasgroups', () => {
    expect(expectState(extract({ hasgroups: true, groups: ['a'] }))).toMatchObject({
      state: 'present',
      groups: ['a'],
    })
  })
})

describe('rule C3: a path walks objects and arrays, and stops at anything else', () => {
  it('an array on the way is indexed by a canonical integer name', () => {
    const claims = { realms: [{ roles: ['r0'] }, { roles: ['r1'] }] }
    expect(expectState(extract(claims, { path: 'realms.1.roles' }))).toMatchObject({
      state: 'present',
      groups: ['r1'],
    })
    for (const path of [
      'realms.01.roles',
      'realms.-1.roles',
      'realms.1e0.roles',
      'realms.2.roles',
    ]) {
      expect(expectState(extract(claims, { path }))).toEqual({ state: 'absent' })
    }
  })

  it('an index of several digits selects its element; a digit with anything after it, nothing', () => {
    const realms = Array.from({ length: 12 }, (_, i) => ({ roles: [`r${i}`] }))
    expect(expectState(extract({ realms }, { path: 'realms.10.roles' }))).toMatchObject({
      state: 'present',
      groups: ['r10'],
    })
    // Number() would read each of these as 1: none is a canonical index.
    for (const path of ['/realms/1 /roles', '/realms/1\n/roles', '/realms/1./roles']) {
      expect(expectState(extract({ realms }, { path }))).toEqual({ state: 'absent' })
    }
  })

  it('a value that is not an object is malformed at the first level below the root too', () => {
    for (const value of ['admin', 3, null, true]) {
      const error = expectError(extract({ realm_access: value }, { path: 'realm_access.roles' }))
      expect([error.code, error.path]).toEqual(['GROUPS_CLAIM_MALFORMED', '/realm_access'])
    }
  })

  it('names the deepest value that is in the way', () => {
    const error = expectError(extract({ a: { b: 'x' } }, { path: 'a.b.c.d' }))
    expect([error.code, error.path, error.value]).toEqual([
      'GROUPS_CLAIM_MALFORMED',
      '/a/b',
      'string',
    ])
  })

  it('the value at the end of the path is the claim: an object there is malformed, not absent', () => {
    const error = expectError(extract({ groups: { '': ['a'] } }))
    expect([error.code, error.path, error.value]).toEqual([
      'GROUPS_CLAIM_MALFORMED',
      '/groups',
      'object',
    ])
  })
})

describe('rule C6: limits, at their boundaries', () => {
  it('exactly maxGroups entries is present; one more is too many, empty strings counted', () => {
    expect(expectState(extract({ groups: ['a', 'b'] }, { maxGroups: 2 }))).toMatchObject({
      state: 'present',
    })
    expect(expectState(extract({ groups: ['a', '', 'b'] }, { maxGroups: 2 }))).toEqual({
      state: 'over-limit',
      source: 'id_token',
      reason: 'too-many',
      count: 3,
    })
    expect(expectState(extract({ groups: [] }, { maxGroups: 0 }))).toMatchObject({
      state: 'present',
    })
  })

  it('a name of exactly maxNameLength is present; the last entry is checked too', () => {
    expect(expectState(extract({ groups: ['ab', 'cd'] }, { maxNameLength: 2 }))).toMatchObject({
      state: 'present',
      groups: ['ab', 'cd'],
    })
    expect(expectState(extract({ groups: ['ab', 'cde'] }, { maxNameLength: 2 }))).toMatchObject({
      state: 'over-limit',
      reason: 'name-too-long',
      index: 1,
    })
    expect(expectState(extract({ groups: ['a', 'b\u0000'] }))).toMatchObject({
      reason: 'nul-character',
      index: 1,
    })
  })

  it('the first offending entry is reported, and NUL before length at the same entry', () => {
    const state = expectState(
      extract({ groups: ['ok', 'toolong\u0000', 'x'.repeat(50)] }, { maxNameLength: 5 }),
    )
    expect(state).toMatchObject({ reason: 'nul-character', index: 1, count: 3 })
  })

  it('droppedEmpty counts every empty entry, with or without a delimiter', () => {
    expect(expectState(extract({ groups: ['', 'a', '', ''] }))).toMatchObject({
      groups: ['a'],
      droppedEmpty: 3,
    })
    expect(expectState(extract({ groups: ',a,' }, { delimiter: ',' }))).toMatchObject({
      groups: ['a'],
      droppedEmpty: 2,
    })
  })
})
