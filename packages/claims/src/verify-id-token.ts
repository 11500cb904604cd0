import { pipe } from 'fp-ts/lib/function.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import { ClaimsError } from './claims-error.js'
import {
  decodeVerification,
  type IdTokenVerification,
  type JwksInput,
} from './id-token-verification.js'
import { Text } from './internal/codecs.js'
import { decodeWith } from './io-ts-report.js'

/** Default clock tolerance, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30

const remoteKeySets = new Map<string, JWTVerifyGetKey>()
const localKeySets = new WeakMap<JSONWebKeySet, JWTVerifyGetKey>()
const MAX_REMOTE_KEY_SETS = 64

/**
 * One key getter per JWKS, so a remote JWKS is fetched once and then served from jose's cache
 * instead of on every login.
 */
function keyGetter(jwks: JwksInput): JWTVerifyGetKey {
  if (typeof jwks === 'function') return jwks
  if (jwks instanceof URL) {
    let getter = remoteKeySets.get(jwks.href)
    if (getter === undefined) {
      if (remoteKeySets.size >= MAX_REMOTE_KEY_SETS) remoteKeySets.clear()
      getter = createRemoteJWKSet(jwks)
      remoteKeySets.set(jwks.href, getter)
    }
    return getter
  }
  let getter = localKeySets.get(jwks)
  if (getter === undefined) {
    getter = createLocalJWKSet(jwks)
    localKeySets.set(jwks, getter)
  }
  return getter
}

/** What {@link verifyJwt} checks: the verification options, `iss` and `aud` optional. */
type JwtChecks = Omit<IdTokenVerification, 'issuer' | 'audience' | 'nonce'> & {
  readonly issuer?: string
  readonly audience?: string
}

const claimFailed = (message: string, payload: JWTPayload, claim: string): never => {
  throw new errors.JWTClaimValidationFailed(message, payload, claim, 'check_failed')
}

/**
 * The checks jose leaves out: an `iat` (or `auth_time`) later than now plus the tolerance is a
 * token minted for the future — jose only looks at it with `maxTokenAge` — and a `sub` that is
 * not a non-empty string names nobody, so nothing can be bound to it.
 */
function checkTimesAndSubject(payload: JWTPayload, toleranceSeconds: number): void {
  const latest = Date.now() / 1000 + toleranceSeconds
  if (typeof payload.iat === 'number' && payload.iat > latest) {
    claimFailed('"iat" claim timestamp check failed (it should be in the past)', payload, 'iat')
  }
  if (Object.hasOwn(payload, 'auth_time')) {
    const authTime = payload['auth_time']
    if (typeof authTime !== 'number' || !Number.isFinite(authTime) || authTime > latest) {
      claimFailed('"auth_time" claim must be a time in the past', payload, 'auth_time')
    }
  }
  if (Object.hasOwn(payload, 'sub') && (typeof payload.sub !== 'string' || payload.sub === '')) {
    claimFailed('"sub" claim must be a non-empty string', payload, 'sub')
  }
}

/**
 * Verifies a compact JWS JWT with jose: signature against the key set, allowed algorithms,
 * `iss` and `aud` when given, `exp`/`nbf`/`iat` with the clock tolerance (an `iat` or `auth_time`
 * in the future too), `maxTokenAge` when given, and a `sub`, when there is one, that is a
 * non-empty string. Rejects with jose's error.
 */
export async function verifyJwt(
  token: string,
  checks: JwtChecks,
  requiredClaims: readonly string[],
): Promise<JWTPayload> {
  const tolerance = checks.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS
  const { payload } = await jwtVerify(token, keyGetter(checks.jwks), {
    ...(checks.issuer === undefined ? {} : { issuer: checks.issuer }),
    ...(checks.audience === undefined ? {} : { audience: checks.audience }),
    algorithms: [...checks.algorithms],
    clockTolerance: tolerance,
    ...(checks.maxTokenAge === undefined ? {} : { maxTokenAge: checks.maxTokenAge }),
    requiredClaims: [...requiredClaims],
  })
  checkTimesAndSubject(payload, tolerance)
  return payload
}

/**
 * jose's claim errors keep the whole payload (the user's claims, groups included) as a field, so
 * a logger that prints an error's cause would print them. The copy keeps the class, code, claim
 * and reason, with an empty payload.
 */
export function redactJoseError(error: unknown): unknown {
  if (error instanceof errors.JWTExpired) {
    return new errors.JWTExpired(error.message, {}, error.claim, error.reason)
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new errors.JWTClaimValidationFailed(error.message, {}, error.claim, error.reason)
  }
  return error
}

const ID_TOKEN_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat'] as const

/** The OIDC checks jose does not make itself: `azp` (several audiences) and `nonce`. */
function checkOidcClaims(payload: JWTPayload, options: IdTokenVerification): void {
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
  const azp = payload['azp']
  if (audiences.length > 1 && azp === undefined) {
    throw new errors.JWTClaimValidationFailed(
      'an ID token with several audiences must carry "azp"',
      payload,
      'azp',
      'missing',
    )
  }
  if (azp !== undefined && azp !== options.audience) {
    throw new errors.JWTClaimValidationFailed(
      'unexpected "azp" claim value',
      payload,
      'azp',
      'check_failed',
    )
  }
  if (options.nonce !== undefined && payload['nonce'] !== options.nonce) {
    throw new errors.JWTClaimValidationFailed(
      payload['nonce'] === undefined
        ? 'missing required "nonce" claim'
        : 'unexpected "nonce" claim value',
      payload,
      'nonce',
      payload['nonce'] === undefined ? 'missing' : 'check_failed',
    )
  }
}

/** The code of a jose error, or a stable stand-in for anything else (a network failure). */
export const joseCode = (error: unknown): string =>
  error instanceof errors.JOSEError ? error.code : 'ERR_NOT_JOSE'

const decodeIdToken = decodeWith(
  Text,
  () =>
    new ClaimsError('CLAIMS_INPUT_INVALID', 'idToken must be the compact ID token string.', {
      path: '/idToken',
    }),
)

/** `ID_TOKEN_INVALID` from jose's error (or anything else thrown while verifying). */
const idTokenRefused = (error: unknown): ClaimsError => {
  const code = joseCode(error)
  return new ClaimsError(
    'ID_TOKEN_INVALID',
    `The ID token was refused (${code}); the login must not proceed. Check the issuer, client id, algorithms and keys, or ask the user to log in again.`,
    { cause: redactJoseError(error), value: code },
  )
}

/**
 * Verifies an OIDC ID token with jose and returns its claims: signature against the provider's
 * keys, the allowed algorithms (never `none`), `iss`, `aud` (and `azp` when there are several
 * audiences), `exp`/`nbf` with a clock tolerance, `iat` and `auth_time` not in the future,
 * `maxTokenAge` when set, a non-empty string `sub`, and `nonce` when one is expected. Every
 * failure is `ID_TOKEN_INVALID` with the jose error code as `value` and the jose error as
 * `cause`, its copy of the token's claims removed; bad options are `CLAIMS_INPUT_INVALID`.
 *
 * @example
 * ```ts
 * const claims = await verifyIdToken(idToken, {
 *   issuer: 'https://idp.example.com',
 *   audience: 'my-client-id',
 *   jwks: new URL('https://idp.example.com/jwks'),
 *   algorithms: ['RS256'],
 *   nonce,
 * })()
 * ```
 */
export function verifyIdToken(
  idToken: string,
  options: IdTokenVerification,
): TaskEither<ClaimsError, JWTPayload> {
  return pipe(
    TE.fromEither(decodeVerification(options)),
    TE.chainFirstEitherK(() => decodeIdToken(idToken)),
    TE.chain((verification) =>
      TE.tryCatch(async () => {
        const payload = await verifyJwt(idToken, verification, ID_TOKEN_CLAIMS)
        checkOidcClaims(payload, verification)
        return payload
      }, idTokenRefused),
    ),
  )
}
