import type { Either } from 'fp-ts/lib/Either.js'
import { isLeft, left, right } from 'fp-ts/lib/Either.js'
import { ClaimsError } from '../claims-error.js'

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
  | 'USER_NOT_IDENTIFIED'
  | 'ACCESS_TOKEN_FAILED'
  | 'THROTTLED'
  | 'PAGE_LOOP'
  | 'TOO_MANY_PAGES'

/**
 * A `DISTRIBUTED_CLAIMS_FAILED` error: why (`value`), and, when the overage names an endpoint,
 * `path` `/endpoint` (the member of the overage the resolver was handed).
 */
export const failed = (
  reason: DistributedClaimsFailure,
  message: string,
  endpoint: string | undefined,
  cause?: unknown,
): ClaimsError =>
  new ClaimsError('DISTRIBUTED_CLAIMS_FAILED', message, {
    value: reason,
    source: 'distributed',
    ...(endpoint === undefined ? {} : { path: '/endpoint' }),
    ...(cause === undefined ? {} : { cause }),
  })

/** Most redirects followed, each within the origin of the request. */
const MAX_REDIRECTS = 3

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** GETs `first`, following redirects only within its origin; a failure, or the response. */
async function getWithinOrigin(
  fetchImpl: typeof fetch,
  first: URL,
  endpoint: string,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<Either<ClaimsError, Response>> {
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
          endpoint,
        ),
      )
    }
    url = next
  }
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

/** The answer to a GET: the body of a 2xx answer, or another status with its Retry-After. */
export type HttpAnswer =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly status: number; readonly retryAfter: string | null }

/** What bounds a GET: the fetch to use, the signal of its deadline, and the body size cap. */
export interface GetLimits {
  readonly fetch: typeof fetch
  readonly signal: AbortSignal
  /** The deadline's length, for the message of a `TIMEOUT`. */
  readonly timeoutMs: number
  readonly maxBytes: number
}

const isTimeout = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')

/**
 * GETs `url` within its origin, bounded by `limits`: the UTF-8 body of a 2xx answer, any other
 * status with its Retry-After header, or a failure (`TIMEOUT`, `FETCH_FAILED`, `TOO_LARGE`,
 * `INVALID_BODY`, `REDIRECT_NOT_ALLOWED`) naming `endpoint`.
 */
export async function getText(
  url: URL,
  endpoint: string,
  headers: Readonly<Record<string, string>>,
  limits: GetLimits,
): Promise<Either<ClaimsError, HttpAnswer>> {
  let bytes: Uint8Array | undefined
  try {
    const response = await getWithinOrigin(limits.fetch, url, endpoint, headers, limits.signal)
    if (isLeft(response)) return response
    if (!response.right.ok) {
      await response.right.body?.cancel()
      const { status } = response.right
      return right({ ok: false, status, retryAfter: response.right.headers.get('retry-after') })
    }
    bytes = await readCapped(response.right, limits.maxBytes)
  } catch (error) {
    return left(
      isTimeout(error)
        ? failed(
            'TIMEOUT',
            `The claim source did not answer within ${limits.timeoutMs} ms.`,
            endpoint,
            error,
          )
        : failed('FETCH_FAILED', 'The claim source could not be reached.', endpoint, error),
    )
  }
  if (bytes === undefined) {
    const message = `The claim source's response is larger than ${limits.maxBytes} bytes.`
    return left(failed('TOO_LARGE', message, endpoint))
  }
  try {
    return right({ ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) })
  } catch (error) {
    return left(failed('INVALID_BODY', 'The claim source sent invalid UTF-8.', endpoint, error))
  }
}
