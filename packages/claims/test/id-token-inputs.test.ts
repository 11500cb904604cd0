import { beforeAll, describe, expect, it } from 'vitest'
import { verifyIdToken, type IdTokenVerification } from '../src/index.js'
import { expectError, expectRight } from './helpers.js'
import { CLIENT_ID, idTokenClaims, ISSUER, makeKey, sign, type TestKey } from './keys.js'

// Rule C1 refuses bad configuration and bad input as CLAIMS_INPUT_INVALID before any token is
// looked at, and checks `azp` whenever a token carries it. Each case below is a value that jose
// would otherwise take in some other sense (an issuer list, a Uint8Array token) or choke on.

let key: TestKey
let options: IdTokenVerification
let token: string

beforeAll(async () => {
  key = await makeKey('k1')
  options = { issuer: ISSUER, audience: CLIENT_ID, jwks: key.jwks, algorithms: ['ES256'] }
  token = await sign(idTokenClaims({ nonce: 'n-1' }), key)
})

const verify = (idToken: unknown, overrides: Record<string, unknown> = {}) =>
  verifyIdToken(idToken as string, { ...options, ...overrides })()

/** The option or input a refusal names; fails unless it is CLAIMS_INPUT_INVALID. */
async function refusedInput(idToken: unknown, overrides: Record<string, unknown> = {}) {
  const error = expectError(await verify(idToken, overrides))
  expect(error.code).toBe('CLAIMS_INPUT_INVALID')
  return error.path
}

describe('rule C1: the verification options are checked before the token', () => {
  it('accepts the token with well-formed options (the cases below differ in one field)', async () => {
    expect(expectRight(await verify(token, { nonce: 'n-1' })).sub).toBe('user-1')
  })

  it('the issuer is one identifier, a string: not a list that jose would match any of', async () => {
    expect(await refusedInput(token, { issuer: [ISSUER] })).toBe('/verification/issuer')
    expect(await refusedInput(token, { issuer: 42 })).toBe('/verification/issuer')
    expect(await refusedInput(token, { issuer: undefined })).toBe('/verification/issuer')
  })

  it('every algorithm is a non-empty string', async () => {
    expect(await refusedInput(token, { algorithms: ['ES256', 256] })).toBe(
      '/verification/algorithms',
    )
    expect(await refusedInput(token, { algorithms: [{ toLowerCase: () => 'es256' }] })).toBe(
      '/verification/algorithms',
    )
    expect(await refusedInput(token, { algorithms: ['ES256', ''] })).toBe(
      '/verification/algorithms',
    )
    expect(await refusedInput(token, { algorithms: 'ES256' })).toBe('/verification/algorithms')
  })

  it('"none" is refused in any case, beside other algorithms too', async () => {
    expect(await refusedInput(token, { algorithms: ['ES256', 'None'] })).toBe(
      '/verification/algorithms',
    )
  })

  it('the audience, when given, is a non-empty string', async () => {
    expect(await refusedInput(token, { audience: [CLIENT_ID] })).toBe('/verification/audience')
    expect(await refusedInput(token, { audience: 7 })).toBe('/verification/audience')
  })

  it('the keys are a JWKS URL, a key set with a keys array, or a key getter', async () => {
    expect(await refusedInput(token, { jwks: { keys: 'none' } })).toBe('/verification/jwks')
    expect(await refusedInput(token, { jwks: null })).toBe('/verification/jwks')
    expect(await refusedInput(token, { jwks: undefined })).toBe('/verification/jwks')
  })

  it('the clock tolerance and the maximum age are finite and not negative; 0 is allowed', async () => {
    expect(await refusedInput(token, { clockToleranceSeconds: Number.NaN })).toBe(
      '/verification/clockToleranceSeconds',
    )
    expect(await refusedInput(token, { clockToleranceSeconds: Number.POSITIVE_INFINITY })).toBe(
      '/verification/clockToleranceSeconds',
    )
    expect(await refusedInput(token, { maxTokenAge: -1 })).toBe('/verification/maxTokenAge')
    expect(await refusedInput(token, { maxTokenAge: Number.NaN })).toBe('/verification/maxTokenAge')
    // A fresh token, so its age is well within the default 30 s tolerance whatever the load.
    const fresh = await sign(idTokenClaims(), key)
    expect(expectRight(await verify(fresh, { clockToleranceSeconds: 0 })).sub).toBe('user-1')
    expect(expectRight(await verify(fresh, { maxTokenAge: 0 })).sub).toBe('user-1')
  })

  it('a nonce option that is not a string is refused, not compared', async () => {
    expect(await refusedInput(token, { nonce: 1 })).toBe('/verification/nonce')
    expect(await refusedInput(token, { nonce: ['n-1'] })).toBe('/verification/nonce')
  })

  it('the ID token is a compact string: not bytes, not an object', async () => {
    expect(await refusedInput(new TextEncoder().encode(token))).toBe('/idToken')
    expect(await refusedInput({ token })).toBe('/idToken')
    expect(await refusedInput(undefined)).toBe('/idToken')
  })

  it('an option that is wrong is reported even when the token is also wrong', async () => {
    expect(await refusedInput('not.a.jwt', { issuer: 42 })).toBe('/verification/issuer')
  })
})

describe('rule C1: azp, when present, is the client id — with one audience too', () => {
  it('refuses a single-audience token whose azp names another client', async () => {
    const other = await sign(idTokenClaims({ azp: 'another-client' }), key)
    const error = expectError(await verify(other))
    expect(error.code).toBe('ID_TOKEN_INVALID')
    expect((error.cause as { claim?: string }).claim).toBe('azp')
  })

  it('refuses a single audience given as a one-element list with a foreign azp', async () => {
    const other = await sign(idTokenClaims({ aud: [CLIENT_ID], azp: 'another-client' }), key)
    expect(expectError(await verify(other)).code).toBe('ID_TOKEN_INVALID')
  })

  it('accepts a single audience without azp, or with azp equal to the client id', async () => {
    expect(expectRight(await verify(await sign(idTokenClaims(), key))).aud).toBe(CLIENT_ID)
    const own = await sign(idTokenClaims({ aud: [CLIENT_ID], azp: CLIENT_ID }), key)
    expect(expectRight(await verify(own)).azp).toBe(CLIENT_ID)
  })

  it('several audiences need azp, and a one-element list does not', async () => {
    const several = await sign(idTokenClaims({ aud: [CLIENT_ID, 'api'] }), key)
    expect(expectError(await verify(several)).code).toBe('ID_TOKEN_INVALID')
    const one = await sign(idTokenClaims({ aud: [CLIENT_ID] }), key)
    expect(expectRight(await verify(one)).sub).toBe('user-1')
  })
})

describe('rule C1: the nonce, when one is expected', () => {
  it('is refused as missing or unexpected, with the reason jose uses for each', async () => {
    const without = await sign(idTokenClaims(), key)
    const missing = expectError(await verify(without, { nonce: 'n-1' }))
    expect((missing.cause as { reason?: string }).reason).toBe('missing')
    const wrong = expectError(await verify(token, { nonce: 'n-2' }))
    expect((wrong.cause as { reason?: string }).reason).toBe('check_failed')
  })

  it('is not asked of a token when none is expected', async () => {
    expect(expectRight(await verify(token)).nonce).toBe('n-1')
  })
})
