import { CompactSign, errors } from 'jose'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { verifyIdToken, type IdTokenVerification } from '../src/index.js'
import { expectError, expectRight } from './helpers.js'
import { CLIENT_ID, idTokenClaims, ISSUER, makeKey, sign, type TestKey } from './keys.js'

// Rule C1: what a refused ID token tells the caller. Every refusal is ID_TOKEN_INVALID with jose's
// code as `value` and a message that names it; the `cause` is jose's claim error, whose `claim`,
// `reason` (`missing` or `check_failed`) and message say which check failed and why. The times
// `iat` and `auth_time` may lie up to the clock tolerance in the future, and no further: the
// edge is checked with the clock stopped on a whole second.

let key: TestKey
let options: IdTokenVerification

beforeAll(async () => {
  key = await makeKey('k1')
  options = { issuer: ISSUER, audience: CLIENT_ID, jwks: key.jwks, algorithms: ['ES256'] }
})

afterEach(() => {
  vi.useRealTimers()
})

const verify = (token: string, overrides: Partial<IdTokenVerification> = {}) =>
  verifyIdToken(token, { ...options, ...overrides })()

/** jose's claim error behind an ID_TOKEN_INVALID, checked to be one. */
async function refusedClaim(token: string, overrides: Partial<IdTokenVerification> = {}) {
  const error = expectError(await verify(token, overrides))
  expect([error.code, error.value]).toEqual(['ID_TOKEN_INVALID', 'ERR_JWT_CLAIM_VALIDATION_FAILED'])
  expect(error.cause).toBeInstanceOf(errors.JWTClaimValidationFailed)
  return error.cause as errors.JWTClaimValidationFailed
}

/** Stops the clock at the whole second `seconds` (only `Date`: crypto and I/O keep running). */
function stopClockAt(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(seconds * 1000)
}

/** A token whose claims are the JSON text `claims` as is (numbers JSON.stringify cannot write). */
const signRaw = (claims: string): Promise<string> =>
  new CompactSign(new TextEncoder().encode(claims))
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey)

describe('rule C1: the message of a refusal', () => {
  it('names jose’s code and says the login must not proceed', async () => {
    const now = Math.floor(Date.now() / 1000)
    const expired = await sign(idTokenClaims({ iat: now - 700, exp: now - 600 }), key)
    const error = expectError(await verify(expired))
    expect([error.code, error.value]).toEqual(['ID_TOKEN_INVALID', 'ERR_JWT_EXPIRED'])
    expect(error.message).toContain('(ERR_JWT_EXPIRED)')
    expect(error.message).toMatch(/ID token was refused/)
    expect(error.message).toMatch(/login must not proceed/)
  })

  it('a failure that is not jose’s (a key getter that throws) is ERR_NOT_JOSE, with it as cause', async () => {
    const failure = new Error('the key store is down')
    const jwks = () => Promise.reject(failure)
    const error = expectError(await verify(await sign(idTokenClaims(), key), { jwks }))
    expect([error.code, error.value]).toEqual(['ID_TOKEN_INVALID', 'ERR_NOT_JOSE'])
    expect(error.cause).toBe(failure)
    expect(error.message).toContain('(ERR_NOT_JOSE)')
  })

  it('an ID token that is not a string is refused as input, told it must be the compact token', async () => {
    const error = expectError(await verifyIdToken(42 as unknown as string, options)())
    expect([error.code, error.path]).toEqual(['CLAIMS_INPUT_INVALID', '/idToken'])
    expect(error.message).toMatch(/idToken must be the compact ID token string/)
  })
})

describe('rule C1: iat not later than now plus the clock tolerance', () => {
  const T = 1_900_000_000

  it('is accepted exactly at the edge and refused one second beyond it', async () => {
    stopClockAt(T)
    const at = await sign(idTokenClaims({ iat: T + 30, exp: T + 600 }), key)
    expect(expectRight(await verify(at)).iat).toBe(T + 30)
    const beyond = await sign(idTokenClaims({ iat: T + 31, exp: T + 600 }), key)
    const cause = await refusedClaim(beyond)
    expect([cause.claim, cause.reason]).toEqual(['iat', 'check_failed'])
    expect(cause.message).toMatch(/"iat"/)
    expect(cause.message).toMatch(/should be in the past/)
  })

  it('the edge moves with the configured tolerance', async () => {
    stopClockAt(T)
    const at = await sign(idTokenClaims({ iat: T + 5, exp: T + 600 }), key)
    expect(expectRight(await verify(at, { clockToleranceSeconds: 5 })).iat).toBe(T + 5)
    const now = await sign(idTokenClaims({ iat: T, exp: T + 600 }), key)
    expect(expectRight(await verify(now, { clockToleranceSeconds: 0 })).iat).toBe(T)
    expect((await refusedClaim(at, { clockToleranceSeconds: 4 })).claim).toBe('iat')
  })
})

describe('rule C1: auth_time, when present, a number not later than now plus the tolerance', () => {
  const T = 1_900_000_000

  it('is accepted exactly at the edge and refused one second beyond it', async () => {
    stopClockAt(T)
    const at = await sign(idTokenClaims({ iat: T, exp: T + 600, auth_time: T + 30 }), key)
    expect(expectRight(await verify(at))['auth_time']).toBe(T + 30)
    const beyond = await sign(idTokenClaims({ iat: T, exp: T + 600, auth_time: T + 31 }), key)
    const cause = await refusedClaim(beyond)
    expect([cause.claim, cause.reason]).toEqual(['auth_time', 'check_failed'])
    expect(cause.message).toMatch(/"auth_time"/)
    expect(cause.message).toMatch(/time in the past/)
  })

  it('a number too large for a double, either sign, is no time: refused', async () => {
    // JSON.parse reads 1e400 as Infinity; no JSON.stringify writes it, so the claims are raw text.
    const now = Math.floor(Date.now() / 1000)
    for (const authTime of ['-1e400', '1e400']) {
      const claims = `{"iss":"${ISSUER}","aud":"${CLIENT_ID}","sub":"user-1","iat":${now},"exp":${now + 600},"auth_time":${authTime}}`
      const cause = await refusedClaim(await signRaw(claims))
      expect([cause.claim, cause.reason]).toEqual(['auth_time', 'check_failed'])
    }
  })

  it('a value that is not a number is refused with the same claim and reason', async () => {
    const cause = await refusedClaim(await sign(idTokenClaims({ auth_time: '0' }), key))
    expect([cause.claim, cause.reason]).toEqual(['auth_time', 'check_failed'])
  })
})

describe('rule C1: sub a non-empty string', () => {
  it('an empty sub is refused as a failed check that says what sub must be', async () => {
    const cause = await refusedClaim(await sign(idTokenClaims({ sub: '' }), key))
    expect([cause.claim, cause.reason]).toEqual(['sub', 'check_failed'])
    expect(cause.message).toMatch(/"sub"/)
    expect(cause.message).toMatch(/non-empty string/)
  })
})

describe('rule C1: azp, and several audiences', () => {
  it('several audiences without azp: azp is missing, and the message says why it is needed', async () => {
    const token = await sign(idTokenClaims({ aud: [CLIENT_ID, 'api'] }), key)
    const cause = await refusedClaim(token)
    expect([cause.claim, cause.reason]).toEqual(['azp', 'missing'])
    expect(cause.message).toMatch(/several audiences/)
    expect(cause.message).toMatch(/"azp"/)
  })

  it('an azp that is not the client id is a failed check, its value unexpected', async () => {
    for (const aud of [CLIENT_ID, [CLIENT_ID, 'api']]) {
      const cause = await refusedClaim(await sign(idTokenClaims({ aud, azp: 'api' }), key))
      expect([cause.claim, cause.reason]).toEqual(['azp', 'check_failed'])
      expect(cause.message).toMatch(/unexpected "azp"/)
    }
  })
})

describe('rule C1: a missing nonce and a wrong nonce are told apart', () => {
  it('a token without the expected nonce: missing, and the message says so', async () => {
    const cause = await refusedClaim(await sign(idTokenClaims(), key), { nonce: 'n-1' })
    expect([cause.claim, cause.reason]).toEqual(['nonce', 'missing'])
    expect(cause.message).toMatch(/missing/)
    expect(cause.message).toMatch(/"nonce"/)
  })

  it('a token with another nonce: a failed check, its value unexpected', async () => {
    const token = await sign(idTokenClaims({ nonce: 'n-2' }), key)
    const cause = await refusedClaim(token, { nonce: 'n-1' })
    expect([cause.claim, cause.reason]).toEqual(['nonce', 'check_failed'])
    expect(cause.message).toMatch(/unexpected "nonce"/)
    expect(cause.message).not.toMatch(/missing/)
  })
})
