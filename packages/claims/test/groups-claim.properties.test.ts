import { test as fcTest, fc } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import {
  createHttpDistributedClaimsResolver,
  extractGroupsClaim,
  formatJsonPointer,
  parseClaimPath,
  type ClaimsErrorCode,
  type GroupsClaimOptions,
  type GroupsClaimState,
} from '../src/index.js'
import { formatDottedPath } from '../src/claim-path.js'
import type { KeycloakPathMode } from '../src/claims-options.js'
import { expectError, expectRight, expectState } from './helpers.js'

// Properties of the claim rules. The first runs at least 10,000 arbitrary JSON payloads; the
// others at least 1,000 cases each (FC_NUM_RUNS raises both).
const fromEnv = Number(process.env['FC_NUM_RUNS'] ?? 0)
const FUZZ_RUNS = Math.max(10_000, fromEnv)
const RUNS = Math.max(1_000, fromEnv)

const CODES: readonly ClaimsErrorCode[] = [
  'ID_TOKEN_INVALID',
  'GROUPS_CLAIM_MALFORMED',
  'USERINFO_SUB_MISMATCH',
  'CLAIM_PATH_INVALID',
  'DISTRIBUTED_CLAIMS_FAILED',
  'CLAIMS_INPUT_INVALID',
]

/** Sets `value` at `path` inside `root`, making objects on the way (a test-side builder). */
function place(path: readonly string[], value: unknown): Record<string, unknown> {
  let node: unknown = value
  for (let i = path.length - 1; i >= 0; i -= 1) node = { [path[i] ?? '']: node }
  return node as Record<string, unknown>
}

/** The invariants every state satisfies, given the options it was read with. */
function isWellFormed(state: GroupsClaimState, options: GroupsClaimOptions): boolean {
  const maxGroups = options.maxGroups ?? 10_000
  const maxNameLength = options.maxNameLength ?? 1_024
  switch (state.state) {
    case 'absent':
      return Object.keys(state).length === 1
    case 'present':
      return (
        state.groups.length <= maxGroups &&
        state.groups.every(
          (g) =>
            typeof g === 'string' && g !== '' && !g.includes('\u0000') && g.length <= maxNameLength,
        ) &&
        Number.isInteger(state.droppedEmpty) &&
        state.droppedEmpty >= 0
      )
    case 'overage':
      return typeof state.claimSourceName === 'string'
    case 'over-limit':
      return (
        (state.reason === 'too-many') === state.count > maxGroups &&
        (state.reason === 'too-many' || (state.index !== undefined && state.index < state.count))
      )
  }
}

const PATHS: readonly (readonly [string, readonly string[]])[] = [
  ['groups', ['groups']],
  ['realm_access.roles', ['realm_access', 'roles']],
  ['/https:~1~1example.com~1groups', ['https://example.com/groups']],
  ['a\\.b.c', ['a.b', 'c']],
  ['/tenants/0/groups', ['tenants', '0', 'groups']],
]

const often = <T>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 4, arbitrary: usual }, { weight: 1, arbitrary: rare })

const optionsArb: fc.Arbitrary<GroupsClaimOptions> = fc.record(
  {
    sources: often(fc.constant('id_token_then_userinfo'), fc.constantFrom('id_token', 'userinfo')),
    delimiter: fc.constantFrom(',', ' ', '::'),
    maxGroups: fc.nat({ max: 20 }),
    maxNameLength: fc.nat({ max: 40 }),
    keycloakPaths: fc.constantFrom('off', 'leaf', 'strip-leading-slash'),
  },
  { requiredKeys: [] },
)

/** A JSON value at the claim path, at a prefix of it, and around it (siblings, overage keys). */
const json = fc.jsonValue({ maxDepth: 3 })
const jsonObject = fc.dictionary(fc.string({ maxLength: 4 }), json, { maxKeys: 3 })

/**
 * A claims object with a JSON value at the claim path or at a prefix of it, arbitrary values
 * around it (siblings, `_claim_names`/`_claim_sources`, `hasgroups`), sometimes an overage
 * marker for the claim, and sometimes a userinfo body (mostly for the same user).
 */
const payloadArb = fc
  .record({
    path: fc.constantFrom(...PATHS),
    atPath: fc.oneof(
      json,
      fc.array(fc.string({ maxLength: 8 }), { maxLength: 25 }),
      fc.string({ maxLength: 30 }),
    ),
    depth: fc.nat({ max: 3 }),
    around: fc.dictionary(
      fc.constantFrom(
        'groups',
        '_claim_names',
        '_claim_sources',
        'hasgroups',
        'realm_access',
        'tenants',
      ),
      json,
      { maxKeys: 3 },
    ),
    overage: often(
      fc.constant(undefined),
      fc.record({
        name: often(fc.constant('src'), json),
        source: fc.oneof(
          fc.record({ endpoint: fc.webUrl(), access_token: fc.string() }),
          fc.record({ endpoint: json, access_token: json }),
          json,
        ),
        withClaim: fc.boolean(),
      }),
    ),
    userinfo: fc.option(
      fc.record({
        sameSub: often(fc.constant(true), fc.constant(false)),
        body: often(jsonObject, json),
        withClaim: fc.boolean(),
      }),
      { nil: undefined },
    ),
    options: optionsArb,
  })
  .map(({ path: [path, segments], atPath, depth, around, overage, userinfo, options }) => {
    const prefix = segments.slice(0, Math.min(depth, segments.length - 1) + 1)
    const marker =
      overage === undefined
        ? {}
        : {
            _claim_names: { [segments[0] ?? '']: overage.name },
            _claim_sources: { src: overage.source },
          }
    const idTokenClaims = {
      ...around,
      ...marker,
      ...(overage?.withClaim === false ? {} : place(prefix, atPath)),
      sub: 'u',
    }
    const body =
      userinfo === undefined
        ? undefined
        : typeof userinfo.body === 'object' &&
            userinfo.body !== null &&
            !Array.isArray(userinfo.body)
          ? {
              ...userinfo.body,
              ...(userinfo.withClaim ? place(segments, atPath) : {}),
              sub: userinfo.sameSub ? 'u' : 'v',
            }
          : userinfo.body
    return { idTokenClaims, userinfo: body, options: { ...options, path } }
  })

describe('property: arbitrary JSON at and around the claim path', () => {
  fcTest.prop([payloadArb], { numRuns: FUZZ_RUNS })(
    'never throws, and gives a well-formed state or a coded ClaimsError',
    ({ idTokenClaims, userinfo, options }) => {
      const result = extractGroupsClaim(
        userinfo === undefined ? { idTokenClaims } : { idTokenClaims, userinfo },
        options,
      )
      if (result._tag === 'Left') {
        expect(CODES).toContain(result.left.code)
        expect(result.left.name).toBe('ClaimsError')
      } else {
        expect(isWellFormed(result.right, options)).toBe(true)
      }
    },
  )

  fcTest.prop([fc.jsonValue(), fc.jsonValue()], { numRuns: RUNS })(
    'the input objects themselves may be anything: never throws',
    (idTokenClaims, userinfo) => {
      const result = extractGroupsClaim({
        idTokenClaims: idTokenClaims as Record<string, unknown>,
        userinfo,
      })
      return result._tag === 'Right' || CODES.includes(result.left.code)
    },
  )
})

/** The shape rule, written as plainly as possible. */
function oracleShape(value: unknown): { groups: string[]; dropped: number } | { index?: number } {
  const entries = typeof value === 'string' ? [value] : value
  if (!Array.isArray(entries)) return {}
  const index = entries.findIndex((e) => typeof e !== 'string')
  if (index >= 0) return { index }
  const strings = entries as string[]
  return {
    groups: strings.filter((s) => s !== ''),
    dropped: strings.filter((s) => s === '').length,
  }
}

const entryArb = fc.oneof(fc.constant(''), fc.string({ maxLength: 6 }))

describe('property: shapes (point 4)', () => {
  fcTest.prop(
    [fc.oneof(fc.jsonValue(), fc.array(entryArb), fc.array(fc.oneof(entryArb, fc.jsonValue())))],
    { numRuns: RUNS },
  )(
    'a value is present exactly as the plain shape rule says, or malformed at its first non-string',
    (value) => {
      const result = extractGroupsClaim(
        { idTokenClaims: { groups: value } },
        { maxNameLength: 1e9 },
      )
      const expected = oracleShape(value)
      if ('groups' in expected) {
        const state = expectState(result)
        if (state.state === 'over-limit') {
          expect(state.reason).not.toBe('name-too-long')
          return
        }
        expect(state).toEqual({
          state: 'present',
          groups: expected.groups,
          source: 'id_token',
          droppedEmpty: expected.dropped,
        })
      } else {
        const error = expectError(result)
        expect([error.code, error.path, error.index]).toEqual([
          'GROUPS_CLAIM_MALFORMED',
          '/groups',
          expected.index,
        ])
      }
    },
  )

  fcTest.prop(
    [
      fc.constantFrom(',', ' ', '::', '|'),
      fc.array(
        fc.string({ minLength: 1, maxLength: 5, unit: fc.constantFrom('a', 'b', 'é', '-', '😀') }),
        {
          minLength: 1,
        },
      ),
    ],
    { numRuns: RUNS },
  )('splitting on the delimiter undoes joining with it', (delimiter, names) => {
    const state = expectState(
      extractGroupsClaim({ idTokenClaims: { groups: names.join(delimiter) } }, { delimiter }),
    )
    expect(state).toMatchObject({ state: 'present', groups: names, droppedEmpty: 0 })
  })
})

describe('property: limits (point 5)', () => {
  fcTest.prop(
    [
      fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.constant('a\u0000')), { maxLength: 10 }),
      fc.nat({ max: 10 }),
      fc.nat({ max: 6 }),
    ],
    { numRuns: RUNS },
  )(
    'over-limit exactly when too many entries, or at the first entry too long or holding NUL',
    (entries, maxGroups, maxNameLength) => {
      const state = expectState(
        extractGroupsClaim({ idTokenClaims: { groups: entries } }, { maxGroups, maxNameLength }),
      )
      const first = entries.findIndex((e) => e.includes('\u0000') || e.length > maxNameLength)
      if (entries.length > maxGroups) {
        expect(state).toMatchObject({
          state: 'over-limit',
          reason: 'too-many',
          count: entries.length,
        })
      } else if (first >= 0) {
        const reason = entries[first]?.includes('\u0000') ? 'nul-character' : 'name-too-long'
        expect(state).toMatchObject({
          state: 'over-limit',
          reason,
          index: first,
          count: entries.length,
        })
      } else {
        expect(state.state).toBe('present')
      }
    },
  )
})

describe('property: sources (point 3)', () => {
  const sourceArb = fc.option(
    fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 3 }),
    {
      nil: undefined,
    },
  )
  fcTest.prop(
    [
      sourceArb,
      sourceArb,
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom('id_token', 'userinfo', 'id_token_then_userinfo'),
    ],
    { numRuns: RUNS },
  )(
    'the first configured source that has the claim wins; userinfo must be for the same sub',
    (inToken, inUserinfo, giveUserinfo, sameSub, sources) => {
      const idTokenClaims = inToken === undefined ? { sub: 'u' } : { sub: 'u', groups: inToken }
      const userinfoBody = {
        sub: sameSub ? 'u' : 'v',
        ...(inUserinfo === undefined ? {} : { groups: inUserinfo }),
      }
      const result = extractGroupsClaim(
        giveUserinfo ? { idTokenClaims, userinfo: userinfoBody } : { idTokenClaims },
        { sources },
      )
      const order: ('id_token' | 'userinfo')[] =
        sources === 'id_token'
          ? ['id_token']
          : sources === 'userinfo'
            ? ['userinfo']
            : ['id_token', 'userinfo']
      if (sources === 'userinfo' && !giveUserinfo) {
        {
          expect(expectError(result).code).toBe('CLAIMS_INPUT_INVALID')
          return
        }
      }
      if (giveUserinfo && sources !== 'id_token' && !sameSub) {
        {
          expect(expectError(result).code).toBe('USERINFO_SUB_MISMATCH')
          return
        }
      }
      const lists = { id_token: inToken, userinfo: giveUserinfo ? inUserinfo : undefined }
      const winner = order.find((source) => lists[source] !== undefined)
      const state = expectState(result)
      if (winner === undefined) expect(state).toEqual({ state: 'absent' })
      else expect(state).toMatchObject({ state: 'present', source: winner, groups: lists[winner] })
    },
  )
})

describe('property: Keycloak full paths (point 7)', () => {
  const pathArb = fc
    .array(
      fc
        .string({ minLength: 1, maxLength: 4 })
        .filter((s) => !s.includes('/') && !s.includes('\u0000')),
      {
        minLength: 1,
        maxLength: 4,
      },
    )
    .map((parts) => `/${parts.join('/')}`)
  fcTest.prop(
    [
      fc.array(
        fc.oneof(
          pathArb,
          fc.string({ maxLength: 5 }).filter((s) => !s.includes('\u0000')),
        ),
        { maxLength: 6 },
      ),
    ],
    {
      numRuns: RUNS,
    },
  )(
    'leaf keeps the last segment of full paths, strip drops the slash, others are unchanged',
    (entries) => {
      const read = (keycloakPaths: KeycloakPathMode) =>
        expectState(extractGroupsClaim({ idTokenClaims: { groups: entries } }, { keycloakPaths }))
      const expected = (map: (e: string) => string) => entries.map(map).filter((e) => e !== '')
      expect(read('leaf')).toMatchObject({
        groups: expected((e) => (e.startsWith('/') ? (e.split('/').at(-1) ?? '') : e)),
      })
      expect(read('strip-leading-slash')).toMatchObject({
        groups: expected((e) => (e.startsWith('/') ? e.slice(1) : e)),
      })
      expect(read('off')).toMatchObject({ groups: expected((e) => e) })
    },
  )
})

describe('property: claim paths round-trip (point 2)', () => {
  const segmentsArb = fc.array(
    fc.string({ maxLength: 6, unit: fc.constantFrom('a', '.', '/', '~', '\\', '0', '1', 'é') }),
    {
      minLength: 1,
      maxLength: 4,
    },
  )

  fcTest.prop([segmentsArb], { numRuns: RUNS })(
    'JSON Pointer: parse(format(path)) = path',
    (segments) => {
      expect(expectRight(parseClaimPath(formatJsonPointer(segments)))).toEqual(segments)
    },
  )

  fcTest.prop([segmentsArb.filter((s) => !s.includes(''))], { numRuns: RUNS })(
    'dotted: parse(format(path)) = path for every path without an empty name',
    (segments) => {
      const dotted = formatDottedPath(segments)
      expect(dotted).toBeDefined()
      expect(expectRight(parseClaimPath(dotted ?? ''))).toEqual(segments)
    },
  )

  fcTest.prop(
    [fc.string({ maxLength: 12, unit: fc.constantFrom('a', '.', '/', '~', '0', '1', '\\') })],
    {
      numRuns: RUNS,
    },
  )(
    'any string parses to a path or CLAIM_PATH_INVALID; a valid pointer is its own canonical form',
    (path) => {
      const parsed = parseClaimPath(path)
      if (parsed._tag === 'Left') {
        expect(parsed.left.code).toBe('CLAIM_PATH_INVALID')
        return
      }
      if (path.startsWith('/')) expect(formatJsonPointer(parsed.right)).toBe(path)
      const dotted = formatDottedPath(parsed.right)
      if (dotted !== undefined) expect(expectRight(parseClaimPath(dotted))).toEqual(parsed.right)
    },
  )

  fcTest.prop(
    [
      segmentsArb.filter((s) => !s.includes('')),
      fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 3 }),
    ],
    {
      numRuns: RUNS,
    },
  )('a claim placed at a path is found through both spellings of that path', (segments, groups) => {
    fc.pre(groups.every((g) => !g.includes('\u0000')))
    const idTokenClaims = place(segments, groups)
    for (const path of [formatJsonPointer(segments), formatDottedPath(segments) ?? '']) {
      const state = expectState(
        extractGroupsClaim({ idTokenClaims }, { path, sources: 'id_token' }),
      )
      expect(state).toMatchObject({ state: 'present', groups })
    }
  })
})

describe('property: the distributed size cap (point 6)', () => {
  fcTest.prop([fc.nat({ max: 400 }), fc.integer({ min: 20, max: 300 })], { numRuns: 200 })(
    'a body is refused as TOO_LARGE exactly when it is larger than maxBytes',
    async (padding, maxBytes) => {
      const body = JSON.stringify({ sub: 'u', groups: ['g'], pad: 'x'.repeat(padding) })
      const resolver = createHttpDistributedClaimsResolver({
        allowedOrigins: ['https://claims.test'],
        maxBytes,
        fetch: () => Promise.resolve(new Response(body)),
      })
      const result = await resolver.resolve(
        {
          state: 'overage',
          source: 'id_token',
          claimSourceName: 's',
          endpoint: 'https://claims.test/x',
        },
        { subject: 'u', options: {} },
      )()
      const tooLarge = result._tag === 'Left' && result.left.value === 'TOO_LARGE'
      expect(tooLarge).toBe(Buffer.byteLength(body) > maxBytes)
      if (!tooLarge) expect(expectRight(result)).toMatchObject({ groups: ['g'] })
    },
  )
})

describe('property: options (rule C9)', () => {
  const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof(valid, fc.anything())
  const count = (n: unknown) => n === undefined || (Number.isSafeInteger(n) && (n as number) >= 0)
  fcTest.prop(
    [
      fc.record(
        {
          sources: maybe(fc.constantFrom('id_token', 'userinfo', 'id_token_then_userinfo')),
          delimiter: maybe(fc.string({ maxLength: 2 })),
          maxGroups: maybe(fc.nat()),
          maxNameLength: maybe(fc.nat()),
          keycloakPaths: maybe(fc.constantFrom('off', 'leaf', 'strip-leading-slash')),
        },
        { requiredKeys: [] },
      ),
    ],
    { numRuns: RUNS },
  )(
    'an option is refused (CLAIMS_INPUT_INVALID) exactly when it is outside its domain',
    (options) => {
      const { sources, delimiter, maxGroups, maxNameLength, keycloakPaths } = options
      const valid =
        [undefined, 'id_token', 'userinfo', 'id_token_then_userinfo'].includes(sources as string) &&
        (delimiter === undefined || (typeof delimiter === 'string' && delimiter !== '')) &&
        count(maxGroups) &&
        count(maxNameLength) &&
        [undefined, 'off', 'leaf', 'strip-leading-slash'].includes(keycloakPaths as string)
      const result = extractGroupsClaim(
        { idTokenClaims: { sub: 'u', groups: ['a'] }, userinfo: { sub: 'u' } },
        options as GroupsClaimOptions,
      )
      if (valid) expect(result._tag).toBe('Right')
      else expect(expectError(result).code).toBe('CLAIMS_INPUT_INVALID')
    },
  )
})

describe('property: overage (point 5)', () => {
  fcTest.prop(
    [
      fc.constantFrom(...PATHS),
      fc.string({ maxLength: 6 }),
      fc.option(
        fc.record({ endpoint: fc.string(), access_token: fc.string() }, { requiredKeys: [] }),
        {
          nil: undefined,
        },
      ),
      fc.array(fc.string({ minLength: 1, maxLength: 4, unit: 'grapheme-ascii' }), { maxLength: 3 }),
    ],
    { numRuns: RUNS },
  )(
    'a marker for the claim is overage when the value is not there (never absent), and ignored when it is',
    ([path, segments], claimSourceName, source, groups) => {
      const marker = {
        sub: 'u',
        _claim_names: { [segments[0] ?? '']: claimSourceName },
        ...(source === undefined ? {} : { _claim_sources: { [claimSourceName]: source } }),
      }
      const without = expectState(extractGroupsClaim({ idTokenClaims: marker }, { path }))
      expect(without).toEqual({
        state: 'overage',
        source: 'id_token',
        claimSourceName,
        ...(source?.endpoint === undefined ? {} : { endpoint: source.endpoint }),
        ...(source?.access_token === undefined ? {} : { accessToken: source.access_token }),
      })
      const withValue = { ...marker, ...place(segments, groups) }
      expect(expectState(extractGroupsClaim({ idTokenClaims: withValue }, { path }))).toMatchObject(
        {
          state: 'present',
          groups,
        },
      )
    },
  )
})
