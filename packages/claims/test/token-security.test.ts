import { inspect } from 'node:util'
import { errors, type JWTPayload } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { readGroupsClaim, verifyIdToken, type IdTokenVerification } from '../src/index.js'
import { verifyUserinfoJwt } from '../src/signed-userinfo.js'
import { expectError, expectRight } from './helpers.js'
import { CLIENT_ID, idTokenClaims, ISSUER, makeKey, sign, unsecured, type TestKey } from './keys.js'

// What an attacker with a signed token (or a signed userinfo answer) could get past rule C1 before:
// an issue time in the future, a subject that is not a non-empty string, and error causes that
// carried the token's claims to whatever logs them.

let key: TestKey
let other: TestKey
let options: IdTokenVerification

beforeAll(async () => {
  key = await makeKey('k1')
  other = await makeKey('k2')
  options = { issuer: ISSUER, audience: CLIENT_ID, jwks: key.jwks, algorithms: ['ES256'] }
})

const now = (): number => Math.floor(Date.now() / 1000)
const verify = (token: string, overrides: Partial<IdTokenVerification> = {}) =>
  verifyIdToken(token, { ...options, ...overrides })()

describe('ID token claim times and subject', () => {
  it('refuses an iat in the future beyond the clock tolerance, and accepts one within it', async () => {
    const future = expectError(await verify(await sign(idTokenClaims({ iat: now() + 3600 }), key)))
    expect([future.code, future.value]).toEqual([
      'ID_TOKEN_INVALID',
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ])
    expect((future.cause as errors.JWTClaimValidationFailed).claim).toBe('iat')
    expectRight(await verify(await sign(idTokenClaims({ iat: now() + 10 }), key)))
    const strict = expectError(
      await verify(await sign(idTokenClaims({ iat: now() + 10 }), key), {
        clockToleranceSeconds: 0,
      }),
    )
    expect(strict.code).toBe('ID_TOKEN_INVALID')
  })

  it('refuses an auth_time that is not a number or lies in the future', async () => {
    for (const authTime of ['yesterday', now() + 3600, null]) {
      const token = await sign(idTokenClaims({ auth_time: authTime as number }), key)
      const error = expectError(await verify(token))
      expect(error.code).toBe('ID_TOKEN_INVALID')
      expect((error.cause as errors.JWTClaimValidationFailed).claim).toBe('auth_time')
    }
    expectRight(await verify(await sign(idTokenClaims({ auth_time: now() - 60 }), key)))
  })

  it('maxTokenAge refuses a token issued longer ago, and is checked as configuration', async () => {
    const old = await sign(idTokenClaims({ iat: now() - 600 }), key)
    expectRight(await verify(old))
    const error = expectError(await verify(old, { maxTokenAge: 300 }))
    expect([error.code, error.value]).toEqual(['ID_TOKEN_INVALID', 'ERR_JWT_EXPIRED'])
    expectRight(await verify(old, { maxTokenAge: 900 }))
    const bad = expectError(await verify(old, { maxTokenAge: -1 }))
    expect([bad.code, bad.path]).toEqual(['CLAIMS_INPUT_INVALID', '/verification/maxTokenAge'])
  })

  it.each<[string, unknown]>([
    ['null', null],
    ['a number', 42],
    ['the empty string', ''],
    ['an object', { id: 'u' }],
  ])('refuses a sub that is %s', async (_, sub) => {
    const token = await sign(idTokenClaims({ sub: sub as string }), key)
    const error = expectError(await verify(token))
    expect(error.code).toBe('ID_TOKEN_INVALID')
    expect((error.cause as errors.JWTClaimValidationFailed).claim).toBe('sub')
  })
})

describe('errors carry no token content', () => {
  const SECRET = 'secret-group-7f3a'

  it.each<[string, () => Promise<string>, Partial<IdTokenVerification>]>([
    [
      'an expired token',
      () => sign(idTokenClaims({ exp: now() - 3600, groups: [SECRET] }), key),
      {},
    ],
    ['a wrong issuer', () => sign(idTokenClaims({ iss: 'https://x', groups: [SECRET] }), key), {}],
    [
      'a wrong nonce',
      () => sign(idTokenClaims({ nonce: 'n', groups: [SECRET] }), key),
      { nonce: 'm' },
    ],
    ['a future iat', () => sign(idTokenClaims({ iat: now() + 9999, groups: [SECRET] }), key), {}],
  ])('%s: the cause keeps jose’s code and claim, not the payload', async (_, make, overrides) => {
    const error = expectError(await verify(await make(), overrides))
    expect(error.code).toBe('ID_TOKEN_INVALID')
    expect(error.cause).toBeInstanceOf(errors.JOSEError)
    expect((error.cause as errors.JOSEError).code).toBe(error.value)
    const printed = inspect(error, { depth: Infinity, showHidden: true })
    expect(printed).not.toContain(SECRET)
    expect(printed).not.toContain('user-1')
    expect(JSON.stringify(error.cause)).not.toContain(SECRET)
  })
})

describe('signed userinfo (application/jwt)', () => {
  it('verifies a signed userinfo without iss, aud or exp against the provider keys', async () => {
    const jwt = await sign({ sub: 'user-1', groups: ['from-userinfo'] }, key)
    const payload = expectRight(await verifyUserinfoJwt(jwt, options)())
    expect(payload).toMatchObject({ sub: 'user-1', groups: ['from-userinfo'] })
  })

  it('checks iss, aud and exp when the userinfo carries them', async () => {
    const good = await sign(
      { sub: 'user-1', iss: ISSUER, aud: CLIENT_ID, exp: now() + 60, groups: ['g'] },
      key,
    )
    expectRight(await verifyUserinfoJwt(good, options)())
    const cases: JWTPayload[] = [
      { sub: 'user-1', iss: 'https://evil.test' },
      { sub: 'user-1', aud: 'other-client' },
      { sub: 'user-1', exp: now() - 3600 },
      { sub: 'user-1', iat: now() + 3600 },
      { sub: '' },
      { groups: ['no-sub'] },
    ]
    for (const claims of cases) {
      const error = expectError(await verifyUserinfoJwt(await sign(claims, key), options)())
      expect(error.code).toBe('USERINFO_INVALID')
      expect(error.source).toBe('userinfo')
    }
  })

  it('refuses a forged signature, alg none and a key not in the set', async () => {
    for (const jwt of [
      await sign({ sub: 'user-1' }, other, { kid: key.kid }),
      unsecured({ sub: 'user-1' }),
      await sign({ sub: 'user-1' }, other),
    ]) {
      const error = expectError(await verifyUserinfoJwt(jwt, options)())
      expect(error.code).toBe('USERINFO_INVALID')
      expect(typeof error.value).toBe('string')
    }
  })

  it('readGroupsClaim verifies a userinfo JWT, then binds its sub to the ID token', async () => {
    const idToken = await sign(idTokenClaims(), key)
    const userinfo = await sign({ sub: 'user-1', groups: ['u'] }, key)
    const read = expectRight(
      await readGroupsClaim({ idToken, userinfo }, { verification: options })(),
    )
    expect(read.state).toMatchObject({ state: 'present', groups: ['u'], source: 'userinfo' })
    const another = await sign({ sub: 'user-2', groups: ['u'] }, key)
    const mismatch = await readGroupsClaim(
      { idToken, userinfo: another },
      { verification: options },
    )()
    expect(expectError(mismatch).code).toBe('USERINFO_SUB_MISMATCH')
    const forged = await sign({ sub: 'user-1', groups: ['root'] }, other, { kid: key.kid })
    const refused = await readGroupsClaim(
      { idToken, userinfo: forged },
      { verification: options },
    )()
    expect(expectError(refused).code).toBe('USERINFO_INVALID')
  })

  it('a userinfo JWT beside verified claims needs verification options', async () => {
    const userinfo = await sign({ sub: 'user-1', groups: ['u'] }, key)
    const error = expectError(await readGroupsClaim({ claims: { sub: 'user-1' }, userinfo }, {})())
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/verification'])
  })
})
