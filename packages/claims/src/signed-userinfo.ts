import { pipe } from 'fp-ts/lib/function.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { errors, type JWTPayload } from 'jose'
import { ClaimsError } from './claims-error.js'
import { decodeVerification, type IdTokenVerification } from './id-token-verification.js'
import { Text } from './internal/codecs.js'
import { decodeWith } from './io-ts-report.js'
import { joseCode, redactJoseError, verifyJwt } from './verify-id-token.js'

/**
 * The claims OIDC Core 5.3.2 says a signed userinfo SHOULD carry, checked only when present:
 * providers often leave them out, and the signature with the provider's keys is what makes the
 * response the provider's.
 */
function checkPresentClaims(payload: JWTPayload, verification: IdTokenVerification): void {
  if (payload.iss !== undefined && payload.iss !== verification.issuer) {
    throw new errors.JWTClaimValidationFailed('unexpected "iss" claim value', payload, 'iss')
  }
  if (payload.aud !== undefined) {
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
    if (!audiences.includes(verification.audience)) {
      throw new errors.JWTClaimValidationFailed('unexpected "aud" claim value', payload, 'aud')
    }
  }
}

const decodeUserinfoJwt = decodeWith(
  Text,
  () =>
    new ClaimsError('CLAIMS_INPUT_INVALID', 'A signed userinfo must be a compact JWT string.', {
      path: '/userinfo',
    }),
)

const userinfoRefused = (error: unknown): ClaimsError => {
  const code = joseCode(error)
  return new ClaimsError(
    'USERINFO_INVALID',
    `The signed userinfo response was refused (${code}); the login must not proceed. Check the provider's keys and algorithms.`,
    { cause: redactJoseError(error), value: code, source: 'userinfo' },
  )
}

/**
 * Verifies a signed userinfo response (`Content-Type: application/jwt`) against the provider's
 * keys and returns its claims, to be read as the userinfo body: the signature with an allowed
 * algorithm (never `none`), a non-empty string `sub`, and `iss`, `aud`, `exp`, `nbf` and `iat`
 * when present (with the clock tolerance). Whether its `sub` is the ID token's is checked where
 * the claim is read (`USERINFO_SUB_MISMATCH`). Every failure is `USERINFO_INVALID` with jose's
 * code as `value`; bad options are `CLAIMS_INPUT_INVALID`.
 *
 * @example
 * ```ts
 * const response = await fetch(userinfoEndpoint, { headers: { authorization: `Bearer ${accessToken}` } })
 * const userinfo = response.headers.get('content-type')?.startsWith('application/jwt')
 *   ? await verifyUserinfoJwt(await response.text(), verification)()
 *   : E.right(await response.json())
 * ```
 */
export function verifyUserinfoJwt(
  jwt: string,
  verification: IdTokenVerification,
): TaskEither<ClaimsError, JWTPayload> {
  return pipe(
    TE.fromEither(decodeVerification(verification)),
    TE.chainFirstEitherK(() => decodeUserinfoJwt(jwt)),
    TE.chain((checked) =>
      TE.tryCatch(async () => {
        // iss and aud are optional here, so jose is not asked to require them.
        const { issuer: _issuer, audience: _audience, ...keys } = checked
        const payload = await verifyJwt(jwt.trim(), keys, ['sub'])
        checkPresentClaims(payload, checked)
        return payload
      }, userinfoRefused),
    ),
  )
}
