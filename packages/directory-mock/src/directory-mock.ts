import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A group as Microsoft Graph lists it, with the properties the resolver selects. */
export interface GraphGroup {
  readonly id: string
  readonly displayName: string
  readonly securityEnabled: boolean
}

/** A group as Google's directory lists it. */
export interface GoogleGroup {
  readonly email: string
  readonly name: string
}

/** The directory the mock serves, and how. */
export interface DirectoryMockOptions {
  /** The one access token the mock accepts (`Authorization: Bearer …`); any other is a 401. */
  readonly accessToken: string
  /** Microsoft Graph: each user's transitive groups, by object id. */
  readonly graph?: Readonly<Record<string, readonly GraphGroup[]>>
  /** Google (Cloud Identity and Admin SDK alike): each user's groups, by primary email. */
  readonly google?: Readonly<Record<string, readonly GoogleGroup[]>>
  /** Groups per page; default each API's documented default (Graph 100, Google 200). */
  readonly pageSize?: number
  /** Added before every answer, in milliseconds (fractions allowed). */
  readonly latencyMs?: number
}

/** A request the mock received. */
export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly authorization: string | undefined
}

/**
 * A way the mock answers instead of as documented, for the requests that follow: all of them,
 * or only the request for page `onPage` (from 0), at most `times` times.
 *
 * - `status`: that HTTP status with the API's error body (and `Retry-After` when given);
 * - `page-loop`: every next-page link (Graph) or token (Google) names page 1 again;
 * - `next-page-on`: Graph's `@odata.nextLink` names the same path on another origin;
 * - `redirect`: a 302 to `location`;
 * - `huge-page`: a page padded to `bytes`, streamed without a Content-Length;
 * - `slow`: the answer is held `ms` longer;
 * - `malformed`: a 200 whose list is not a list;
 * - `cut-off`: half a page, then the connection is destroyed.
 */
export type Misbehaviour = (
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'page-loop' }
  | { readonly kind: 'next-page-on'; readonly origin: string }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'huge-page'; readonly bytes: number }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'cut-off' }
) & { readonly onPage?: number; readonly times?: number }

/** A running mock. */
export interface DirectoryMock {
  /** `http://127.0.0.1:PORT`: the origin to configure the resolvers with. */
  readonly origin: string
  /** Every request received, in order. */
  readonly requests: readonly SeenRequest[]
  /** Sets (or, with nothing, clears) how the following requests are misanswered. */
  readonly misbehave: (misbehaviour?: Misbehaviour) => void
  readonly close: () => Promise<void>
}

type Api = 'graph' | 'cloud-identity' | 'admin-sdk'

// The routes, bodies and errors follow the providers' reference pages:
// - Microsoft Graph, https://learn.microsoft.com/graph/api/user-list-transitivememberof (the
//   request, OData cast to microsoft.graph.group, `$select`, pages of 100 by default),
//   https://learn.microsoft.com/graph/paging (`value`, `@odata.nextLink` with `$skiptoken`),
//   https://learn.microsoft.com/graph/errors (the error body; 401, 403, 404
//   Request_ResourceNotFound, 503 with Retry-After) and https://learn.microsoft.com/graph/throttling
//   (429 with Retry-After in seconds). A `/me` request with an app-only token is a 400.
// - Cloud Identity, https://cloud.google.com/identity/docs/reference/rest/v1/groups.memberships/searchTransitiveGroups
//   (parent `groups/-`, a CEL `query` on `member_key_id` and the discussion-forum label, pages of
//   200 by default, `memberships` of GroupRelation with `groupKey.id` the group's email,
//   `nextPageToken`; an empty list and the last token are left out of the JSON).
// - Admin SDK Directory, https://developers.google.com/admin-sdk/directory/reference/rest/v1/groups/list
//   (`userKey`, pages of 200, `groups` with `email` and `name`, `nextPageToken`; 404 for an
//   unknown user). Google's page does not say what Cloud Identity answers for an unknown member;
//   the mock answers 404 there too.
// - Google's errors, https://cloud.google.com/apis/design/errors (`{error: {code, message,
//   status}}`; 429 RESOURCE_EXHAUSTED).

const GRAPH_PATH = /^\/v1\.0\/users\/([^/]+)\/transitiveMemberOf\/microsoft\.graph\.group$/
const CLOUD_IDENTITY_PATH = '/v1/groups/-/memberships:searchTransitiveGroups'
const ADMIN_SDK_PATH = '/admin/directory/v1/groups'
const CEL_QUERY =
  /^member_key_id == '((?:[^'\\]|\\.)*)' && 'cloudidentity\.googleapis\.com\/groups\.discussion_forum' in labels$/

const GRAPH_ERRORS: Readonly<Record<number, readonly [string, string]>> = {
  400: ['BadRequest', '/me request is only valid with delegated authentication flow.'],
  401: ['InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.'],
  403: ['Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'],
  404: [
    'Request_ResourceNotFound',
    'Resource does not exist or one of its queried reference-property objects are not present.',
  ],
  429: ['TooManyRequests', 'Too many requests.'],
  500: ['generalException', 'An unexpected error occurred.'],
  503: ['serviceNotAvailable', 'The service is temporarily unavailable.'],
}

const GOOGLE_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
}

const pageToken = (page: number): string => Buffer.from(`page:${page}`).toString('base64url')
const pageOf = (token: string | null): number =>
  token === null ? 0 : Number(Buffer.from(token, 'base64url').toString().slice(5))

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Starts a mock of Microsoft Graph's `transitiveMemberOf` and Google's `searchTransitiveGroups`
 * and `groups.list` on 127.0.0.1: it checks the access token, pages the users' groups as each
 * API does and records every request; {@link DirectoryMock.misbehave} makes it fail as the
 * services can (statuses, throttling, loops, huge or slow pages, redirects).
 *
 * @example
 * ```ts
 * const mock = await startDirectoryMock({ accessToken: 'at', graph: { [oid]: groups } })
 * createMicrosoftGraphGroupsResolver({ accessToken: () => 'at', origin: mock.origin })
 * ```
 */
export async function startDirectoryMock(options: DirectoryMockOptions): Promise<DirectoryMock> {
  const requests: SeenRequest[] = []
  let misbehaviour: Misbehaviour | undefined
  let used = 0
  let origin = ''

  const error = (
    res: ServerResponse,
    api: Api,
    status: number,
    retryAfter?: string,
  ): ServerResponse => {
    const [code, message] = GRAPH_ERRORS[status] ?? ['UnknownError', '']
    const body =
      api === 'graph'
        ? { error: { code, message, innerError: { date: new Date().toISOString() } } }
        : { error: { code: status, message, status: GOOGLE_STATUS[status] ?? 'UNKNOWN' } }
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }),
    })
    return res.end(JSON.stringify(body))
  }

  /** The API a path belongs to and the user it asks about, if it is one of the three. */
  const route = (url: URL): { api: Api; user: string | undefined } | undefined => {
    const graph = GRAPH_PATH.exec(url.pathname)
    if (graph !== null) return { api: 'graph', user: decodeURIComponent(graph[1] ?? '') }
    if (url.pathname === CLOUD_IDENTITY_PATH) {
      const query = CEL_QUERY.exec(url.searchParams.get('query') ?? '')
      return { api: 'cloud-identity', user: query?.[1]?.replace(/\\(.)/g, '$1') }
    }
    if (url.pathname === ADMIN_SDK_PATH) {
      return { api: 'admin-sdk', user: url.searchParams.get('userKey') ?? undefined }
    }
    return undefined
  }

  /** One page of the API's answer, as its reference shows it. */
  const pageBody = (url: URL, api: Api, user: string, page: number): Record<string, unknown> => {
    const all: readonly (GraphGroup | GoogleGroup)[] =
      (api === 'graph' ? options.graph?.[user] : options.google?.[user]) ?? []
    const size = options.pageSize ?? (api === 'graph' ? 100 : 200)
    const items = all.slice(page * size, (page + 1) * size)
    const loop = misbehaviour?.kind === 'page-loop'
    const nextPage = loop ? 1 : (page + 1) * size < all.length ? page + 1 : undefined
    if (api === 'graph') {
      const select = (url.searchParams.get('$select') ?? 'id,displayName,securityEnabled').split(
        ',',
      )
      const next = new URL(url)
      if (misbehaviour?.kind === 'next-page-on') {
        const other = new URL(misbehaviour.origin)
        next.protocol = other.protocol
        next.host = other.host
      }
      next.searchParams.set('$skiptoken', pageToken(nextPage ?? 0))
      return {
        '@odata.context': `${origin}/v1.0/$metadata#directoryObjects`,
        value: items.map((group) => ({
          '@odata.type': '#microsoft.graph.group',
          ...Object.fromEntries(select.map((name) => [name, group[name as keyof typeof group]])),
        })),
        ...(nextPage === undefined ? {} : { '@odata.nextLink': next.href }),
      }
    }
    const list =
      api === 'cloud-identity'
        ? (items as GoogleGroup[]).map((group, i) => ({
            group: `groups/0${String(page * size + i).padStart(6, '0')}`,
            groupKey: { id: group.email },
            displayName: group.name,
            labels: { 'cloudidentity.googleapis.com/groups.discussion_forum': '' },
            relationType: 'DIRECT',
            roles: [{ role: 'MEMBER' }],
          }))
        : (items as GoogleGroup[]).map((group, i) => ({
            kind: 'admin#directory#group',
            id: `0${String(page * size + i).padStart(6, '0')}`,
            email: group.email,
            name: group.name,
            directMembersCount: '1',
            adminCreated: true,
          }))
    return {
      ...(api === 'admin-sdk' ? { kind: 'admin#directory#groups' } : {}),
      ...(list.length === 0 ? {} : { [api === 'admin-sdk' ? 'groups' : 'memberships']: list }),
      ...(nextPage === undefined ? {} : { nextPageToken: pageToken(nextPage) }),
    }
  }

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<unknown> => {
    const url = new URL(req.url ?? '/', origin)
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
    })
    if (options.latencyMs !== undefined) await sleep(options.latencyMs)
    const target = route(url)
    const api = target?.api ?? (url.pathname.startsWith('/v1.0/') ? 'graph' : 'cloud-identity')
    if (req.headers.authorization !== `Bearer ${options.accessToken}`) return error(res, api, 401)
    if (target === undefined || req.method !== 'GET') return error(res, api, 400)
    const page = pageOf(url.searchParams.get(api === 'graph' ? '$skiptoken' : 'pageToken'))
    const active =
      misbehaviour !== undefined &&
      (misbehaviour.onPage === undefined || misbehaviour.onPage === page) &&
      used < (misbehaviour.times ?? Infinity)
        ? misbehaviour
        : undefined
    if (active !== undefined && active.kind !== 'page-loop' && active.kind !== 'next-page-on') {
      used += 1
    }
    switch (active?.kind) {
      case 'status':
        return error(res, api, active.status, active.retryAfter)
      case 'redirect':
        return res.writeHead(302, { location: active.location }).end()
      case 'slow':
        await sleep(active.ms)
        break
      case 'malformed':
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ value: 42, memberships: 42, groups: 42 }))
      default:
    }
    const known = api === 'graph' ? options.graph : options.google
    if (target.user === undefined) return error(res, api, 400)
    if (known?.[target.user] === undefined) return error(res, api, 404)
    const text = JSON.stringify(pageBody(url, api, target.user, page))
    if (active?.kind === 'cut-off') {
      res.writeHead(200, { 'content-type': 'application/json' })
      setTimeout(() => res.destroy(), 10).unref()
      return res.write(text.slice(0, text.length >> 1))
    }
    if (active?.kind === 'huge-page') {
      res.writeHead(200, { 'content-type': 'application/json' })
      const chunk = `"${'x'.repeat(1024)}",`
      res.write(`{"padding":[`)
      for (let sent = 0; sent < active.bytes; sent += chunk.length) res.write(chunk)
      return res.end(`""],${text.slice(1)}`)
    }
    return res.writeHead(200, { 'content-type': 'application/json' }).end(text)
  }

  const server = createServer((req, res) => {
    void answer(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    requests,
    misbehave: (next) => {
      misbehaviour = next
      used = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
        server.closeAllConnections()
      }),
  }
}
