import type { Either } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose'
import { formatJsonPointer } from './claim-path.js'
import { ClaimsError } from './claims-error.js'
import { NonEmptyText, Text } from './internal/codecs.js'
import { isJsonObject, quoted } from './internal/json.js'
import { decodeWith, guarded, strictObject, type DecodeFailure } from './io-ts-report.js'

/** The keys that may sign a token: a JWKS URL, a JSON Web Key Set, or a jose key getter. */
export type JwksInput = URL | JSONWebKeySet | JWTVerifyGetKey

const Jwks = guarded(
  'a JWKS URL, a JSON Web Key Set or a key getter',
  (u): u is JwksInput =>
    u instanceof URL || typeof u === 'function' || (isJsonObject(u) && Array.isArray(u['keys'])),
)

const Algorithms = guarded(
  'a non-empty list of algorithm names (e.g. ["RS256"]), never "none"',
  (u): u is readonly string[] =>
    Array.isArray(u) &&
    u.length > 0 &&
    u.every((alg) => typeof alg === 'string' && alg !== '' && alg.toLowerCase() !== 'none'),
)

const Seconds = guarded(
  'a number of seconds ≥ 0',
  (u): u is number => typeof u === 'number' && Number.isFinite(u) && u >= 0,
)

/**
 * The io-ts codec of {@link IdTokenVerification}: unknown fields are refused, and the fields are
 * checked in this order, so the first one wrong is the one named.
 */
export const IdTokenVerificationCodec = strictObject(
  t.readonly(
    t.intersection([
      t.type({ issuer: NonEmptyText, audience: NonEmptyText, jwks: Jwks, algorithms: Algorithms }),
      t.partial({ clockToleranceSeconds: Seconds, maxTokenAge: Seconds, nonce: Text }),
    ]),
  ),
  'an object of issuer, audience, jwks, algorithms and optional limits',
)

/**
 * How to verify an ID token (OIDC Core 3.1.3.7), a signed userinfo, or a signed distributed
 * claim. No other field is allowed: a misspelt `maxTokenAge` or `nonce` would otherwise silently
 * accept what it was meant to refuse.
 *
 * - `issuer`: the expected `iss`, the provider's issuer identifier;
 * - `audience`: the expected `aud`, the application's client id;
 * - `jwks`: the provider's keys: its `jwks_uri` as a `URL` (fetched and cached by jose), a JSON
 *   Web Key Set, or a jose key getter such as `createRemoteJWKSet(...)`;
 * - `algorithms`: the signing algorithms accepted, e.g. `['RS256']`; explicit, and `none` is
 *   refused;
 * - `clockToleranceSeconds`: clock skew allowed on `exp`, `iat`, `auth_time` and `nbf`, in
 *   seconds. Default 30;
 * - `maxTokenAge`: the oldest token accepted, in seconds since its `iat` (the clock tolerance
 *   added). Unset, a token is accepted until its `exp`;
 * - `nonce`: the `nonce` sent in the authorization request; when set the ID token must carry it.
 *
 * @example
 * ```ts
 * const verification: IdTokenVerification = {
 *   issuer: 'https://idp.example.com',
 *   audience: 'my-client-id',
 *   jwks: new URL('https://idp.example.com/jwks'),
 *   algorithms: ['RS256'],
 * }
 * ```
 */
export type IdTokenVerification = t.TypeOf<typeof IdTokenVerificationCodec>

const refusedVerification = (failure: DecodeFailure): ClaimsError => {
  const [field] = failure.path
  if (field === undefined) {
    return new ClaimsError(
      'CLAIMS_INPUT_INVALID',
      'The verification options must be an object of issuer, audience, jwks and algorithms.',
      { path: '/verification' },
    )
  }
  return new ClaimsError(
    'CLAIMS_INPUT_INVALID',
    failure.kind === 'unknown-key'
      ? `The verification option ${quoted(field)} is unknown; the options are ${failure.known.join(', ')}.`
      : `verification.${field} must be ${failure.expected}.`,
    { path: formatJsonPointer(['verification', field]) },
  )
}

/**
 * Checks verification options before any token is looked at; errors are `CLAIMS_INPUT_INVALID`
 * with `path` the field's name (`algorithms`).
 */
export const decodeVerification: (
  verification: unknown,
) => Either<ClaimsError, IdTokenVerification> = decodeWith(
  IdTokenVerificationCodec,
  refusedVerification,
)
