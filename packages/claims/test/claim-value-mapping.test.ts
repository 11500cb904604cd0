import { test as fcTest, fc } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import {
  applyClaimValueMapping,
  compileClaimValueMapping,
  extractGroupsClaim,
} from '../src/index.js'
import type { ClaimValueMapping } from '../src/claim-value-mapping.js'
import { compileGlob, matchGlob, type Glob, type StepCounter } from '../src/internal/glob.js'
import { commonNameOfDn } from '../src/internal/ldap-dn.js'
import { expectError, expectRight } from './helpers.js'

const RUNS = Math.max(1_000, Number(process.env['FC_NUM_RUNS'] ?? 0))

const glob = (source: string): Glob => {
  const compiled = compileGlob(source)
  if (typeof compiled === 'string') throw new Error(compiled)
  return compiled
}

const mapper = (mapping: ClaimValueMapping) => expectRight(compileClaimValueMapping(mapping))
const mapAll = (mapping: ClaimValueMapping, entries: readonly string[]) =>
  applyClaimValueMapping(entries, mapper(mapping))

/**
 * The naive oracle: glob matching by dynamic programming over (pattern position, value
 * position), written independently of the segment algorithm.
 */
function naiveGlob(pattern: string, value: string): boolean {
  const tokens: ({ kind: 'star' } | { kind: 'any' } | { kind: 'unit'; unit: string })[] = []
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string
    if (c === '\\') tokens.push({ kind: 'unit', unit: pattern[++i] as string })
    else if (c === '*') tokens.push({ kind: 'star' })
    else if (c === '?') tokens.push({ kind: 'any' })
    else tokens.push({ kind: 'unit', unit: c })
  }
  // can[p][v]: tokens from p match value from v
  const can: boolean[][] = Array.from({ length: tokens.length + 1 }, () =>
    Array<boolean>(value.length + 1).fill(false),
  )
  ;(can[tokens.length] as boolean[])[value.length] = true
  for (let p = tokens.length - 1; p >= 0; p -= 1) {
    const token = tokens[p]
    const row = can[p] as boolean[]
    const next = can[p + 1] as boolean[]
    for (let v = value.length; v >= 0; v -= 1) {
      if (token?.kind === 'star')
        row[v] = (next[v] ?? false) || (v < value.length && (row[v + 1] ?? false))
      else if (token?.kind === 'any') row[v] = v < value.length && (next[v + 1] ?? false)
      else row[v] = v < value.length && value[v] === token?.unit && (next[v + 1] ?? false)
    }
  }
  return (can[0] as boolean[])[0] ?? false
}

/** Small alphabets, so that matches and near misses are both common. */
const units = fc.constantFrom('a', 'b', 'c')
const valueArb = fc.array(units, { maxLength: 14 }).map((cs) => cs.join(''))
const patternArb = fc
  .array(fc.constantFrom('a', 'b', '*', '?', '\\*', '\\?', '\\\\', 'c'), { maxLength: 8 })
  .map((parts) => parts.join(''))

describe('rule C11: glob filter, linear time', () => {
  it('examples: * is any run, ? one unit, backslash escapes, the rest literal and case-sensitive', () => {
    expect(matchGlob(glob('app-*'), 'app-dev')).toBe(true)
    expect(matchGlob(glob('app-*'), 'app-')).toBe(true)
    expect(matchGlob(glob('app-*'), 'App-dev')).toBe(false)
    expect(matchGlob(glob('*-admins'), 'eu-admins')).toBe(true)
    expect(matchGlob(glob('team-?'), 'team-a')).toBe(true)
    expect(matchGlob(glob('team-?'), 'team-ab')).toBe(false)
    expect(matchGlob(glob('a*b*c'), 'aXbYc')).toBe(true)
    expect(matchGlob(glob('a*b*c'), 'acb')).toBe(false)
    expect(matchGlob(glob('\\*x'), '*x')).toBe(true)
    expect(matchGlob(glob('\\*x'), 'ax')).toBe(false)
    expect(matchGlob(glob('[ab]'), '[ab]')).toBe(true)
    expect(matchGlob(glob('*'), '')).toBe(true)
    expect(compileGlob('ends-with\\')).toEqual(expect.any(String))
  })

  fcTest.prop([patternArb, valueArb], { numRuns: RUNS })(
    'the segment matcher agrees with a dynamic-programming oracle',
    (pattern, value) => matchGlob(glob(pattern), value) === naiveGlob(pattern, value),
  )

  fcTest.prop([patternArb, fc.array(units, { maxLength: 200 }).map((cs) => cs.join(''))], {
    numRuns: RUNS,
  })('a match makes at most (|value| + 1) × (|pattern| + 1) comparisons', (pattern, value) => {
    const counter: StepCounter = { steps: 0 }
    matchGlob(glob(pattern), value, counter)
    return counter.steps <= (value.length + 1) * (pattern.length + 1)
  })

  it('adversarial inputs cost linear comparisons: doubling the value at most doubles the work', () => {
    // The classic catastrophic-backtracking shapes for regex engines.
    const patterns = ['*a*a*a*a*a*b', 'a*a*a*a*a*a*a*a*b', '*?*?*?*?*b', '*aaaaaaaaab*']
    for (const pattern of patterns) {
      const steps = (n: number): number => {
        const counter: StepCounter = { steps: 0 }
        expect(matchGlob(glob(pattern), 'a'.repeat(n), counter)).toBe(false)
        return counter.steps
      }
      const small = steps(5_000)
      const large = steps(10_000)
      expect(large / small, pattern).toBeLessThanOrEqual(2.01)
      expect(large, pattern).toBeLessThanOrEqual(10_001 * (pattern.length + 1))
    }
  })
})

describe('rule C11: the filter keeps entries with a listed prefix or a matching glob', () => {
  it('keeps, drops, and reports entries as sent', () => {
    const mapped = mapAll({ filter: { prefixes: ['app-'], globs: ['*-admins'] } }, [
      'app-dev',
      'eu-admins',
      'other',
    ])
    expect(mapped.groups).toEqual(['app-dev', 'eu-admins'])
    expect([...mapped.origins.keys()]).toEqual(['app-dev', 'eu-admins'])
  })

  it('an empty filter, an empty prefix, a bad glob and unknown fields are configuration errors', () => {
    for (const [mapping, path] of [
      [{ filter: {} }, '/valueMapping/filter'],
      [{ filter: { prefixes: [''] } }, '/valueMapping/filter/prefixes/0'],
      [{ filter: { globs: ['ok', 'bad\\'] } }, '/valueMapping/filter/globs/1'],
      [{ filter: { prefix: ['a'] } }, '/valueMapping/filter/prefix'],
      [{ stripPrefixes: 'a' }, '/valueMapping/stripPrefixes'],
      [{ aliases: { x: '' } }, '/valueMapping/aliases/x'],
      [{ aliases: { 'a/b': 3 } }, '/valueMapping/aliases/a~1b'],
      [{ ldapDnCn: 'yes' }, '/valueMapping/ldapDnCn'],
    ] as const) {
      const error = expectError(compileClaimValueMapping(mapping))
      expect(error.code, JSON.stringify(mapping)).toBe('CLAIMS_INPUT_INVALID')
      expect(error.path, JSON.stringify(mapping)).toBe(path)
    }
  })
})

describe('rule C12: stripping a prefix', () => {
  it('strips the prefix where it is, leaves other entries, drops what becomes empty', () => {
    expect(mapAll({ stripPrefix: 'app-' }, ['app-dev', 'ops', 'app-']).groups).toEqual([
      'dev',
      'ops',
    ])
  })

  fcTest.prop([fc.string({ minLength: 1 }), fc.array(fc.string())], { numRuns: RUNS })(
    'every name is an entry without the prefix, or an entry that lacked it',
    (prefix, entries) => {
      const { groups, origins } = mapAll({ stripPrefix: prefix }, entries)
      return groups.every((name) =>
        (origins.get(name) ?? []).every((sent) =>
          sent.startsWith(prefix) ? sent.slice(prefix.length) === name : sent === name,
        ),
      )
    },
  )
})

/** Escapes a string as an RFC 4514 attribute value (a test-side writer, for round trips). */
function escapeDnValue(value: string): string {
  let out = ''
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i] as string
    const special =
      '"+,;<>\\'.includes(c) ||
      (c === '#' && i === 0) ||
      (c === ' ' && (i === 0 || i === value.length - 1))
    out += special ? `\\${c}` : c
  }
  return out
}

describe('rule C13: the CN of an LDAP distinguished name (RFC 4514)', () => {
  it('examples from memberOf-style claims', () => {
    expect(commonNameOfDn('CN=Domain Admins,OU=Groups,DC=example,DC=com')).toBe('Domain Admins')
    expect(commonNameOfDn('cn=dev,ou=groups,dc=example,dc=org')).toBe('dev')
    expect(commonNameOfDn('2.5.4.3=dev,dc=example')).toBe('dev')
    expect(commonNameOfDn('CN=Dev\\, Ops,OU=G')).toBe('Dev, Ops')
    expect(commonNameOfDn('CN=a\\2Bb\\5C,OU=G')).toBe('a+b\\')
    expect(commonNameOfDn('CN=caf\\C3\\A9,OU=G')).toBe('café')
    expect(commonNameOfDn('CN=\\ lead\\ ,OU=G')).toBe(' lead ')
    expect(commonNameOfDn('UID=u1+CN=multi,OU=G')).toBe('multi')
    expect(commonNameOfDn('CN=x=y,OU=G')).toBe('x=y')
  })

  it('not a DN, no CN in the first RDN, or a broken escape: undefined (the entry stays as sent)', () => {
    for (const text of [
      'dev',
      '',
      'OU=Groups,CN=dev',
      'CN=dev,',
      'CN=a,b',
      'CN=trailing ,OU=G',
      'CN= lead,OU=G',
      'CN=bad\\zz',
      'CN=\\C3,OU=G', // a lone UTF-8 lead byte
      'CN=nul\\00,OU=G',
      'CN=#04026869,OU=G', // a BER value is not a string CN
      'CN=a"b',
      '1cn=x',
      '01.2=x',
    ]) {
      expect(commonNameOfDn(text), text).toBeUndefined()
    }
  })

  fcTest.prop(
    [
      fc
        .string({ unit: 'grapheme', minLength: 0, maxLength: 20 })
        .filter((s) => !s.includes('\u0000')),
      fc.array(fc.constantFrom('OU=Groups', 'DC=example', 'O=Acme\\, Inc'), { maxLength: 3 }),
    ],
    { numRuns: RUNS },
  )(
    'escaping any value as a CN and parsing the DN gives the value back',
    (value, rest) => commonNameOfDn([`CN=${escapeDnValue(value)}`, ...rest].join(',')) === value,
  )

  it('with ldapDnCn on, DNs become their CN and other entries stay as sent', () => {
    expect(mapAll({ ldapDnCn: true }, ['CN=dev,OU=G', 'plain', 'OU=x,DC=y']).groups).toEqual([
      'dev',
      'plain',
      'OU=x,DC=y',
    ])
  })
})

describe('rule C14: the alias table', () => {
  it('maps a value to one or several names; values not listed stay; [] drops', () => {
    const mapped = mapAll(
      { aliases: { 'a1b2-guid': 'admins', 'c3d4-guid': ['dev', 'ops'], drop: [] } },
      ['a1b2-guid', 'c3d4-guid', 'unknown-guid', 'drop'],
    )
    expect(mapped.groups).toEqual(['admins', 'dev', 'ops', 'unknown-guid'])
    expect(mapped.origins.get('ops')).toEqual(['c3d4-guid'])
  })

  it('inherited properties are never aliases', () => {
    expect(mapAll({ aliases: {} }, ['toString', '__proto__', 'constructor']).groups).toEqual([
      'toString',
      '__proto__',
      'constructor',
    ])
  })

  it('several entries giving one name are all remembered, each once, in claim order', () => {
    const mapped = mapAll({ aliases: { g1: 'dev', g2: 'dev' } }, ['g2', 'g1', 'g2'])
    expect(mapped.groups).toEqual(['dev', 'dev', 'dev'])
    expect(mapped.origins.get('dev')).toEqual(['g2', 'g1'])
  })
})

describe('the steps in order, through extractGroupsClaim', () => {
  it('DN → filter → strip → alias, with the entries as sent in `sent`', () => {
    const state = expectRight(
      extractGroupsClaim(
        {
          idTokenClaims: {
            sub: 'u1',
            memberOf: ['CN=app-dev,OU=G,DC=x', 'CN=hr,OU=G,DC=x', 'CN=app-eu,OU=G,DC=x'],
          },
        },
        {
          path: 'memberOf',
          valueMapping: {
            ldapDnCn: true,
            filter: { prefixes: ['app-'] },
            stripPrefix: 'app-',
            aliases: { eu: ['europe', 'emea'] },
          },
        },
      ),
    )
    expect(state).toEqual({
      state: 'present',
      groups: ['dev', 'europe', 'emea'],
      source: 'id_token',
      droppedEmpty: 0,
      sent: ['CN=app-dev,OU=G,DC=x', 'CN=hr,OU=G,DC=x', 'CN=app-eu,OU=G,DC=x'],
    })
  })

  it('a bad mapping is refused before the claim is read', () => {
    const error = expectError(
      extractGroupsClaim({ idTokenClaims: { sub: 'u1' } }, { valueMapping: { filter: {} } }),
    )
    expect(error).toMatchObject({ code: 'CLAIMS_INPUT_INVALID', path: '/valueMapping/filter' })
  })
})

describe('rule C10: the object-keyed shape', () => {
  it('the member names are the entries, sorted by code units; values are ignored', () => {
    const state = expectRight(
      extractGroupsClaim(
        {
          idTokenClaims: {
            sub: 'u1',
            'urn:zitadel:iam:org:project:roles': {
              user: { '1782': 'acme.zitadel.cloud' },
              '10': {},
              Admin: { '1782': 'acme.zitadel.cloud' },
            },
          },
        },
        { path: 'urn:zitadel:iam:org:project:roles', shape: 'object-keys' },
      ),
    )
    expect(state).toEqual({
      state: 'present',
      groups: ['10', 'Admin', 'user'],
      source: 'id_token',
      droppedEmpty: 0,
    })
  })

  it('an array of objects (the form Zitadel’s reference documentation shows) gives the union of their names', () => {
    const state = expectRight(
      extractGroupsClaim(
        {
          idTokenClaims: {
            sub: 'u1',
            roles: [{ user: { id1: 'acme.zitadel.ch' } }, { admin: {}, user: {} }],
          },
        },
        { path: 'roles', shape: 'object-keys' },
      ),
    )
    expect(state).toMatchObject({ state: 'present', groups: ['admin', 'user'] })
  })

  it('a string, or an array holding a non-object, is malformed (at the first such element)', () => {
    const inArray = expectError(
      extractGroupsClaim(
        { idTokenClaims: { sub: 'u1', roles: [{ a: {} }, 'b'] } },
        { path: 'roles', shape: 'object-keys' },
      ),
    )
    expect(inArray).toMatchObject({
      code: 'GROUPS_CLAIM_MALFORMED',
      path: '/roles',
      index: 1,
      value: 'string',
    })
    const bare = expectError(
      extractGroupsClaim(
        { idTokenClaims: { sub: 'u1', roles: 'a' } },
        { path: 'roles', shape: 'object-keys' },
      ),
    )
    expect(bare).toMatchObject({ code: 'GROUPS_CLAIM_MALFORMED', path: '/roles', value: 'string' })
    expect(bare.index).toBeUndefined()
  })
})

describe('any claim value and any value mapping', () => {
  const mappingArb = fc.record(
    {
      ldapDnCn: fc.boolean(),
      filter: fc.record(
        {
          prefixes: fc.array(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 2 }),
          globs: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
      stripPrefix: fc.string({ maxLength: 3 }),
      aliases: fc.dictionary(
        fc.string({ maxLength: 4 }),
        fc.oneof(
          fc.string({ maxLength: 4 }),
          fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
        ),
      ),
    },
    { requiredKeys: [] },
  )

  fcTest.prop([fc.jsonValue(), mappingArb, fc.constantFrom('list', 'object-keys')], {
    numRuns: RUNS,
  })(
    'never throws; a present state maps `sent` to `groups`, anything else is a coded error',
    (value, valueMapping, shape) => {
      const options = { path: 'g', shape, valueMapping } as const
      const result = extractGroupsClaim({ idTokenClaims: { sub: 'u1', g: value } }, options)
      if (result._tag === 'Left')
        return ['CLAIMS_INPUT_INVALID', 'GROUPS_CLAIM_MALFORMED'].includes(result.left.code)
      const state = result.right
      if (state.state !== 'present') return state.state === 'over-limit' || state.state === 'absent'
      const compiled = expectRight(compileClaimValueMapping(valueMapping))
      return (
        state.sent !== undefined &&
        JSON.stringify(applyClaimValueMapping(state.sent, compiled).groups) ===
          JSON.stringify(state.groups) &&
        state.groups.every((name) => name !== '')
      )
    },
  )
})
