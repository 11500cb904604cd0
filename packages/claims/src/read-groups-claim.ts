import { isLeft, left, right } from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import type { JWTPayload } from 'jose'
import { ClaimsError } from './claims-error.js'
import {
  extractGroupsClaim,
  isJsonObject,
  type GroupsClaimOptions,
  type GroupsClaimState,
} from './groups-claim.js'
import { verifyUserinfoJwt } from './signed-userinfo.js'
import { verifyIdToken, type IdTokenVerification } from './verify-id-token.js'

/**
 * What an OIDC login hands the application: the ID token to verify here, or the claims of an
 * ID token already verified elsewhere (e.g. openid-client's `claims()`); the userinfo response
 * — its JSON object, or its compact JWT when the provider signs it (`application/jwt`), verified
 * with the same keys — and the access token when there are. The access token is not read here:
 * it travels with the login for a `DistributedClaimsResolver`, which needs it to fetch an
 * overage.
 */
export type LoginClaimsInput =
  | { readonly idToken: string; readonly userinfo?: unknown; readonly accessToken?: string }
  | {
      readonly claims: Readonly<Record<string, unknown>>
      readonly userinfo?: unknown
      readonly accessToken?: string
    }

/** Options of {@link readGroupsClaim}: where the claim is, and how to verify an ID token. */
export type ReadGroupsClaimOptions = GroupsClaimOptions & {
  /** Required when the input is an `idToken` or the userinfo a signed JWT. */
  readonly verification?: IdTokenVerification
}

/** The result of {@link readGroupsClaim}: the claim state and the verified ID token claims. */
export interface ReadGroupsClaimResult {
  readonly state: GroupsClaimState
  readonly claims: JWTPayload
}

const invalid = (message: string, path: string): ClaimsError =>
  new ClaimsError('CLAIMS_INPUT_INVALID', message, { path })

/**
 * Verifies the ID token (when given one) and reads the groups claim from it and the userinfo
 * response: {@link verifyIdToken} then {@link extractGroupsClaim}.
 *
 * @example
 * ```ts
 * const result = await readGroupsClaim(
 *   { idToken, userinfo },
 *   { path: 'groups', verification: { issuer, audience: clientId, jwks: new URL(jwksUri), algorithms: ['RS256'] } },
 * )()
 * if (E.isRight(result) && result.right.state.state === 'present') use(result.right.state.groups)
 * ```
 */
export function readGroupsClaim(
  input: LoginClaimsInput,
  options: ReadGroupsClaimOptions,
): TaskEither<ClaimsError, ReadGroupsClaimResult> {
  return async () => {
    const given: unknown = input
    let claims: JWTPayload
    if (isJsonObject(given) && 'idToken' in given) {
      if (options.verification === undefined) {
        return left(
          invalid(
            'An idToken needs options.verification (issuer, audience, jwks, algorithms); pass claims instead if the token was verified already.',
            'verification',
          ),
        )
      }
      const verified = await verifyIdToken(given['idToken'] as string, options.verification)()
      if (isLeft(verified)) return verified
      claims = verified.right
    } else if (isJsonObject(given) && isJsonObject(given['claims'])) {
      claims = given['claims']
    } else {
      return left(invalid('The login input needs an idToken string or a claims object.', 'idToken'))
    }
    let userinfo = given['userinfo']
    if (typeof userinfo === 'string') {
      if (options.verification === undefined) {
        return left(
          invalid(
            'A signed userinfo (a JWT string) needs options.verification to check it with the provider keys.',
            'verification',
          ),
        )
      }
      const verified = await verifyUserinfoJwt(userinfo, options.verification)()
      if (isLeft(verified)) return verified
      userinfo = verified.right
    }
    const { verification, ...claimOptions } = options
    const state = extractGroupsClaim(
      userinfo === undefined ? { idTokenClaims: claims } : { idTokenClaims: claims, userinfo },
      claimOptions,
    )
    return isLeft(state) ? state : right({ state: state.right, claims })
  }
}
