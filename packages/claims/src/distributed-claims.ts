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
  verifyJwt,
  type IdTokenVerification,
  type JwtChecks,
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
   * it returns has source `distributed`.
   */
  readonly resolve: (
    overage: OverageState,
    context: { readonly accessToken?: string; readonly options: GroupsClaimOptions },
  ) => TaskEither<ClaimsError, GroupsClaimState>
}

/** Why a distributed claim could not be resolved: the `value` of `DISTRIBUTED_CLAIMS_FAILED`. */
export type DistributedClaimsFailure =
  | 'NO_ENDPOINT'
  | 'ENDPOINT_NOT_ALLOWED'
  | 'TIMEOUT'
  | 'FETCH_FAILED'
  | 'HTTP_STATUS'
  | 'TOO_LARGE'
  | 'INVALID_BODY'
  | 'JWT_NOT_VERIFIABLE'
  | 'JWT_INVALID'
  | 'CLAIM_NOT_IN_RESPONSE'

/** Options of {@link createHttpDistributedClaimsResolver}. */
export interface HttpDistributedClaimsResolverOptions {
  /** Time allowed for the whole request, body included, in milliseconds. Default 5,000. */
  readonly timeoutMs?: number
  /** Largest response body accepted, in bytes. Default 1 MiB. */
  readonly maxBytes?: number
  /**
   * How to verify a response that is a signed JWT (`iss` is the claims provider; `aud` is
   * checked only when given). Without it, only JSON responses are accepted.
   */
  readonly verification?: Omit<IdTokenVerification, 'audience' | 'nonce'> & {
    readonly audience?: string
  }
  /** The fetch to use. Default the global `fetch`. */
  readonly fetch?: typeof fetch
}

/** Default timeout of the HTTP resolver, in milliseconds. */
export const DEFAULT_DISTRIBUTED_TIMEOUT_MS = 5_000
/** Default largest response body of the HTTP resolver, in bytes. */
export const DEFAULT_DISTRIBUTED_MAX_BYTES = 1_048_576

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

function endpointUrl(endpoint: string | undefined): Either<ClaimsError, URL> {
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
  if (
    url === undefined ||
    !(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)))
  ) {
    return left(
      failed(
        'ENDPOINT_NOT_ALLOWED',
        'The claim source endpoint must be an https URL (http only on loopback): an access token is sent to it.',
        endpoint,
      ),
    )
  }
  return right(url)
}

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
 * accepts a JSON object or a signed JWT (verified by jose) holding the claim. The request is
 * bounded by a timeout and a size cap; the endpoint must be https (http only on loopback).
 * A response without the claim is `DISTRIBUTED_CLAIMS_FAILED` (`CLAIM_NOT_IN_RESPONSE`), never
 * `absent`: the provider said the user has groups.
 *
 * @example
 * ```ts
 * const resolver = createHttpDistributedClaimsResolver({ timeoutMs: 3000 })
 * const full = await resolver.resolve(overage, { accessToken, options: { path: 'groups' } })()
 * ```
 */
export function createHttpDistributedClaimsResolver(
  options: HttpDistributedClaimsResolverOptions = {},
): DistributedClaimsResolver {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DISTRIBUTED_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? DEFAULT_DISTRIBUTED_MAX_BYTES
  const fetchImpl = options.fetch ?? globalThis.fetch

  const parseBody = async (
    text: string,
    endpoint: string,
  ): Promise<Either<ClaimsError, Readonly<Record<string, unknown>>>> => {
    const trimmed = text.trim()
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      let body: unknown
      try {
        body = JSON.parse(trimmed)
      } catch (error) {
        return left(failed('INVALID_BODY', 'The claim source sent invalid JSON.', endpoint, error))
      }
      return isJsonObject(body)
        ? right(body)
        : left(
            failed('INVALID_BODY', 'The claim source sent JSON that is not an object.', endpoint),
          )
    }
    const verification: JwtChecks | undefined = options.verification
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
    try {
      return right(await verifyJwt(trimmed, verification, ['iss']))
    } catch (error) {
      return left(
        failed(
          'JWT_INVALID',
          `The claim source's signed response was refused (${joseCode(error)}).`,
          endpoint,
          error,
        ),
      )
    }
  }

  const resolve: DistributedClaimsResolver['resolve'] = (overage, context) => async () => {
    const claimOptions = resolveClaimOptions(context.options)
    if (isLeft(claimOptions)) return claimOptions
    const url = endpointUrl(overage.endpoint)
    if (isLeft(url)) return url
    const endpoint = url.right.href
    const accessToken = overage.accessToken ?? context.accessToken

    let bytes: Uint8Array | undefined
    try {
      const response = await fetchImpl(url.right, {
        headers: {
          accept: 'application/json, application/jwt',
          ...(accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }),
        },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      })
      if (!response.ok) {
        await response.body?.cancel()
        return left(
          failed('HTTP_STATUS', `The claim source answered HTTP ${response.status}.`, endpoint),
        )
      }
      bytes = await readCapped(response, maxBytes)
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

    const body = await parseBody(text, endpoint)
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
