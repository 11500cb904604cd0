import type { Either } from 'fp-ts/lib/Either.js'
import { isLeft, left, right } from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { ClaimsError } from './claims-error.js'
import {
  isJsonObject,
  readGroupsFrom,
  resolveClaimOptions,
  type GroupsClaimOptions,
  type GroupsClaimState,
} from './groups-claim.js'
import {
  checkJwtChecks,
  joseCode,
  redactJoseError,
  verifyJwt,
  type IdTokenVerification,
} from './verify-id-token.js'

/** An `overage` state: the provider points to where the groups are instead of sending them. */
export type OverageState = Extract<GroupsClaimState, { state: 'overage' }>

/**
 * The port that resolves an {@link OverageState} to the full groups claim (OIDC Core 5.6.2
 * distributed claims). Implement it to call a provider-specific API (e.g. Microsoft Graph), or
 * use {@link createHttpDistributedClaimsResolver}.
 */
export interface DistributedClaimsResolver {
  /**
   * Fetches the claim the overage points to and reads it with the same options; the state
   * it returns has source `distributed`. `subject` is the login's `sub`: the response must be
   * about that user.
   */
  readonly resolve: (
    overage: OverageState,
    context: {
      readonly subject: string
      readonly accessToken?: string
      readonly options: GroupsClaimOptions
    },
  ) => TaskEither<ClaimsError, GroupsClaimState>
}

/** Why a distributed claim could not be resolved: the `value` of `DISTRIBUTED_CLAIMS_FAILED`. */
export type DistributedClaimsFailure =
  | 'NO_ENDPOINT'
  | 'ENDPOINT_NOT_ALLOWED'
  | 'REDIRECT_NOT_ALLOWED'
  | 'TIMEOUT'
  | 'FETCH_FAILED'
  | 'HTTP_STATUS'
  | 'TOO_LARGE'
  | 'INVALID_BODY'
  | 'JWT_NOT_VERIFIABLE'
  | 'JWT_INVALID'
  | 'SUB_MISMATCH'
  | 'CLAIM_NOT_IN_RESPONSE'

/** Options of {@link createHttpDistributedClaimsResolver}. */
export interface HttpDistributedClaimsResolverOptions {
  /**
   * The origins (`https://host[:port]`) the resolver may call; an endpoint on any other origin
   * is refused before any request, so a token cannot point the application (and the user's
   * access token) at a host of its choosing. Required, no default. `http:` is accepted only
   * for a loopback host named as such (`http://127.0.0.1:8080`, `http://[::1]:8080`,
   * `http://localhost:8080`), for tests. {@link MICROSOFT_GRAPH_ORIGINS} lists Microsoft's.
   */
  readonly allowedOrigins: readonly string[]
  /** Time allowed for the whole request, redirects and body included, in milliseconds. Default 5,000. */
  readonly timeoutMs?: number
  /** Largest response body accepted, in bytes. Default 1 MiB. */
  readonly maxBytes?: number
  /**
   * How to verify a response that is a signed JWT: the claims provider's issuer and keys, and
   * the client id it must be issued to (`aud`). Without it, only JSON responses are accepted.
   */
  readonly verification?: Omit<IdTokenVerification, 'nonce'>
  /** The fetch to use. Default the global `fetch`. */
  readonly fetch?: typeof fetch
}

/** Default timeout of the HTTP resolver, in milliseconds. */
export const DEFAULT_DISTRIBUTED_TIMEOUT_MS = 5_000
/** Default largest response body of the HTTP resolver, in bytes. */
export const DEFAULT_DISTRIBUTED_MAX_BYTES = 1_048_576
/** Most redirects followed, each within the origin of the request. */
const MAX_REDIRECTS = 3

/**
 * The origins of Microsoft Graph (and the Azure AD Graph that older Entra tokens name), for
 * `allowedOrigins` when an Entra overage is resolved over HTTP.
 */
export const MICROSOFT_GRAPH_ORIGINS: readonly string[] = [
  'https://graph.microsoft.com',
  'https://graph.windows.net',
]

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

const failed = (
  reason: DistributedClaimsFailure,
  message: string,
  endpoint: string | undefined,
  cause?: unknown,
): ClaimsError =>
  new ClaimsError('DISTRIBUTED_CLAIMS_FAILED', message, {
    value: reason,
    source: 'distributed',
    ...(endpoint === undefined ? {} : { path: endpoint }),
    ...(cause === undefined ? {} : { cause }),
  })

/**
 * The allowed origins, normalised; throws `CLAIMS_INPUT_INVALID` for an entry that is not a bare
 * origin, or is plain http on a host that is not loopback.
 */
function allowedOriginSet(origins: unknown): ReadonlySet<string> {
  if (!Array.isArray(origins)) {
    throw new ClaimsError(
      'CLAIMS_INPUT_INVALID',
      'allowedOrigins must list the origins the resolver may call (e.g. ["https://graph.microsoft.com"]); there is no default.',
      { path: 'allowedOrigins' },
    )
  }
  const set = new Set<string>()
  origins.forEach((origin: unknown, index) => {
    const url = typeof origin === 'string' && URL.canParse(origin) ? new URL(origin) : undefined
    const bare =
      url !== undefined &&
      url.username === '' &&
      url.password === '' &&
      url.pathname === '/' &&
      url.search === '' &&
      url.hash === '' &&
      (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)))
    if (!bare) {
      throw new ClaimsError(
        'CLAIMS_INPUT_INVALID',
        'Each allowed origin must be scheme://host[:port] with no path, https (http only for a loopback host).',
        { path: `allowedOrigins/${index}` },
      )
    }
    set.add(url.origin)
  })
  return set
}

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

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** Reads a body of at most `maxBytes` bytes, stopping as soon as it is larger. */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes || response.body === null) {
    await response.body?.cancel()
    return declared > maxBytes ? undefined : new Uint8Array()
  }
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}

const isTimeout = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')

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
 * @throws {@link ClaimsError} `CLAIMS_INPUT_INVALID` when `allowedOrigins` is missing or holds
 * something other than an https origin (or an http loopback one)
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
  const allowed = allowedOriginSet(
    (options as Partial<HttpDistributedClaimsResolverOptions> | undefined)?.allowedOrigins,
  )
  const timeoutMs = options.timeoutMs ?? DEFAULT_DISTRIBUTED_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? DEFAULT_DISTRIBUTED_MAX_BYTES
  const fetchImpl = options.fetch ?? globalThis.fetch

  const parseBody = async (
    text: string,
    endpoint: string,
    subject: string,
  ): Promise<Either<ClaimsError, Readonly<Record<string, unknown>>>> => {
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
      const verification = options.verification
      if (verification === undefined) {
        return left(
          failed(
            'JWT_NOT_VERIFIABLE',
            'The claim source sent something other than a JSON object (a JWT?) and the resolver has no verification options to check it with.',
            endpoint,
          ),
        )
      }
      const checked = checkJwtChecks(verification)
      if (isLeft(checked)) return checked
      if (typeof (verification.audience as unknown) !== 'string') {
        return left(
          new ClaimsError('CLAIMS_INPUT_INVALID', 'verification.audience must be the client id.', {
            path: 'audience',
          }),
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

  /** GETs `url`, following redirects only within its origin; a failure, or the response. */
  const get = async (
    first: URL,
    headers: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<Either<ClaimsError, Response>> => {
    let url = first
    for (let hop = 0; ; hop += 1) {
      const response = await fetchImpl(url, { headers, redirect: 'manual', signal })
      if (!REDIRECT_STATUSES.has(response.status)) return right(response)
      await response.body?.cancel()
      const location = response.headers.get('location')
      const next =
        location !== null && URL.canParse(location, url.href) ? new URL(location, url) : undefined
      if (next === undefined || next.origin !== url.origin || hop >= MAX_REDIRECTS) {
        return left(
          failed(
            'REDIRECT_NOT_ALLOWED',
            `The claim source redirected ${next === undefined || next.origin === url.origin ? 'too often or nowhere' : 'to another origin'}; redirects are followed only within the origin, so the access token goes nowhere else.`,
            first.href,
          ),
        )
      }
      url = next
    }
  }

  const resolve: DistributedClaimsResolver['resolve'] = (overage, context) => async () => {
    const claimOptions = resolveClaimOptions(context.options)
    if (isLeft(claimOptions)) return claimOptions
    const subject: unknown = context.subject
    if (typeof subject !== 'string' || subject === '') {
      return left(
        new ClaimsError(
          'CLAIMS_INPUT_INVALID',
          "The resolver needs the login's sub (context.subject) to check the response is about that user.",
          { path: 'subject' },
        ),
      )
    }
    const url = endpointUrl(overage.endpoint, allowed)
    if (isLeft(url)) return url
    const endpoint = url.right.href
    const accessToken = overage.accessToken ?? context.accessToken
    const headers = {
      accept: 'application/json, application/jwt',
      ...(accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }),
    }

    let bytes: Uint8Array | undefined
    try {
      const response = await get(url.right, headers, AbortSignal.timeout(timeoutMs))
      if (isLeft(response)) return response
      if (!response.right.ok) {
        await response.right.body?.cancel()
        return left(
          failed(
            'HTTP_STATUS',
            `The claim source answered HTTP ${response.right.status}.`,
            endpoint,
          ),
        )
      }
      bytes = await readCapped(response.right, maxBytes)
    } catch (error) {
      return left(
        isTimeout(error)
          ? failed(
              'TIMEOUT',
              `The claim source did not answer within ${timeoutMs} ms.`,
              endpoint,
              error,
            )
          : failed('FETCH_FAILED', 'The claim source could not be reached.', endpoint, error),
      )
    }
    if (bytes === undefined) {
      return left(
        failed(
          'TOO_LARGE',
          `The claim source's response is larger than ${maxBytes} bytes.`,
          endpoint,
        ),
      )
    }
    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch (error) {
      return left(failed('INVALID_BODY', 'The claim source sent invalid UTF-8.', endpoint, error))
    }

    const body = await parseBody(text, endpoint, subject)
    if (isLeft(body)) return body
    const state = readGroupsFrom(body.right, 'distributed', claimOptions.right)
    if (isLeft(state)) return state
    if (state.right === undefined) {
      return left(
        failed(
          'CLAIM_NOT_IN_RESPONSE',
          'The claim source answered without the groups claim; the provider said the user has groups, so this is a failure, not an empty list.',
          endpoint,
        ),
      )
    }
    return right(state.right)
  }

  return { resolve }
}
