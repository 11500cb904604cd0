import { test as fcTest, fc } from '@fast-check/vitest'
import { createLocalJWKSet, errors, type JWTPayload } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { readGroupsClaim, verifyIdToken, type IdTokenVerification } from '../src/index.js'
import { expectError, expectRight } from './helpers.js'
import { CLIENT_ID, idTokenClaims, ISSUER, makeKey, sign, unsecured, type TestKey } from './keys.js'

let key: TestKey
let other: TestKey
let rsa: TestKey
let options: IdTokenVerification

beforeAll(async () => {
  key = await makeKey('k1')
  other = await makeKey('k2')
  rsa = await makeKey('k3', 'RS256')
  options = { issuer: ISSUER, audience: CLIENT_ID, jwks: key.jwks, algorithms: ['ES256'] }
})

const verify = (token: string, overrides: Partial<IdTokenVerification> = {}) =>
  verifyIdToken(token, { ...options, ...overrides })()

/** The jose code an ID_TOKEN_INVALID carries (and its cause is the jose error). */
async function refusedWith(token: string, overrides: Partial<IdTokenVerification> = {}) {
  const error = expectError(await verify(token, overrides))
  expect(error.code).toBe('ID_TOKEN_INVALID')
  expect(error.cause).toBeInstanceOf(errors.JOSEError)
  expect((error.cause as errors.JOSEError).code).toBe(error.value)
  return error
}

const failedClaim = (error: { readonly cause?: unknown }): string =>
  (error.cause as errors.JWTClaimValidationFailed).claim

describe('point 1: verifyIdToken', () => {
  it('accepts a valid token and returns its claims', async () => {
    const payload = expectRight(await verify(await sign(idTokenClaims({ groups: ['a'] }), key)))
    expect(payload).toMatchObject({ iss: ISSUER, aud: CLIENT_ID, sub: 'user-1', groups: ['a'] })
  })

  it('takes a JWKS, a jose key getter, or several keys', async () => {
    const token = await sign(idTokenClaims(), key)
    expect(expectRight(await verify(token, { jwks: createLocalJWKSet(key.jwks) })).sub).toBe(
      'user-1',
    )
    const both = { keys: [...other.jwks.keys, ...key.jwks.keys] }
    expect(expectRight(await verify(token, { jwks: both })).sub).toBe('user-1')
  })

  it('refuses a bad signature (right kid, wrong key)', async () => {
    const forged = await sign(idTokenClaims(), other, { kid: key.kid })
    expect((await refusedWith(forged)).value).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
  })

  it('refuses alg none', async () => {
    const error = await refusedWith(unsecured(idTokenClaims()))
    expect(error.value).toBe('ERR_JOSE_ALG_NOT_ALLOWED')
  })

  it('refuses an algorithm that is not listed', async () => {
    const token = await sign(idTokenClaims(), rsa)
    expect((await refusedWith(token, { jwks: rsa.jwks })).value).toBe('ERR_JOSE_ALG_NOT_ALLOWED')
  })

  it('refuses a wrong issuer', async () => {
    const error = await refusedWith(await sign(idTokenClaims({ iss: 'https://evil.test' }), key))
    expect([error.value, failedClaim(error)]).toEqual(['ERR_JWT_CLAIM_VALIDATION_FAILED', 'iss'])
  })

  it('refuses a wrong audience', async () => {
    const error = await refusedWith(await sign(idTokenClaims({ aud: 'other-client' }), key))
    expect([error.value, failedClaim(error)]).toEqual(['ERR_JWT_CLAIM_VALIDATION_FAILED', 'aud'])
  })

  it('refuses an expired token, beyond the clock tolerance only', async () => {
    const now = Math.floor(Date.now() / 1000)
    const expired = await sign(idTokenClaims({ iat: now - 700, exp: now - 60 }), key)
    expect((await refusedWith(expired)).value).toBe('ERR_JWT_EXPIRED')
    const justExpired = await sign(idTokenClaims({ iat: now - 700, exp: now - 10 }), key)
    expect(expectRight(await verify(justExpired)).sub).toBe('user-1')
    expect((await refusedWith(justExpired, { clockToleranceSeconds: 0 })).value).toBe(
      'ERR_JWT_EXPIRED',
    )
  })

  it('refuses a token not yet valid (nbf) beyond the tolerance', async () => {
    const now = Math.floor(Date.now() / 1000)
    const early = await sign(idTokenClaims({ nbf: now + 120 }), key)
    const error = await refusedWith(early)
    expect([error.value, failedClaim(error)]).toEqual(['ERR_JWT_CLAIM_VALIDATION_FAILED', 'nbf'])
  })

  it('refuses a token signed by a key not in the JWKS', async () => {
    const token = await sign(idTokenClaims(), other)
    expect((await refusedWith(token)).value).toBe('ERR_JWKS_NO_MATCHING_KEY')
  })

  it.each(['iat', 'exp', 'sub'])('refuses a token without %s', async (claim) => {
    const payload: JWTPayload = idTokenClaims()
    Reflect.deleteProperty(payload, claim)
    const error = await refusedWith(await sign(payload, key))
    expect(failedClaim(error)).toBe(claim)
  })

  it('refuses what is not a JWS', async () => {
    expect((await refusedWith('not.a.jwt')).value).toMatch(/^ERR_JW[ST]_INVALID$/)
  })

  it('checks the nonce when one is expected', async () => {
    const token = await sign(idTokenClaims({ nonce: 'n-1' }), key)
    expect(expectRight(await verify(token, { nonce: 'n-1' })).nonce).toBe('n-1')
    expect(failedClaim(await refusedWith(token, { nonce: 'n-2' }))).toBe('nonce')
    const without = await sign(idTokenClaims(), key)
    expect(failedClaim(await refusedWith(without, { nonce: 'n-1' }))).toBe('nonce')
  })

  it('several audiences need azp equal to the client id', async () => {
    const aud = [CLIENT_ID, 'api']
    expect(
      expectRight(await verify(await sign(idTokenClaims({ aud, azp: CLIENT_ID }), key))).azp,
    ).toBe(CLIENT_ID)
    expect(failedClaim(await refusedWith(await sign(idTokenClaims({ aud }), key)))).toBe('azp')
    const wrongAzp = await sign(idTokenClaims({ aud, azp: 'api' }), key)
    expect(failedClaim(await refusedWith(wrongAzp))).toBe('azp')
    const singleWrongAzp = await sign(idTokenClaims({ azp: 'api' }), key)
    expect(failedClaim(await refusedWith(singleWrongAzp))).toBe('azp')
  })

  it.each<[string, Partial<IdTokenVerification>]>([
    ['algorithms', { algorithms: ['none'] }],
    ['algorithms', { algorithms: ['ES256', 'NONE'] }],
    ['algorithms', { algorithms: [] }],
    ['issuer', { issuer: '' }],
    ['audience', { audience: '' }],
    ['audience', { audience: undefined as unknown as string }],
    ['jwks', { jwks: 'https://idp.test/jwks' as unknown as URL }],
    ['clockToleranceSeconds', { clockToleranceSeconds: -1 }],
  ])('refuses the options (%s) before looking at the token', async (field, overrides) => {
    const error = expectError(await verify(await sign(idTokenClaims(), key), overrides))
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', `/verification/${field}`])
  })

  fcTest.prop(
    [
      fc.record({
        issuer: fc.constantFrom('right', 'wrong'),
        audience: fc.constantFrom('single', 'multi-azp', 'multi-no-azp', 'wrong'),
        expOffset: fc.integer({ min: -600, max: 600 }),
        signer: fc.constantFrom('key', 'other-same-kid', 'other'),
      }),
    ],
    { numRuns: 60 },
  )(
    'property: a token verifies exactly when its signer, iss, aud/azp and exp are all right',
    async ({ issuer, audience, expOffset, signer }) => {
      const now = Math.floor(Date.now() / 1000)
      const aud = {
        single: { aud: CLIENT_ID },
        'multi-azp': { aud: [CLIENT_ID, 'x'], azp: CLIENT_ID },
        'multi-no-azp': { aud: [CLIENT_ID, 'x'] },
        wrong: { aud: 'x' },
      }[audience]
      const payload = idTokenClaims({
        ...aud,
        iss: issuer === 'right' ? ISSUER : 'https://wrong.test',
        iat: now - 1000,
        exp: now + expOffset,
      })
      const token =
        signer === 'key'
          ? await sign(payload, key)
          : await sign(payload, other, signer === 'other-same-kid' ? { kid: key.kid } : {})
      // Expiry within 2 s of the tolerance edge depends on when the check runs; skip that band.
      fc.pre(Math.abs(expOffset + 30) > 2)
      const valid =
        signer === 'key' &&
        issuer === 'right' &&
        (audience === 'single' || audience === 'multi-azp') &&
        expOffset > -30
      const result = await verify(token)
      expect(result._tag === 'Right').toBe(valid)
      if (result._tag === 'Left') expect(result.left.code).toBe('ID_TOKEN_INVALID')
    },
  )
})

describe('readGroupsClaim', () => {
  it('verifies the ID token then extracts the groups', async () => {
    const idToken = await sign(idTokenClaims({ groups: ['dev'] }), key)
    const result = expectRight(await readGroupsClaim({ idToken }, { verification: options })())
    expect(result.state).toEqual({
      state: 'present',
      groups: ['dev'],
      source: 'id_token',
      droppedEmpty: 0,
    })
    expect(result.claims.sub).toBe('user-1')
  })

  it('reads userinfo with the verified token and checks its sub', async () => {
    const idToken = await sign(idTokenClaims(), key)
    const ok = expectRight(
      await readGroupsClaim(
        { idToken, userinfo: { sub: 'user-1', groups: ['u'] } },
        { verification: options },
      )(),
    )
    expect(ok.state).toMatchObject({ groups: ['u'], source: 'userinfo' })
    const mismatch = await readGroupsClaim(
      { idToken, userinfo: { sub: 'user-2', groups: ['u'] } },
      { verification: options },
    )()
    expect(expectError(mismatch).code).toBe('USERINFO_SUB_MISMATCH')
  })

  it('refuses an invalid token before reading any claim', async () => {
    const idToken = await sign(idTokenClaims({ groups: ['dev'] }), other, { kid: key.kid })
    const error = expectError(await readGroupsClaim({ idToken }, { verification: options })())
    expect(error.code).toBe('ID_TOKEN_INVALID')
  })

  it('takes claims verified elsewhere', async () => {
    const result = expectRight(
      await readGroupsClaim(
        { claims: { sub: 'u', roles: 'a b' } },
        { path: 'roles', delimiter: ' ' },
      )(),
    )
    expect(result.state).toMatchObject({ groups: ['a', 'b'] })
  })

  it('an idToken without verification options, or no token and no claims, is CLAIMS_INPUT_INVALID', async () => {
    const idToken = await sign(idTokenClaims(), key)
    expect(expectError(await readGroupsClaim({ idToken }, {})()).code).toBe('CLAIMS_INPUT_INVALID')
    const neither = {} as unknown as { claims: Record<string, unknown> }
    expect(expectError(await readGroupsClaim(neither, {})()).code).toBe('CLAIMS_INPUT_INVALID')
  })
})
