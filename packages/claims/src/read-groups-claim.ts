import type { Either } from 'fp-ts/lib/Either.js'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import * as t from 'io-ts'
import type { JWTPayload } from 'jose'
import { formatJsonPointer } from './claim-path.js'
import { ClaimsError } from './claims-error.js'
import type { GroupsClaimOptions } from './claims-options.js'
import { extractGroupsClaim } from './extract-groups-claim.js'
import type { GroupsClaimState } from './groups-claim-state.js'
import type { IdTokenVerification } from './id-token-verification.js'
import { Text } from './internal/codecs.js'
import { isJsonObject, JsonObject } from './internal/json.js'
import { decodeWith, guarded, type DecodeFailure } from './io-ts-report.js'
import { verifyUserinfoJwt } from './signed-userinfo.js'
import { verifyIdToken } from './verify-id-token.js'

/** What travels with either kind of login: the userinfo body or JWT, and the access token. */
const LoginExtras = t.partial({ userinfo: t.unknown, accessToken: Text })

/** The other kind's member, which must be left out: a token to verify is never ignored. */
const absentBeside = (other: string) =>
  guarded(`absent beside ${other}`, (u): u is undefined => u === undefined)

/** A login whose ID token is verified here. */
const TokenLogin = t.intersection([
  t.type({ idToken: Text }),
  t.partial({ claims: absentBeside('an idToken') }),
  LoginExtras,
])

/** A login whose ID token was verified elsewhere: its claims. */
const ClaimsLogin = t.intersection([
  t.type({ claims: JsonObject }),
  t.partial({ idToken: absentBeside('claims') }),
  LoginExtras,
])

/**
 * The io-ts codec of {@link LoginClaimsInput}. Other members are allowed, since a caller's input
 * may carry more (the sync's carries the org and the user).
 */
export const LoginClaimsInputCodec = t.readonly(
  t.union([TokenLogin, ClaimsLogin]),
  'an object with an idToken string or a claims object',
)

/**
 * What an OIDC login hands the application: the ID token to verify here (`idToken`), or the
 * claims of an ID token already verified elsewhere (`claims`, e.g. openid-client's `claims()`);
 * the userinfo response — its JSON object, or its compact JWT when the provider signs it
 * (`application/jwt`), verified with the same keys — and the access token (`accessToken`) when
 * there are. The access token is not read here: it travels with the login for a
 * `DistributedClaimsResolver`, which needs it to fetch an overage.
 */
export type LoginClaimsInput = t.TypeOf<typeof LoginClaimsInputCodec>

const LOGIN_MESSAGES: Readonly<Record<string, string>> = {
  idToken:
    'The login input needs either an idToken string or a claims object (the claims of a token verified already).',
  claims: 'The login input has claims that are not an object; pass the verified ID token claims.',
  accessToken: "The login input's accessToken must be a string.",
}

const refusedLogin = (failure: DecodeFailure): ClaimsError => {
  const [field] = failure.path
  return field === undefined
    ? new ClaimsError(
        'CLAIMS_INPUT_INVALID',
        'The login input must be an object with an idToken string or a claims object.',
        { path: '' },
      )
    : new ClaimsError(
        'CLAIMS_INPUT_INVALID',
        LOGIN_MESSAGES[field] ?? `The login input's ${field} is invalid.`,
        { path: formatJsonPointer([field]) },
      )
}

const decodeTokenLogin = decodeWith(TokenLogin, refusedLogin)
const decodeClaimsLogin = decodeWith(ClaimsLogin, refusedLogin)

/**
 * The login input, read as the kind its members say: claims verified elsewhere when it has
 * `claims`, else an ID token, so that an error names the member that is wrong.
 */
const decodeLogin = (input: unknown): Either<ClaimsError, LoginClaimsInput> =>
  isJsonObject(input) && input['claims'] !== undefined
    ? decodeClaimsLogin(input)
    : decodeTokenLogin(input)

/** The verification options, or why a login that needs them cannot be checked without. */
const needVerification =
  (verification: IdTokenVerification | undefined, message: string) =>
  <A>(check: (v: IdTokenVerification) => TaskEither<ClaimsError, A>): TaskEither<ClaimsError, A> =>
    verification === undefined
      ? TE.left(new ClaimsError('CLAIMS_INPUT_INVALID', message, { path: '/verification' }))
      : check(verification)

/** A login whose ID token and signed userinfo, if any, are verified. */
export interface VerifiedLogin {
  /** The ID token's claims: verified here, or as the caller verified them. */
  readonly claims: JWTPayload
  /** The userinfo body: as given, or the claims of a signed userinfo once verified. */
  readonly userinfo?: unknown
}

/**
 * Rule C1 on a login: checks its shape, verifies the ID token (when given one, not claims) and
 * a signed userinfo (a JWT string) with the provider's keys. The userinfo body is not read here:
 * {@link extractGroupsClaim} checks it where rule C9 says. Errors: `CLAIMS_INPUT_INVALID` (path
 * `idToken`, `claims`, `accessToken`, or `verification` when a token needs options that were
 * not given, or a field of the options), `ID_TOKEN_INVALID`, `USERINFO_INVALID`.
 *
 * @example
 * ```ts
 * const login = await verifyLogin({ idToken, userinfo }, verification)()
 * if (E.isRight(login)) extractGroupsClaim({ idTokenClaims: login.right.claims, userinfo: login.right.userinfo })
 * ```
 */
export function verifyLogin(
  input: LoginClaimsInput,
  verification: IdTokenVerification | undefined,
): TaskEither<ClaimsError, VerifiedLogin> {
  return pipe(
    TE.fromEither(decodeLogin(input)),
    TE.bindTo('login'),
    TE.bind('claims', ({ login }) =>
      login.idToken !== undefined
        ? needVerification(
            verification,
            'An idToken needs verification options (issuer, audience, jwks, algorithms); pass the claims instead if the token was verified already.',
          )((v) => verifyIdToken(login.idToken, v))
        : TE.right<ClaimsError, JWTPayload>(login.claims),
    ),
    TE.bind('userinfo', ({ login }) => {
      const { userinfo } = login
      return typeof userinfo === 'string'
        ? needVerification(
            verification,
            "A signed userinfo (a JWT string) needs verification options to be checked with the provider's keys.",
          )((v): TaskEither<ClaimsError, unknown> => verifyUserinfoJwt(userinfo, v))
        : TE.right<ClaimsError, unknown>(userinfo)
    }),
    TE.map(({ claims, userinfo }) => (userinfo === undefined ? { claims } : { claims, userinfo })),
  )
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

/**
 * Verifies a login and reads its groups claim: {@link verifyLogin} then
 * {@link extractGroupsClaim}. The sync service takes the same two steps, so that a login means
 * the same to both.
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
  const { verification, ...claimOptions } = options
  return pipe(
    verifyLogin(input, verification),
    TE.chainEitherK(({ claims, userinfo }) =>
      pipe(
        extractGroupsClaim(
          userinfo === undefined ? { idTokenClaims: claims } : { idTokenClaims: claims, userinfo },
          claimOptions,
        ),
        E.map((state) => ({ state, claims })),
      ),
    ),
  )
}
