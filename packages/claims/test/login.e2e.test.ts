import { loginWithPkce, startDevProvider, type DevProvider } from '@groupsync/dev-provider'
import { decodeJwt, decodeProtectedHeader, errors } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  readGroupsClaim,
  verifyIdToken,
  type IdTokenVerification,
  type ReadGroupsClaimOptions,
} from '../src/index.js'
import { expectError, expectRight } from './helpers.js'
import { makeKey, sign, unsecured } from './keys.js'

/** What a login at the dev provider returns. */
type LoginResult = Awaited<ReturnType<typeof loginWithPkce>>

// End to end against a real OpenID Provider (oidc-provider on 127.0.0.1, ephemeral port) and a
// real authorization code flow with PKCE (openid-client): the tokens verified here are the
// provider's own, checked against its JWKS endpoint.

const verificationFor = (provider: DevProvider): IdTokenVerification => ({
  issuer: provider.issuer,
  audience: provider.clientId,
  jwks: new URL(provider.jwksUri),
  algorithms: ['RS256'],
})

const read = (
  provider: DevProvider,
  login: LoginResult,
  options: ReadGroupsClaimOptions = {},
  withUserinfo = true,
) =>
  readGroupsClaim(
    withUserinfo
      ? { idToken: login.idToken, userinfo: login.userinfo, accessToken: login.accessToken }
      : { idToken: login.idToken, accessToken: login.accessToken },
    { verification: verificationFor(provider), ...options },
  )()

describe('e2e: groups in the ID token (conformIdTokenClaims: false)', () => {
  let provider: DevProvider
  beforeAll(async () => {
    provider = await startDevProvider({ accounts: { alice: ['admins', 'staff'], bob: ['staff'] } })
  })
  afterAll(() => provider.close())

  it('verifies the provider’s ID token against its JWKS and reads the groups from it', async () => {
    const login = await loginWithPkce(provider, 'alice')
    const result = expectRight(await read(provider, login, { sources: 'id_token' }, false))
    expect(result.state).toEqual({
      state: 'present',
      groups: ['admins', 'staff'],
      source: 'id_token',
      droppedEmpty: 0,
    })
    expect(result.claims).toMatchObject({
      iss: provider.issuer,
      aud: provider.clientId,
      sub: 'alice',
    })
  })

  it('with the default sources and userinfo given, the ID token still wins', async () => {
    const login = await loginWithPkce(provider, 'alice')
    expect(expectRight(await read(provider, login)).state).toMatchObject({ source: 'id_token' })
  })

  it('the expected nonce is checked on the provider’s token', async () => {
    const login = await loginWithPkce(provider, 'alice')
    const nonce = login.claims['nonce'] as string
    const verification = verificationFor(provider)
    expect(expectRight(await verifyIdToken(login.idToken, { ...verification, nonce })()).sub).toBe(
      'alice',
    )
    const error = expectError(
      await verifyIdToken(login.idToken, { ...verification, nonce: `${nonce}x` })(),
    )
    expect(error.code).toBe('ID_TOKEN_INVALID')
  })

  it('a change at the provider shows at the next login', async () => {
    provider.setGroups('bob', [])
    const login = await loginWithPkce(provider, 'bob')
    expect(expectRight(await read(provider, login)).state).toMatchObject({
      state: 'present',
      groups: [],
    })
  })

  it('a user without the claim is absent', async () => {
    const login = await loginWithPkce(provider, 'nobody')
    expect(expectRight(await read(provider, login)).state).toEqual({ state: 'absent' })
  })
})

describe('e2e: groups only in userinfo', () => {
  let provider: DevProvider
  let login: LoginResult
  beforeAll(async () => {
    provider = await startDevProvider({
      accounts: { carol: ['/eng/backend', '/ops'] },
      groupsIn: 'userinfo',
    })
    login = await loginWithPkce(provider, 'carol')
  })
  afterAll(() => provider.close())

  it('the ID token has no groups; userinfo does, and its sub matches', async () => {
    expect(login.claims).not.toHaveProperty('groups')
    const result = expectRight(await read(provider, login, { keycloakPaths: 'leaf' }))
    expect(result.state).toEqual({
      state: 'present',
      groups: ['backend', 'ops'],
      source: 'userinfo',
      droppedEmpty: 0,
    })
  })

  it('sources: userinfo reads it too; id_token only finds nothing', async () => {
    expect(expectRight(await read(provider, login, { sources: 'userinfo' })).state).toMatchObject({
      source: 'userinfo',
      groups: ['/eng/backend', '/ops'],
    })
    expect(expectRight(await read(provider, login, { sources: 'id_token' })).state).toEqual({
      state: 'absent',
    })
  })
})

describe('e2e: forged and broken tokens are refused with their codes', () => {
  let provider: DevProvider
  let second: DevProvider
  let alice: LoginResult
  let bob: LoginResult
  beforeAll(async () => {
    provider = await startDevProvider({ accounts: { alice: ['admins'], bob: ['staff'] } })
    second = await startDevProvider({ accounts: { alice: ['admins'] } })
    alice = await loginWithPkce(provider, 'alice')
    bob = await loginWithPkce(provider, 'bob')
  })
  afterAll(async () => {
    await provider.close()
    await second.close()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  async function refused(
    idToken: string,
    overrides: Partial<IdTokenVerification> = {},
  ): Promise<errors.JOSEError> {
    const result = await readGroupsClaim(
      { idToken },
      { verification: { ...verificationFor(provider), ...overrides } },
    )()
    const error = expectError(result)
    expect(error.code).toBe('ID_TOKEN_INVALID')
    expect(error.cause).toBeInstanceOf(errors.JOSEError)
    const cause = error.cause as errors.JOSEError
    expect(error.value).toBe(cause.code)
    return cause
  }

  it('bad signature: the provider’s claims and kid, signed with another key', async () => {
    const { kid } = decodeProtectedHeader(alice.idToken)
    const attacker = await makeKey(kid ?? 'k', 'RS256')
    const forged = await sign({ ...decodeJwt(alice.idToken), groups: ['admins', 'root'] }, attacker)
    expect((await refused(forged)).code).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
  })

  it('alg none: the provider’s claims, unsigned', async () => {
    const forged = unsecured({ ...decodeJwt(alice.idToken), groups: ['root'] })
    expect((await refused(forged)).code).toBe('ERR_JOSE_ALG_NOT_ALLOWED')
  })

  it('wrong issuer', async () => {
    const cause = await refused(alice.idToken, { issuer: second.issuer })
    expect([cause.code, cause instanceof errors.JWTClaimValidationFailed && cause.claim]).toEqual([
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
      'iss',
    ])
  })

  it('wrong audience', async () => {
    const cause = await refused(alice.idToken, { audience: 'another-client' })
    expect([cause.code, cause instanceof errors.JWTClaimValidationFailed && cause.claim]).toEqual([
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
      'aud',
    ])
  })

  it('expired: the provider’s token two hours later', async () => {
    // Fetch the JWKS at the real time, then move only the clock forward.
    expectRight(await verifyIdToken(alice.idToken, verificationFor(provider))())
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 2 * 3600 * 1000)
    expect((await refused(alice.idToken)).code).toBe('ERR_JWT_EXPIRED')
  })

  it('key not in JWKS: a real token of another provider, issuer accepted', async () => {
    const other = await loginWithPkce(second, 'alice')
    const cause = await refused(other.idToken, { issuer: second.issuer })
    expect(cause.code).toBe('ERR_JWKS_NO_MATCHING_KEY')
  })

  it('userinfo sub mismatch: another user’s userinfo with this ID token', async () => {
    const result = await readGroupsClaim(
      { idToken: alice.idToken, userinfo: bob.userinfo },
      { verification: verificationFor(provider) },
    )()
    const error = expectError(result)
    expect([error.code, error.source]).toEqual(['USERINFO_SUB_MISMATCH', 'userinfo'])
  })
})
