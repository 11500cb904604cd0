import type { Either } from 'fp-ts/lib/Either.js'
import { isLeft, left, right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { formatJsonPointer } from '../claim-path.js'
import { ClaimsError } from '../claims-error.js'
import { resolveClaimOptions } from '../claims-options.js'
import type { DistributedClaimsResolver } from '../distributed-claims.js'
import { FetchFunction, Origin, TimeoutMs } from '../distributed-claims.js'
import { decodeWith, guarded, strictObject } from '../io-ts-report.js'
import { stateOf } from '../read-groups-from.js'
import { failed, getText, type GetLimits } from './claim-source-http.js'
import { Count } from './codecs.js'
import { quoted } from './json.js'

// What the directory resolvers (Microsoft Graph, Google's directory) share, rule C15: their
// options, the access token from the application's callback, and a paged GET of one user's
// groups on one origin, retried when throttled within one deadline and refused on anything else.

/** The most retries of one throttled page. */
const MAX_RETRIES = 3

/** The verified claims of a login, as the resolver port hands them over. */
type Claims = Readonly<Record<string, unknown>>

const AccessTokenCallback = guarded(
  'a function of the verified claims returning an access token for the API',
  (u): u is (claims: Claims) => string | Promise<string> => typeof u === 'function',
)

/** A directory resolver's options: `accessToken`, `required`, and the shared optional ones. */
export const directoryOptionsCodec = <R extends t.Props, O extends t.Props>(
  required: R,
  optional: O,
) =>
  strictObject(
    t.readonly(
      t.intersection([
        t.type({ accessToken: AccessTokenCallback, ...required }),
        t.partial({
          ...optional,
          origin: Origin,
          timeoutMs: TimeoutMs,
          maxBytes: Count,
          maxPages: guarded(
            'a whole number from 1 to 10,000',
            (u): u is number => Number.isInteger(u) && (u as number) >= 1 && (u as number) <= 1e4,
          ),
          fetch: FetchFunction,
        }),
      ]),
    ),
    `an object with ${['accessToken', ...Object.keys(required)].join(', ')}`,
  )

/** Where one user's lookup starts, and how a page (a JSON value, or undefined) is read. */
export interface DirectoryLookup {
  readonly first: URL
  /** A page's groups and next page, or `undefined` when it is not the API's page. */
  readonly readPage: (
    body: unknown,
    url: URL,
  ) => { readonly groups: readonly string[]; readonly next: URL | undefined } | undefined
}

/** A `USER_NOT_IDENTIFIED` failure: the verified claims do not name the user as the API needs. */
export const notIdentified = (message: string): Either<ClaimsError, never> =>
  left(failed('USER_NOT_IDENTIFIED', message, undefined))

/** Where a failure happened, without the query (which can hold the user's email). */
const endpointOf = (url: URL): string => `${url.origin}${url.pathname}`

const STATUS_HINTS: Readonly<Record<number, string>> = {
  401: ': the access token was refused; check what the accessToken callback returns',
  403: ": the access token may not read the user's groups; see the permissions in the claims README",
  404: ': the directory does not know the user',
}

/** How long a throttled answer asks to wait (RFC 9110 Retry-After), else exponential backoff. */
function retryDelayMs(retryAfter: string | null, attempt: number): number {
  const value = retryAfter?.trim() ?? ''
  const date = /^\d+$/.test(value) ? Date.now() + Number(value) * 1000 : Date.parse(value)
  return Number.isNaN(date) ? 1000 * 2 ** attempt : Math.max(0, date - Date.now())
}

/**
 * One page's text: a 429 (or a 503 with Retry-After) is retried after the wait it asks for,
 * while that ends before the deadline; any other non-2xx is `HTTP_STATUS`.
 */
async function getPage(
  url: URL,
  headers: Readonly<Record<string, string>>,
  limits: GetLimits & { readonly deadline: number },
): Promise<Either<ClaimsError, string>> {
  const endpoint = endpointOf(url)
  for (let attempt = 0; ; attempt += 1) {
    const answer = await getText(url, endpoint, headers, limits)
    if (isLeft(answer)) return answer
    if (answer.right.ok) return right(answer.right.text)
    const { status, retryAfter } = answer.right
    if (status !== 429 && !(status === 503 && retryAfter !== null)) {
      const message = `The groups API answered HTTP ${status}${STATUS_HINTS[status] ?? ''}.`
      return left(failed('HTTP_STATUS', message, endpoint))
    }
    const waitMs = retryDelayMs(retryAfter, attempt)
    if (attempt === MAX_RETRIES || Date.now() + waitMs >= limits.deadline) {
      const message = `The groups API throttled the lookup (HTTP ${status}) beyond its ${limits.timeoutMs} ms deadline or ${MAX_RETRIES} retries; the next login tries again.`
      return left(failed('THROTTLED', message, endpoint))
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs))
  }
}

/**
 * Every group of one user over the API's pages, in the order sent: the access token from the
 * callback, the next page only on the first page's origin, each page once, at most `maxPages`,
 * all within one deadline. Any failure is the whole lookup's: a part of the groups is never
 * returned.
 */
async function lookUpGroups(
  { first, readPage }: DirectoryLookup,
  accessToken: (claims: Claims) => string | Promise<string>,
  claims: Claims,
  limits: Omit<GetLimits, 'signal'> & { readonly maxPages: number },
): Promise<Either<ClaimsError, readonly string[]>> {
  const signal = AbortSignal.timeout(limits.timeoutMs)
  const bounds = { ...limits, signal, deadline: Date.now() + limits.timeoutMs }
  let token: unknown
  try {
    const deadline = new Promise<never>((_, reject) => {
      signal.onabort = () => {
        reject(signal.reason as Error)
      }
    })
    token = await Promise.race([Promise.resolve(claims).then(accessToken), deadline])
  } catch (error) {
    const message = `The accessToken callback failed, or took longer than the ${limits.timeoutMs} ms deadline; see the cause.`
    return left(failed('ACCESS_TOKEN_FAILED', message, endpointOf(first), error))
  }
  if (typeof token !== 'string' || token === '') {
    const message = 'The accessToken callback returned something other than a non-empty string.'
    return left(failed('ACCESS_TOKEN_FAILED', message, endpointOf(first)))
  }
  const headers = { accept: 'application/json', authorization: `Bearer ${token}` }
  const seen = new Set<string>()
  const groups: string[] = []
  for (let url: URL | undefined = first; url !== undefined;) {
    const endpoint = endpointOf(url)
    if (seen.has(url.href)) {
      return left(
        failed('PAGE_LOOP', 'The groups API linked back to a page it had sent.', endpoint),
      )
    }
    if (seen.size === limits.maxPages) {
      const message = `The user's groups take more than ${limits.maxPages} pages; raise maxPages if that many are expected.`
      return left(failed('TOO_MANY_PAGES', message, endpoint))
    }
    seen.add(url.href)
    const text = await getPage(url, headers, bounds)
    if (isLeft(text)) return text
    let page: ReturnType<DirectoryLookup['readPage']>
    try {
      page = readPage(JSON.parse(text.right), url)
    } catch {
      page = undefined
    }
    if (page === undefined) {
      const message = "The groups API's answer is not a page of groups as its documentation shows."
      return left(failed('INVALID_BODY', message, endpoint))
    }
    for (const group of page.groups) groups.push(group)
    if (page.next !== undefined && page.next.origin !== first.origin) {
      const message =
        "The groups API's next-page link is on another origin; it was not followed, so the access token goes nowhere else."
      return left(failed('ENDPOINT_NOT_ALLOWED', message, endpoint))
    }
    url = page.next
  }
  return right(groups)
}

/**
 * A directory resolver: its options decoded (or `CLAIMS_INPUT_INVALID` thrown at the JSON
 * Pointer of the first bad one), then at each resolve the user's lookup from the verified claims
 * (or why not), the groups looked up and read as a list claim with the login's options.
 */
export function directoryResolver<
  A extends { readonly accessToken: (claims: Claims) => string | Promise<string> },
>(
  codec: t.Decoder<unknown, A>,
  name: string,
  options: unknown,
  lookupFor: (options: A, claims: Claims) => Either<ClaimsError, DirectoryLookup>,
): DistributedClaimsResolver {
  const decoded = decodeWith(codec, (failure) => {
    const at = failure.path.join('.')
    return new ClaimsError(
      'CLAIMS_INPUT_INVALID',
      failure.kind === 'unknown-key'
        ? `The ${name} has no option ${quoted(at)}; its options are ${failure.known.join(', ')}.`
        : `The ${name}'s ${at === '' ? 'options' : `option ${at}`} must be ${failure.expected}.`,
      { path: formatJsonPointer(failure.path) },
    )
  })(options)
  if (isLeft(decoded)) throw decoded.left
  const given = decoded.right as A & Partial<GetLimits & { maxPages: number }>
  const limits = {
    fetch: given.fetch ?? globalThis.fetch,
    timeoutMs: given.timeoutMs ?? 10_000,
    maxBytes: given.maxBytes ?? 1_048_576,
    // 10,000 groups (the default maxGroups) at Graph's 100 a page.
    maxPages: given.maxPages ?? 100,
  }
  return {
    resolve: (_claim, context) => async () => {
      const claimOptions = resolveClaimOptions(context.options)
      if (isLeft(claimOptions)) return claimOptions
      const claims = context.claims ?? {}
      const lookup = lookupFor(given, claims)
      if (isLeft(lookup)) return lookup
      const groups = await lookUpGroups(lookup.right, given.accessToken, claims, limits)
      return isLeft(groups)
        ? groups
        : right(stateOf(groups.right, 'distributed', claimOptions.right))
    },
  }
}
