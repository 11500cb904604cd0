import { describe, expect, it } from 'vitest'
import { extractGroupsClaim, type GroupsClaimOptions } from '../src/index.js'
import type { ExtractGroupsClaimInput } from '../src/extract-groups-claim.js'
import { expectError, expectMessageNaming, GROUPS_CLAIM_OPTIONS } from './helpers.js'

// Each refusal of rules C3-C6 and C9 has the code and fields of the table "Errors of Part 2"; the
// other tests check those. Its message is free text, but it is what an operator reads in a log,
// so it must say what is at fault and what is expected. These tests hold every refusal to that,
// by the words it must name, not by its wording.

const sub = 'user-1'
const refusal = (input: unknown, options?: unknown) =>
  expectError(extractGroupsClaim(input as ExtractGroupsClaimInput, options as GroupsClaimOptions))
const refusalOf = (idTokenClaims: Record<string, unknown>, options?: unknown) =>
  refusal({ idTokenClaims: { sub, ...idTokenClaims } }, options)

describe('rule C9: a refused option is named, with what it takes', () => {
  it('options that are not an object: they must be an object (left out, they are the defaults)', () => {
    for (const options of [null, ['groups'], 'groups']) {
      const error = refusal({ idTokenClaims: { sub } }, options)
      expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', ''])
      expectMessageNaming(error, 'options', 'object')
    }
  })

  it('an unknown option is quoted, and every option there is listed, so a typo can be corrected', () => {
    const error = refusalOf({ groups: [] }, { claimPath: 'roles' })
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/claimPath'])
    expectMessageNaming(error, '"claimPath"', ...GROUPS_CLAIM_OPTIONS)
  })

  it.each<[string, unknown, readonly string[]]>([
    ['sources', 'both', ['id_token', 'userinfo', 'id_token_then_userinfo']],
    ['keycloakPaths', 'full', ['off', 'leaf', 'strip-leading-slash']],
    ['shape', 'object', ['list', 'object-keys']],
    ['delimiter', '', ['non-empty string']],
    ['maxGroups', -1, ['whole number']],
    ['path', 7, ['string']],
  ])('option %s = %j: the message names the option and what it takes', (name, value, takes) => {
    const error = refusalOf({ groups: [] }, { [name]: value })
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', `/${name}`])
    expectMessageNaming(error, name, ...takes)
  })
})

describe('rules C4 and C9: a refused input names the member at fault', () => {
  it('ID token claims that are not an object: idTokenClaims must be an object', () => {
    const error = refusal({ idTokenClaims: ['groups'] })
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/idTokenClaims'])
    expectMessageNaming(error, 'idTokenClaims', 'object')
  })

  it('a userinfo that is not an object: userinfo must be an object', () => {
    const error = refusal({ idTokenClaims: { sub }, userinfo: 'sub=user-1' })
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/userinfo'])
    expectMessageNaming(error, 'userinfo', 'object')
  })

  it('an unknown member: the message names the two members the input takes', () => {
    const error = refusal({ idTokenClaims: { sub }, userInfo: { sub } })
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/userInfo'])
    expectMessageNaming(error, 'idTokenClaims', 'userinfo')
  })

  it('sources userinfo without a userinfo: the message says userinfo is missing', () => {
    const error = refusalOf({ groups: ['a'] }, { sources: 'userinfo' })
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/userinfo'])
    expectMessageNaming(error, 'userinfo')
  })

  it('a userinfo for another user: the message names its sub', () => {
    const error = refusal({ idTokenClaims: { sub }, userinfo: { sub: 'user-2' } })
    expect([error.code, error.path, error.source]).toEqual([
      'USERINFO_SUB_MISMATCH',
      '/sub',
      'userinfo',
    ])
    expectMessageNaming(error, 'userinfo', 'sub')
  })
})

describe('rules C3, C5, C6 and C10: a malformed claim says what was found and what is expected', () => {
  const objectKeys = { path: 'roles', shape: 'object-keys' }
  it.each<[string, Record<string, unknown>, unknown, readonly unknown[], readonly string[]]>([
    [
      'a value on the way that is not an object (C3)',
      { realm_access: 'admin' },
      { path: 'realm_access.roles' },
      ['/realm_access', undefined, 'string'],
      ['string', 'object'],
    ],
    [
      'a claim source name that is not a string (C6)',
      { _claim_names: { groups: 5 } },
      {},
      ['/_claim_names/groups', undefined, 'number'],
      ['number', 'string'],
    ],
    [
      'a list claim that is neither an array nor a string (C5)',
      { groups: 42 },
      {},
      ['/groups', undefined, 'number'],
      ['number', 'array', 'string'],
    ],
    [
      'a list claim holding a non-string (C5)',
      { groups: ['a', null] },
      {},
      ['/groups', 1, 'null'],
      ['null', '1', 'string'],
    ],
    [
      'an object-keyed claim that is not an object (C10)',
      { roles: 'admin' },
      objectKeys,
      ['/roles', undefined, 'string'],
      ['string', 'object'],
    ],
    [
      'an array of objects holding a non-object (C10)',
      { roles: [{ admin: {} }, 7] },
      objectKeys,
      ['/roles', 1, 'number'],
      ['number', '1', 'object'],
    ],
  ])(
    '%s: the source, the type found, the index in an array only',
    (_, claims, options, fields, words) => {
      const error = refusalOf(claims, options)
      expect([error.code, error.path, error.index, error.value]).toEqual([
        'GROUPS_CLAIM_MALFORMED',
        ...fields,
      ])
      expectMessageNaming(error, 'id_token', ...words)
    },
  )
})
