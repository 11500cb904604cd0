import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
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

/** A `DISTRIBUTED_CLAIMS_FAILED` error: why (`value`), and the endpoint when there is one. */
export const failed = (
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

/** Most redirects followed, each within the origin of the request. */
const MAX_REDIRECTS = 3

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** GETs `first`, following redirects only within its origin; a failure, or the response. */
export async function getWithinOrigin(
  fetchImpl: typeof fetch,
  first: URL,
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
          first.href,
        ),
      )
    }
    url = next
  }
}

/** Reads a body of at most `maxBytes` bytes, stopping as soon as it is larger. */
export async function readCapped(
  response: Response,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
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
