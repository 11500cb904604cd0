import { readFileSync } from 'node:fs'
import { test as fcTest, fc } from '@fast-check/vitest'
import { beforeAll, describe, expect, it } from 'vitest'
import type * as t from 'io-ts'
import {
  CLAIMS_ERROR_CODES,
  ClaimsError,
  createHttpDistributedClaimsResolver,
  extractGroupsClaim,
  GroupsClaimOptionsCodec,
  IdTokenVerificationCodec,
  PROVIDER_PRESET_NAMES,
  PROVIDER_PRESETS,
  verifyIdToken,
  verifyLogin,
  type GroupsClaimOptions,
  type HttpDistributedClaimsResolverOptions,
  type IdTokenVerification,
  type LoginClaimsInput,
} from '../src/index.js'
import { providerPreset } from '../src/presets/index.js'
import { ClaimShapeCodec, ClaimSourcesCodec, KeycloakPathModeCodec } from '../src/claims-options.js'
import { decodeFailure } from '../src/io-ts-report.js'
import {
  ExtractGroupsClaimInputCodec,
  type ExtractGroupsClaimInput,
} from '../src/extract-groups-claim.js'
import { LoginClaimsInputCodec } from '../src/read-groups-claim.js'
import { expectError, GROUPS_CLAIM_OPTIONS, wholeWord } from './helpers.js'
import { CLIENT_ID, idTokenClaims, ISSUER, makeKey, sign, type TestKey } from './keys.js'

// Every configured or untrusted input of the claims package is decoded by a codec whose type is
// the API's: these tests hold each codec to what the rules and the functions say.

const RUNS = Math.max(1_000, Number(process.env['FC_NUM_RUNS'] ?? 0))

/** A value long enough that a message quoting it whole would be far over 200 characters. */
const LONG = 'x'.repeat(10_000)

const refusedOptions = (options: unknown): ClaimsError =>
  expectError(extractGroupsClaim({ idTokenClaims: { sub: 'u' } }, options as GroupsClaimOptions))

/** The resolver's refusal of `options` (it throws, as documented), or undefined. */
function resolverRefusal(options: unknown): ClaimsError | undefined {
  try {
    createHttpDistributedClaimsResolver(options as HttpDistributedClaimsResolverOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(ClaimsError)
    return error as ClaimsError
  }
  return undefined
}

describe('the error codes', () => {
  it('are listed once, and are exactly the codes of the table "Errors of Part 2"', () => {
    const rules = readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8')
    const table = rules.slice(rules.indexOf('### Errors of Part 2'))
    const documented = [...table.matchAll(/^\| `([A-Z_]+)` /gm)].map((match) => match[1])
    expect(new Set(CLAIMS_ERROR_CODES).size).toBe(CLAIMS_ERROR_CODES.length)
    expect([...documented].sort()).toEqual([...CLAIMS_ERROR_CODES].sort())
  })
})

describe('GroupsClaimOptionsCodec (rule C9)', () => {
  it('decodes every preset’s claims options', () => {
    for (const name of PROVIDER_PRESET_NAMES) {
      expect(GroupsClaimOptionsCodec.is(PROVIDER_PRESETS[name].claimsOptions), name).toBe(true)
    }
  })

  const optionValue = fc.oneof(
    fc.constantFrom('groups', 'a..b', '', 'id_token', 'userinfo', 'leaf', 'object-keys', 'list'),
    fc.constantFrom(0, 2, -1, 1.5, 2 ** 53, null, true),
    fc.constantFrom({}, { filter: {} }, { filter: { globs: ['a\\'] } }, { stripPrefix: 'x' }),
    fc.constantFrom({ aliases: { a: 'b' } }, { ldapDnCn: 'yes' }, { rename: {} }, ['a']),
  )
  const optionName = fc.constantFrom(...GROUPS_CLAIM_OPTIONS, 'claimPath')

  fcTest.prop([fc.dictionary(optionName, optionValue, { maxKeys: 4 })], { numRuns: RUNS })(
    'the codec and the extraction agree: options the codec refuses are CLAIMS_INPUT_INVALID; options it decodes fail only on what it cannot see (the syntax of path and of globs, an empty filter)',
    (options) => {
      const decoded = GroupsClaimOptionsCodec.decode(options)
      const result = extractGroupsClaim(
        { idTokenClaims: { sub: 'u' }, userinfo: { sub: 'u' } },
        options,
      )
      if (decoded._tag === 'Left') {
        if (result._tag !== 'Left') return false
        if (result.left.code === 'CLAIMS_INPUT_INVALID') return true
        // Rule C9: the syntax of `path` (step 4) comes before the valueMapping (step 5), which the
        // codec checks too; so CLAIM_PATH_INVALID is right only when all the codec refused was
        // the valueMapping.
        if (result.left.code !== 'CLAIM_PATH_INVALID') return false
        const withoutMapping = Object.fromEntries(
          Object.entries(options).filter(([name]) => name !== 'valueMapping'),
        )
        return GroupsClaimOptionsCodec.decode(withoutMapping)._tag === 'Right'
      }
      return (
        result._tag === 'Right' ||
        result.left.code === 'CLAIM_PATH_INVALID' ||
        (result.left.code === 'CLAIMS_INPUT_INVALID' &&
          ['/valueMapping/filter', '/valueMapping/filter/globs/0'].includes(result.left.path ?? ''))
      )
    },
  )

  it('names the option (or the valueMapping part) whose value is wrong, with short messages', () => {
    const cases: readonly (readonly [unknown, string | undefined, string | undefined])[] = [
      [{ [LONG]: 1 }, `/${LONG}`, undefined],
      [{ sources: LONG }, '/sources', undefined],
      [{ path: 7 }, '/path', undefined],
      [{ valueMapping: { [LONG]: 1 } }, `/valueMapping/${LONG}`, 'number'],
      [{ valueMapping: { aliases: { [LONG]: '' } } }, `/valueMapping/aliases/${LONG}`, 'string'],
      [
        { valueMapping: { filter: { globs: [`${LONG}\\`] } } },
        '/valueMapping/filter/globs/0',
        'string',
      ],
      [{ valueMapping: { filter: { [LONG]: [] } } }, `/valueMapping/filter/${LONG}`, 'array'],
      ['options', '', undefined],
    ]
    for (const [options, path, value] of cases) {
      const error = refusedOptions(options)
      expect([error.code, error.path, error.value]).toEqual(['CLAIMS_INPUT_INVALID', path, value])
      expect(error.message.length, error.message).toBeLessThan(200)
    }
  })
})

describe('the codecs of the options and of the input', () => {
  // A codec's name is what a reporter gives as `expected` (decodeFailure), and so what a message
  // of the code that decodes with it says a value must be: the sync's policy decodes its
  // claimsOptions with GroupsClaimOptionsCodec, an application may decode its input with
  // ExtractGroupsClaimInputCodec.
  it.each<[string, t.Decoder<unknown, unknown>, unknown, readonly string[]]>([
    ['GroupsClaimOptionsCodec', GroupsClaimOptionsCodec, ['groups'], ['object']],
    [
      'ExtractGroupsClaimInputCodec',
      ExtractGroupsClaimInputCodec,
      null,
      ['idTokenClaims', 'userinfo'],
    ],
    [
      'ClaimSourcesCodec',
      ClaimSourcesCodec,
      'both',
      ['id_token', 'userinfo', 'id_token_then_userinfo'],
    ],
    [
      'KeycloakPathModeCodec',
      KeycloakPathModeCodec,
      'full',
      ['off', 'leaf', 'strip-leading-slash'],
    ],
    ['ClaimShapeCodec', ClaimShapeCodec, 'object', ['list', 'object-keys']],
  ])('%s is named for what it takes', (_, codec, refused, takes) => {
    const decoded = codec.decode(refused)
    if (decoded._tag === 'Right') expect.fail(`${JSON.stringify(refused)} was decoded`)
    const failure = decodeFailure(decoded.left)
    expect([failure.kind, failure.path]).toEqual(['invalid', []])
    const expected = failure.kind === 'invalid' ? failure.expected : ''
    for (const word of takes) expect(expected).toMatch(wholeWord(word))
  })
})

describe('CLAIM_PATH_INVALID', () => {
  it('keeps the path whole in its fields and its message short', () => {
    const path = `${LONG}..`
    const error = refusedOptions({ path })
    expect([error.code, error.path, error.value]).toEqual(['CLAIM_PATH_INVALID', '/path', path])
    expect(error.message.length).toBeLessThan(200)
  })
})

describe('ExtractGroupsClaimInput', () => {
  it('refuses a member it does not know, so a misspelt userinfo is never silently skipped', () => {
    const input = {
      idTokenClaims: { sub: 'u', groups: ['a'] },
      userInfo: { sub: 'other' },
    } as unknown as ExtractGroupsClaimInput
    const error = expectError(extractGroupsClaim(input))
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/userInfo'])
  })

  it('an input that is not an object carries no ID token claims', () => {
    const error = expectError(extractGroupsClaim(null as unknown as ExtractGroupsClaimInput))
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/idTokenClaims'])
  })
})

describe('the login input (verifyLogin)', () => {
  let key: TestKey
  let verification: IdTokenVerification
  beforeAll(async () => {
    key = await makeKey('codecs')
    verification = { issuer: ISSUER, audience: CLIENT_ID, jwks: key.jwks, algorithms: ['ES256'] }
  })

  it.each<[string, unknown, string | undefined]>([
    ['neither token nor claims', {}, '/idToken'],
    ['an idToken that is not a string', { idToken: 7 }, '/idToken'],
    ['claims that are not an object', { claims: ['u'] }, '/claims'],
    ['both a token and claims', { idToken: 'a.b.c', claims: { sub: 'u' } }, '/idToken'],
    [
      'an accessToken that is not a string',
      { claims: { sub: 'u' }, accessToken: 1 },
      '/accessToken',
    ],
    ['an input that is not an object', 'token', ''],
  ])('refuses %s (CLAIMS_INPUT_INVALID at its member)', async (_, input, path) => {
    const error = expectError(await verifyLogin(input as LoginClaimsInput, verification)())
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', path])
    expect(LoginClaimsInputCodec.is(input)).toBe(false)
  })

  it('a token, or a signed userinfo, needs verification options', async () => {
    const idToken = await sign(idTokenClaims(), key)
    const userinfo = await sign({ sub: 'user-1' }, key)
    for (const input of [{ idToken }, { claims: { sub: 'user-1' }, userinfo }]) {
      const error = expectError(await verifyLogin(input, undefined)())
      expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/verification'])
    }
  })

  it('passes claims verified elsewhere and a userinfo body through, and verifies the rest', async () => {
    const claims = { sub: 'user-1', groups: ['a'] }
    const plain = await verifyLogin({ claims, userinfo: { sub: 'user-1' } }, undefined)()
    expect(plain).toEqual({ _tag: 'Right', right: { claims, userinfo: { sub: 'user-1' } } })
    const idToken = await sign(idTokenClaims({ groups: ['b'] }), key)
    const userinfo = await sign({ sub: 'user-1', groups: ['c'] }, key)
    const verified = await verifyLogin({ idToken, userinfo, accessToken: 'at' }, verification)()
    expect(
      verified._tag === 'Right' && [verified.right.claims['groups'], verified.right.userinfo],
    ).toMatchObject([['b'], { sub: 'user-1', groups: ['c'] }])
  })
})

describe('IdTokenVerificationCodec (rule C1’s configuration)', () => {
  let key: TestKey
  beforeAll(async () => {
    key = await makeKey('verification')
  })

  it('refuses an unknown field by its name, before any invalid value', async () => {
    const token = await sign(idTokenClaims(), key)
    const options = {
      issuer: ISSUER,
      audience: CLIENT_ID,
      jwks: key.jwks,
      algorithms: ['none'],
      maxTokenAges: 60,
    } as unknown as IdTokenVerification
    const error = expectError(await verifyIdToken(token, options)())
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/verification/maxTokenAges'])
    expect(IdTokenVerificationCodec.is(options)).toBe(false)
  })

  it('refuses options that are not an object at verification, with a short message', async () => {
    const token = await sign(idTokenClaims(), key)
    const error = expectError(await verifyIdToken(token, null as unknown as IdTokenVerification)())
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/verification'])
    const long = expectError(
      await verifyIdToken(token, { [LONG]: 1 } as unknown as IdTokenVerification)(),
    )
    expect(long.message.length).toBeLessThan(200)
  })
})

describe('HttpDistributedClaimsResolverOptionsCodec (rule C8’s configuration)', () => {
  it.each<[string, unknown, string]>([
    ['an unknown field', { allowedOrigins: [], timeoutMS: 10 }, '/timeoutMS'],
    ['a timeout of zero', { allowedOrigins: [], timeoutMs: 0 }, '/timeoutMs'],
    ['a fractional timeout', { allowedOrigins: [], timeoutMs: 1.5 }, '/timeoutMs'],
    ['a negative size cap', { allowedOrigins: [], maxBytes: -1 }, '/maxBytes'],
    [
      'verification options that are not what rule C1 takes',
      {
        allowedOrigins: [],
        verification: { issuer: 'i', audience: 'a', jwks: { keys: [] }, algorithms: [] },
      },
      '/verification/algorithms',
    ],
    ['a fetch that is not a function', { allowedOrigins: [], fetch: 'curl' }, '/fetch'],
  ])('refuses %s at its path', (_, options, path) => {
    const error = resolverRefusal(options)
    expect([error?.code, error?.path]).toEqual(['CLAIMS_INPUT_INVALID', path])
    expect(error?.message.length).toBeLessThan(200)
  })

  it('takes the documented options', () => {
    expect(
      resolverRefusal({
        allowedOrigins: ['https://graph.microsoft.com'],
        timeoutMs: 1,
        maxBytes: 0,
        fetch: globalThis.fetch,
      }),
    ).toBeUndefined()
  })
})

describe('providerPreset', () => {
  it('decodes the name: a preset, or CLAIMS_INPUT_INVALID at /preset with a short message', () => {
    expect(providerPreset('okta')).toEqual({ _tag: 'Right', right: PROVIDER_PRESETS.okta })
    for (const name of [LONG, 7, null]) {
      const error = expectError(providerPreset(name))
      expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/preset'])
      expect(error.message.length).toBeLessThan(200)
    }
  })
})
