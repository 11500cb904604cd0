import type { Either } from 'fp-ts/lib/Either.js'
import { isLeft, left, right } from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import * as t from 'io-ts'
import { formatJsonPointer } from './claim-path.js'
import { ClaimsError } from './claims-error.js'
import { resolveClaimOptions, type GroupsClaimOptions } from './claims-options.js'
import type { GroupsClaimState } from './groups-claim-state.js'
import { IdTokenVerificationCodec, type IdTokenVerification } from './id-token-verification.js'
import { failed, getText, type DistributedClaimsFailure } from './internal/claim-source-http.js'
import { Count, NonEmptyText } from './internal/codecs.js'
import { isJsonObject } from './internal/json.js'
import { decodeWith, guarded, strictObject, type DecodeFailure } from './io-ts-report.js'
import { readGroupsFrom } from './read-groups-from.js'
import { joseCode, redactJoseError, verifyJwt } from './verify-id-token.js'

export type { DistributedClaimsFailure }

/** An `overage` state: the provider points to where the groups are instead of sending them. */
export type OverageState = Extract<GroupsClaimState, { state: 'overage' }>

/**
 * The port that fetches the groups a login's token does not carry: an {@link OverageState}
 * (OIDC Core 5.6.2 distributed claims, Entra's overage), or an absent claim under the sync
 * policy `absent: 'resolve'`. Use {@link createHttpDistributedClaimsResolver} for a claim source
 * endpoint, `createMicrosoftGraphGroupsResolver` or `createGoogleDirectoryGroupsResolver` for a
 * directory, or implement it.
 */
export interface DistributedClaimsResolver {
  /**
   * Fetches the groups and reads them with the same options; the state it returns has source
   * `distributed`. `subject` is the login's `sub` and `claims` the verified ID token's claims:
   * the answer must be about that user. A failure is a Left, never an empty list.
   */
  readonly resolve: (
    claim: OverageState | Extract<GroupsClaimState, { state: 'absent' }>,
    context: {
      readonly subject: string
      readonly claims?: Readonly<Record<string, unknown>>
      readonly accessToken?: string
      readonly options: GroupsClaimOptions
    },
  ) => TaskEither<ClaimsError, GroupsClaimState>
}

/** Default timeout of the HTTP resolver, in milliseconds. */
export const DEFAULT_DISTRIBUTED_TIMEOUT_MS = 5_000
/** Default largest response body of the HTTP resolver, in bytes. */
export const DEFAULT_DISTRIBUTED_MAX_BYTES = 1_048_576

/**
 * The origins of Microsoft Graph (and the Azure AD Graph that older Entra tokens name), for
 * `allowedOrigins` when an Entra overage is resolved over HTTP.
 */
export const MICROSOFT_GRAPH_ORIGINS: readonly string[] = [
  'https://graph.microsoft.com',
  'https://graph.windows.net',
]

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** A bare origin: https, or http on a host named as loopback; no user, path, query or fragment. */
export const Origin = guarded(
  'scheme://host[:port] with no path, https (http only for a loopback host)',
  (u): u is string => {
    const url = typeof u === 'string' && URL.canParse(u) ? new URL(u) : undefined
    return (
      url !== undefined &&
      url.username === '' &&
      url.password === '' &&
      url.pathname === '/' &&
      url.search === '' &&
      url.hash === '' &&
      (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)))
    )
  },
)

/** What `AbortSignal.timeout` takes, zero aside (a resolver that always times out). */
export const TimeoutMs = guarded(
  'a whole number of milliseconds from 1 to 4,294,967,295',
  (u): u is number => Number.isInteger(u) && (u as number) >= 1 && (u as number) <= 0xffff_ffff,
)

export const FetchFunction = guarded(
  'a fetch function',
  (u): u is typeof fetch => typeof u === 'function',
)

/** The io-ts codec of {@link HttpDistributedClaimsResolverOptions}: unknown fields are refused. */
export const HttpDistributedClaimsResolverOptionsCodec = strictObject(
  t.readonly(
    t.intersection([
      t.type({ allowedOrigins: t.readonlyArray(Origin, 'a list of origins') }),
      t.partial({
        timeoutMs: TimeoutMs,
        maxBytes: Count,
        verification: IdTokenVerificationCodec,
        fetch: FetchFunction,
      }),
    ]),
  ),
  'an object with allowedOrigins',
)

/**
 * Options of {@link createHttpDistributedClaimsResolver}; no other field is allowed.
 *
 * - `allowedOrigins` (required, no default): the origins (`https://host[:port]`) the resolver may
 *   call; an endpoint on any other origin is refused before any request, so a token cannot point
 *   the application (and the user's access token) at a host of its choosing. `http:` is accepted
 *   only for a loopback host named as such (`http://127.0.0.1:8080`, `http://[::1]:8080`,
 *   `http://localhost:8080`), for tests. {@link MICROSOFT_GRAPH_ORIGINS} lists Microsoft's.
 * - `timeoutMs`: time allowed for the whole request, redirects and body included, in
 *   milliseconds. Default {@link DEFAULT_DISTRIBUTED_TIMEOUT_MS}.
 * - `maxBytes`: largest response body accepted, in bytes. Default
 *   {@link DEFAULT_DISTRIBUTED_MAX_BYTES}.
 * - `verification`: how to verify a response that is a signed JWT: the claims provider's issuer
 *   and keys, and the client id it must be issued to (`aud`); its `nonce` is not used. Without
 *   it, only JSON responses are accepted.
 * - `fetch`: the fetch to use. Default the global `fetch`.
 */
export type HttpDistributedClaimsResolverOptions = t.TypeOf<
  typeof HttpDistributedClaimsResolverOptionsCodec
>

/** A refused option; options that are not an object lack the one required field. */
const refusedResolverOption = (failure: DecodeFailure): ClaimsError => {
  const path = formatJsonPointer(failure.path) || '/allowedOrigins'
  return new ClaimsError(
    'CLAIMS_INPUT_INVALID',
    failure.kind === 'unknown-key'
      ? `The resolver has no option of that name (see path); its options are ${failure.known.join(', ')}.`
      : path === '/allowedOrigins'
        ? 'allowedOrigins must list the origins the resolver may call (e.g. ["https://graph.microsoft.com"]); there is no default.'
        : `The resolver option ${failure.path.join('.')} must be ${failure.expected}.`,
    { path },
  )
}

const decodeResolverOptions = decodeWith(
  HttpDistributedClaimsResolverOptionsCodec,
  refusedResolverOption,
)

const decodeSubject = decodeWith(
  t.type({ subject: NonEmptyText }),
  () =>
    new ClaimsError(
      'CLAIMS_INPUT_INVALID',
      "The resolver needs the login's sub (context.subject) to check the response is about that user.",
      { path: '/subject' },
    ),
)

function endpointUrl(
  endpoint: string | undefined,
  allowed: ReadonlySet<string>,
): Either<ClaimsError, URL> {
  if (endpoint === undefined) {
    return left(
      failed(
        'NO_ENDPOINT',
        'The overage names no claim source endpoint, so the groups cannot be fetched; resolve them with a provider-specific resolver.',
        undefined,
      ),
    )
  }
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined
  if (url === undefined || url.username !== '' || url.password !== '' || !allowed.has(url.origin)) {
    return left(
      failed(
        'ENDPOINT_NOT_ALLOWED',
        "The claim source endpoint is not on an allowed origin, so it was not called: an access token would be sent to it. Add the provider's origin to allowedOrigins if it is trusted.",
        endpoint.length > 256 ? `${endpoint.slice(0, 256)}…` : endpoint,
      ),
    )
  }
  return right(url)
}

/**
 * The claims of a claim source's body: a JSON object, or a signed JWT verified with
 * `verification`; either way about the login's user.
 */
async function parseBody(
  text: string,
  endpoint: string,
  subject: string,
  verification: IdTokenVerification | undefined,
): Promise<Either<ClaimsError, Readonly<Record<string, unknown>>>> {
  const trimmed = text.trim()
  let body: Readonly<Record<string, unknown>>
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch (error) {
      return left(failed('INVALID_BODY', 'The claim source sent invalid JSON.', endpoint, error))
    }
    if (!isJsonObject(parsed)) {
      return left(
        failed('INVALID_BODY', 'The claim source sent JSON that is not an object.', endpoint),
      )
    }
    body = parsed
  } else {
    if (verification === undefined) {
      return left(
        failed(
          'JWT_NOT_VERIFIABLE',
          'The claim source sent something other than a JSON object (a JWT?) and the resolver has no verification options to check it with.',
          endpoint,
        ),
      )
    }
    try {
      body = await verifyJwt(trimmed, verification, ['iss', 'sub', 'aud', 'exp'])
    } catch (error) {
      return left(
        failed(
          'JWT_INVALID',
          `The claim source's signed response was refused (${joseCode(error)}).`,
          endpoint,
          redactJoseError(error),
        ),
      )
    }
  }
  // Bound to the login as userinfo is: a response about another user must not be applied.
  if (body['sub'] !== subject) {
    return left(
      failed(
        'SUB_MISMATCH',
        "The claim source's response is not about the login's user (its sub differs or is missing).",
        endpoint,
      ),
    )
  }
  return right(body)
}

/**
 * A {@link DistributedClaimsResolver} for OIDC Core 5.6.2 distributed claims: it GETs the claim
 * source `endpoint` with the source's `access_token` (or the login's) as a Bearer token, and
 * accepts a JSON object or a signed JWT (verified by jose) holding the claim.
 *
 * Only endpoints on `allowedOrigins` are called, and redirects are followed only within the
 * origin of the request, so the access token goes to no other host. The request is bounded by a
 * timeout and a size cap. The response must be about the login's user: its `sub` equal to the
 * login's (`SUB_MISMATCH`), and a JWT is verified for `iss`, `aud`, `exp` and `sub`. A response
 * without the claim is `DISTRIBUTED_CLAIMS_FAILED` (`CLAIM_NOT_IN_RESPONSE`), never `absent`:
 * the provider said the user has groups.
 *
 * @throws {@link ClaimsError} `CLAIMS_INPUT_INVALID` when the options are not what
 * {@link HttpDistributedClaimsResolverOptionsCodec} takes: `allowedOrigins` missing or holding
 * something other than an https origin (or an http loopback one), an unknown field, a bad limit
 * or verification option (path `allowedOrigins/0`, `timeoutMs`, `verification/algorithms`)
 * @example
 * ```ts
 * const resolver = createHttpDistributedClaimsResolver({
 *   allowedOrigins: ['https://claims.example.com'],
 *   verification: { issuer, audience: clientId, jwks: new URL(jwksUri), algorithms: ['RS256'] },
 * })
 * const full = await resolver.resolve(overage, { subject: claims.sub, accessToken, options: {} })()
 * ```
 */
export function createHttpDistributedClaimsResolver(
  options: HttpDistributedClaimsResolverOptions,
): DistributedClaimsResolver {
  const decoded = decodeResolverOptions(options)
  if (isLeft(decoded)) throw decoded.left
  const { verification } = decoded.right
  const allowed = new Set(decoded.right.allowedOrigins.map((origin) => new URL(origin).origin))
  const timeoutMs = decoded.right.timeoutMs ?? DEFAULT_DISTRIBUTED_TIMEOUT_MS
  const maxBytes = decoded.right.maxBytes ?? DEFAULT_DISTRIBUTED_MAX_BYTES
  const fetchImpl = decoded.right.fetch ?? globalThis.fetch

  const resolve: DistributedClaimsResolver['resolve'] = (claim, context) => async () => {
    const claimOptions = resolveClaimOptions(context.options)
    if (isLeft(claimOptions)) return claimOptions
    const given = decodeSubject(context)
    if (isLeft(given)) return given
    const { subject } = given.right
    const overage = claim.state === 'overage' ? claim : undefined
    const url = endpointUrl(overage?.endpoint, allowed)
    if (isLeft(url)) return url
    const endpoint = url.right.href
    const accessToken = overage?.accessToken ?? context.accessToken
    const headers = {
      accept: 'application/json, application/jwt',
      ...(accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }),
    }

    const answer = await getText(url.right, endpoint, headers, {
      fetch: fetchImpl,
      signal: AbortSignal.timeout(timeoutMs),
      timeoutMs,
      maxBytes,
    })
    if (isLeft(answer)) return answer
    if (!answer.right.ok) {
      const message = `The claim source answered HTTP ${answer.right.status}.`
      return left(failed('HTTP_STATUS', message, endpoint))
    }
    const body = await parseBody(answer.right.text, endpoint, subject, verification)
    if (isLeft(body)) return body
    const state = readGroupsFrom(body.right, 'distributed', claimOptions.right)
    if (isLeft(state)) return state
    if (state.right === undefined) {
      return left(
        failed(
          'CLAIM_NOT_IN_RESPONSE',
          'The claim source answered without the groups claim; the provider said the user has groups.',
          endpoint,
        ),
      )
    }
    return right(state.right)
  }

  return { resolve }
}
