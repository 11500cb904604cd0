import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  startDirectoryMock,
  type DirectoryMock,
  type GoogleGroup,
  type GraphGroup,
  type Misbehaviour,
} from '@groupsync/directory-mock'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createGoogleDirectoryGroupsResolver,
  createMicrosoftGraphGroupsResolver,
  type DistributedClaimsResolver,
  type GoogleDirectoryGroupsResolverOptions,
  type GroupsClaimOptions,
  type MicrosoftGraphGroupsResolverOptions,
} from '../src/index.js'
import type { OverageState } from '../src/distributed-claims.js'
import { expectError, expectRight } from './helpers.js'

// Rule C15: the Microsoft Graph and Google directory resolvers against @groupsync/directory-mock,
// a server on 127.0.0.1 answering as the providers' reference pages show (cited there): the
// request each one makes, paging, every failure (each refused, never a shorter list), and the
// attacks — a paging loop, a next-page link or a redirect to another origin, the access token
// sent anywhere but the API's origin. A second server stands for a host an attacker controls.

const TOKEN = 'at-1'
const OID = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'
const OID_FEW = '0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9'
const OID_NONE = 'ffffffff-0000-4000-8000-000000000000'
const OID_UNKNOWN = '12345678-1234-4234-8234-123456789abc'
const guid = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
const graphGroups: GraphGroup[] = Array.from({ length: 250 }, (_, i) => ({
  id: guid(i),
  displayName: `team ${i}`,
  securityEnabled: i % 2 === 0,
}))
const googleGroups: GoogleGroup[] = Array.from({ length: 450 }, (_, i) => ({
  email: `team-${i}@example.com`,
  name: `Team ${i}`,
}))
const SELECT = 'id,displayName,securityEnabled'

let mock: DirectoryMock
let evil: Server
let evilOrigin: string
const evilSaw: (string | undefined)[] = []

beforeAll(async () => {
  mock = await startDirectoryMock({
    accessToken: TOKEN,
    graph: {
      [OID]: graphGroups,
      [OID_FEW]: graphGroups.slice(0, 3),
      [OID_NONE]: [],
    },
    google: {
      'jsmith@example.com': googleGroups,
      "o'brien@example.com": googleGroups.slice(0, 1),
      'nobody@example.com': [],
    },
  })
  evil = createServer((req, res) => {
    evilSaw.push(req.headers.authorization)
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}')
  })
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
  evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`
})
afterAll(async () => {
  await mock.close()
  evil.closeAllConnections()
  await new Promise((resolve) => evil.close(resolve))
})
beforeEach(() => {
  mock.misbehave()
})

const overage: OverageState = {
  state: 'overage',
  source: 'id_token',
  claimSourceName: 'src1',
  endpoint: 'https://graph.windows.net/tenant/users/x/getMemberObjects',
}
const entraClaims = (oid: unknown = OID) => ({ sub: 'entra-sub', oid, tid: 'tenant-1' })
const googleClaims = (email = 'jsmith@example.com', extra: Record<string, unknown> = {}) => ({
  sub: '1234567890',
  email,
  email_verified: true,
  hd: 'example.com',
  ...extra,
})

const graph = (options: Partial<MicrosoftGraphGroupsResolverOptions> = {}) =>
  createMicrosoftGraphGroupsResolver({ accessToken: () => TOKEN, origin: mock.origin, ...options })
const google = (options: Partial<GoogleDirectoryGroupsResolverOptions> = {}) =>
  createGoogleDirectoryGroupsResolver({
    accessToken: () => TOKEN,
    domains: ['example.com'],
    origin: mock.origin,
    ...options,
  })

async function run(
  resolver: DistributedClaimsResolver,
  claims: Record<string, unknown>,
  options: GroupsClaimOptions = {},
) {
  const before = mock.requests.length
  const result = await resolver.resolve(
    claims['oid'] === undefined ? { state: 'absent' } : overage,
    { subject: String(claims['sub']), claims, options },
  )()
  return { result, requests: mock.requests.slice(before) }
}

/** The failure word of a refused lookup, after `misbehaviour`; the result is never a list. */
async function failure(
  resolver: DistributedClaimsResolver,
  claims: Record<string, unknown>,
  misbehaviour?: Misbehaviour,
): Promise<unknown> {
  mock.misbehave(misbehaviour)
  const error = expectError((await run(resolver, claims)).result)
  expect([error.code, error.source]).toEqual(['DISTRIBUTED_CLAIMS_FAILED', 'distributed'])
  return error.value
}

describe('rule C15: the Microsoft Graph groups resolver', () => {
  it("asks transitiveMemberOf of the token's oid with $select and the callback's token, page by page", async () => {
    const given: unknown[] = []
    const resolver = graph({
      accessToken: (claims) => {
        given.push(claims)
        return TOKEN
      },
    })
    const { result, requests } = await run(resolver, entraClaims())
    expect(expectRight(result)).toEqual({
      state: 'present',
      groups: graphGroups.map((g) => g.id),
      source: 'distributed',
      droppedEmpty: 0,
    })
    expect(given).toEqual([entraClaims()])
    expect(requests).toHaveLength(3)
    for (const [page, request] of requests.entries()) {
      expect(request).toMatchObject({
        method: 'GET',
        path: `/v1.0/users/${OID}/transitiveMemberOf/microsoft.graph.group`,
        authorization: `Bearer ${TOKEN}`,
      })
      expect(request.query['$select']).toBe(SELECT)
      expect(Object.hasOwn(request.query, '$skiptoken')).toBe(page > 0)
    }
  })

  it('returns display names when asked, and only security groups when asked', async () => {
    const few = graphGroups.slice(0, 3)
    const names = await run(graph({ groupValue: 'displayName' }), entraClaims(OID_FEW))
    expect(expectRight(names.result)).toMatchObject({ groups: few.map((g) => g.displayName) })
    const security = await run(graph({ securityGroupsOnly: true }), entraClaims(OID_FEW))
    expect(expectRight(security.result)).toMatchObject({
      groups: few.filter((g) => g.securityEnabled).map((g) => g.id),
    })
  })

  it('a user in no group is an empty list: an answer, not a failure', async () => {
    const { result } = await run(graph(), entraClaims(OID_NONE))
    expect(expectRight(result)).toEqual({
      state: 'present',
      groups: [],
      source: 'distributed',
      droppedEmpty: 0,
    })
  })

  it("reads the groups with the login's options: aliases and limits", async () => {
    const aliases = { [guid(0)]: 'admins' }
    const mapped = await run(graph(), entraClaims(OID_FEW), { valueMapping: { aliases } })
    expect(expectRight(mapped.result)).toMatchObject({
      groups: ['admins', guid(1), guid(2)],
      sent: [guid(0), guid(1), guid(2)],
    })
    const limited = await run(graph(), entraClaims(), { maxGroups: 100 })
    expect(expectRight(limited.result)).toMatchObject({ state: 'over-limit', count: 250 })
  })

  it.each([undefined, 'not-a-guid', `${OID}/../../me`, 42])(
    'an oid of %j is USER_NOT_IDENTIFIED, before any request',
    async (oid) => {
      const { result, requests } = await run(graph(), { sub: 'x', oid })
      expect(expectError(result).value).toBe('USER_NOT_IDENTIFIED')
      expect(requests).toEqual([])
    },
  )

  it.each<[string, Misbehaviour | undefined, () => Record<string, unknown>]>([
    ['401 (a token Graph refuses)', { kind: 'status', status: 401 }, () => entraClaims()],
    ['403 (no permission)', { kind: 'status', status: 403 }, () => entraClaims()],
    ['404 (an unknown user)', undefined, () => entraClaims(OID_UNKNOWN)],
    ['500', { kind: 'status', status: 500 }, () => entraClaims()],
    ['503 without Retry-After', { kind: 'status', status: 503 }, () => entraClaims()],
  ])('%s is HTTP_STATUS after one request', async (_, misbehaviour, claims) => {
    const before = mock.requests.length
    expect(await failure(graph(), claims(), misbehaviour)).toBe('HTTP_STATUS')
    expect(mock.requests.length - before).toBe(1)
  })

  it('a later page that fails refuses the whole lookup: never a part of the groups', async () => {
    expect(await failure(graph(), entraClaims(), { kind: 'status', status: 500, onPage: 2 })).toBe(
      'HTTP_STATUS',
    )
    expect(await failure(graph(), entraClaims(), { kind: 'cut-off', onPage: 1 })).toBe(
      'FETCH_FAILED',
    )
  })

  it('429 and 503 with Retry-After are retried, and the lookup completes', async () => {
    for (const status of [429, 503]) {
      mock.misbehave({ kind: 'status', status, retryAfter: '0', times: 2 })
      const { result, requests } = await run(graph(), entraClaims())
      expect(expectRight(result)).toMatchObject({ groups: graphGroups.map((g) => g.id) })
      expect(requests).toHaveLength(5)
    }
  })

  it('waits the Retry-After it is given', async () => {
    mock.misbehave({ kind: 'status', status: 429, retryAfter: '1', times: 1 })
    const started = Date.now()
    expect(expectRight((await run(graph(), entraClaims(OID_FEW))).result).state).toBe('present')
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
  })

  it('throttling past the deadline, or beyond three retries, is THROTTLED', async () => {
    const before = mock.requests.length
    const far = { kind: 'status', status: 429, retryAfter: '3600' } as const
    expect(await failure(graph(), entraClaims(), far)).toBe('THROTTLED')
    expect(mock.requests.length - before).toBe(1)
    const again = mock.requests.length
    const always = { kind: 'status', status: 429, retryAfter: '0' } as const
    expect(await failure(graph(), entraClaims(), always)).toBe('THROTTLED')
    expect(mock.requests.length - again).toBe(4)
  })

  it.each<[string, Misbehaviour, Partial<MicrosoftGraphGroupsResolverOptions>, string]>([
    ['a huge page', { kind: 'huge-page', bytes: 2_000_000 }, {}, 'TOO_LARGE'],
    ['a slow answer', { kind: 'slow', ms: 2_000 }, { timeoutMs: 300 }, 'TIMEOUT'],
    ['a malformed body', { kind: 'malformed' }, {}, 'INVALID_BODY'],
    ['a page loop', { kind: 'page-loop' }, {}, 'PAGE_LOOP'],
  ])('%s is refused as %4$s', async (_, misbehaviour, options, reason) => {
    expect(await failure(graph(options), entraClaims(), misbehaviour)).toBe(reason)
  })

  it('more pages than maxPages is TOO_MANY_PAGES; a huge page within maxBytes is read', async () => {
    expect(await failure(graph({ maxPages: 2 }), entraClaims())).toBe('TOO_MANY_PAGES')
    mock.misbehave({ kind: 'huge-page', bytes: 50_000 })
    const { result } = await run(graph({ maxBytes: 200_000 }), entraClaims(OID_FEW))
    expect(expectRight(result)).toMatchObject({ groups: [guid(0), guid(1), guid(2)] })
  })

  it('an accessToken callback that throws, returns no token or hangs is ACCESS_TOKEN_FAILED', async () => {
    const before = mock.requests.length
    const throws = graph({
      accessToken: () => {
        throw new Error('no credential')
      },
    })
    expect(await failure(throws, entraClaims())).toBe('ACCESS_TOKEN_FAILED')
    expect(await failure(graph({ accessToken: () => '' }), entraClaims())).toBe(
      'ACCESS_TOKEN_FAILED',
    )
    const hangs = graph({ accessToken: () => new Promise<string>(() => {}), timeoutMs: 100 })
    expect(await failure(hangs, entraClaims())).toBe('ACCESS_TOKEN_FAILED')
    expect(mock.requests.length).toBe(before)
  })
})

describe('rule C15: the Google directory groups resolver', () => {
  const QUERY =
    "member_key_id == 'jsmith@example.com' && 'cloudidentity.googleapis.com/groups.discussion_forum' in labels"

  it('Cloud Identity: searchTransitiveGroups by the verified email, pages by nextPageToken', async () => {
    const { result, requests } = await run(google(), googleClaims())
    expect(expectRight(result)).toEqual({
      state: 'present',
      groups: googleGroups.map((g) => g.email),
      source: 'distributed',
      droppedEmpty: 0,
    })
    expect(requests).toHaveLength(3)
    for (const [page, request] of requests.entries()) {
      expect(request).toMatchObject({
        method: 'GET',
        path: '/v1/groups/-/memberships:searchTransitiveGroups',
        authorization: `Bearer ${TOKEN}`,
      })
      expect(request.query['query']).toBe(QUERY)
      expect(Object.hasOwn(request.query, 'pageToken')).toBe(page > 0)
    }
  })

  it('the Admin SDK: groups.list?userKey=, names when asked', async () => {
    const { result, requests } = await run(
      google({ api: 'admin-sdk', groupValue: 'name' }),
      googleClaims(),
    )
    expect(expectRight(result)).toMatchObject({ groups: googleGroups.map((g) => g.name) })
    expect(requests).toHaveLength(3)
    expect(requests[0]).toMatchObject({
      path: '/admin/directory/v1/groups',
      query: { userKey: 'jsmith@example.com' },
    })
  })

  it('an address holding a quote is quoted in the query, not cut short', async () => {
    const { result, requests } = await run(google(), googleClaims("o'brien@example.com"))
    expect(expectRight(result)).toMatchObject({ groups: [googleGroups[0]?.email] })
    expect(requests[0]?.query['query']).toContain("member_key_id == 'o\\'brien@example.com'")
  })

  it('a user in no group (Google leaves the list out) is an empty list', async () => {
    for (const api of ['cloud-identity', 'admin-sdk'] as const) {
      const { result } = await run(google({ api }), googleClaims('nobody@example.com'))
      expect(expectRight(result)).toMatchObject({ state: 'present', groups: [] })
    }
  })

  it.each<[string, Record<string, unknown>]>([
    ['another domain', googleClaims('jsmith@example.com', { hd: 'evil.example' })],
    ['no hd (a consumer account)', googleClaims('jsmith@example.com', { hd: undefined })],
    ['an unverified email', googleClaims('jsmith@example.com', { email_verified: false })],
    ['no email', googleClaims('', {})],
  ])('%s is USER_NOT_IDENTIFIED, before any request', async (_, claims) => {
    const { result, requests } = await run(google(), claims)
    expect(expectError(result).value).toBe('USER_NOT_IDENTIFIED')
    expect(requests).toEqual([])
  })

  it.each<[string, Misbehaviour | undefined, string]>([
    ['401', { kind: 'status', status: 401 }, 'HTTP_STATUS'],
    [
      '403 (not an Enterprise account, or no permission)',
      { kind: 'status', status: 403 },
      'HTTP_STATUS',
    ],
    ['500', { kind: 'status', status: 500 }, 'HTTP_STATUS'],
    ['a page loop (the same nextPageToken again)', { kind: 'page-loop' }, 'PAGE_LOOP'],
    ['a malformed body', { kind: 'malformed' }, 'INVALID_BODY'],
    ['a later page cut off', { kind: 'cut-off', onPage: 2 }, 'FETCH_FAILED'],
  ])('%s is %s', async (_, misbehaviour, reason) => {
    expect(await failure(google(), googleClaims(), misbehaviour)).toBe(reason)
  })

  it('404 for a user the directory does not know is HTTP_STATUS; 429 is retried', async () => {
    const unknown = googleClaims('gone@example.com')
    for (const api of ['cloud-identity', 'admin-sdk'] as const) {
      expect(await failure(google({ api }), unknown)).toBe('HTTP_STATUS')
    }
    mock.misbehave({ kind: 'status', status: 429, retryAfter: '0', times: 1 })
    const { result, requests } = await run(google(), googleClaims())
    expect(expectRight(result)).toMatchObject({ state: 'present' })
    expect(requests).toHaveLength(4)
  })
})

describe('the directory resolvers send the access token to their API’s origin only', () => {
  const graphOverage = () => run(graph(), entraClaims())

  it('never the URL the token names: the overage’s endpoint is not called', async () => {
    const marker: OverageState = { ...overage, endpoint: `${evilOrigin}/groups` }
    const before = evilSaw.length
    const result = await graph().resolve(marker, {
      subject: 'entra-sub',
      claims: entraClaims(OID_FEW),
      options: {},
    })()
    expect(expectRight(result).state).toBe('present')
    expect(evilSaw.length).toBe(before)
    // Entra's implicit flow says only hasgroups: the same lookup, by the same oid.
    const hasgroups = await graph().resolve(
      { state: 'overage', source: 'id_token', claimSourceName: 'hasgroups' },
      { subject: 'entra-sub', claims: entraClaims(OID_FEW), options: {} },
    )()
    expect(expectRight(hasgroups)).toMatchObject({ groups: [guid(0), guid(1), guid(2)] })
  })

  it.each<[string, () => string]>([
    ['another loopback port', () => evilOrigin],
    ['the same host in hex', () => evilOrigin.replace('127.0.0.1', '0x7f000001')],
    ['an https host', () => 'https://graph.example.org'],
  ])('a next-page link to %s is ENDPOINT_NOT_ALLOWED, and not followed', async (_, origin) => {
    const before = evilSaw.length
    expect(await failure(graph(), entraClaims(), { kind: 'next-page-on', origin: origin() })).toBe(
      'ENDPOINT_NOT_ALLOWED',
    )
    expect(evilSaw.length).toBe(before)
  })

  it.each(['graph', 'google'] as const)(
    'a redirect off the origin (%s) is REDIRECT_NOT_ALLOWED; one within it is followed',
    async (which) => {
      const before = evilSaw.length
      const [resolver, claims] =
        which === 'graph' ? [graph(), entraClaims()] : [google(), googleClaims()]
      const off = { kind: 'redirect', location: `${evilOrigin}/steal` } as const
      expect(await failure(resolver, claims, off)).toBe('REDIRECT_NOT_ALLOWED')
      expect(evilSaw.length).toBe(before)
      const first = mock.requests.at(-1)
      const location = `${mock.origin}${first?.path ?? ''}?${new URLSearchParams(first?.query).toString()}`
      mock.misbehave({ kind: 'redirect', location, times: 1 })
      expect(expectRight((await run(resolver, claims)).result).state).toBe('present')
    },
  )

  it('a paging loop is stopped at the first page seen twice', async () => {
    const before = mock.requests.length
    expect(await failure(graph(), entraClaims(), { kind: 'page-loop' })).toBe('PAGE_LOOP')
    expect(mock.requests.length - before).toBe(2)
  })

  it('every request the mock saw carried the callback’s token; the other host saw none', async () => {
    await graphOverage()
    expect(mock.requests.length).toBeGreaterThanOrEqual(3)
    const tokens = new Set(mock.requests.map((r) => r.authorization))
    // The 401 case sends the token Graph would refuse: the mock refuses it, nobody else sees it.
    expect([...tokens]).toEqual([`Bearer ${TOKEN}`])
    expect(evilSaw).toEqual([])
  })
})

describe('the directory resolvers’ options (rule C15)', () => {
  const refused = (make: () => unknown): unknown => {
    try {
      make()
    } catch (error) {
      expect((error as { code?: string }).code).toBe('CLAIMS_INPUT_INVALID')
      expect((error as Error).message.length).toBeLessThan(200)
      return (error as { path?: string }).path
    }
    return 'accepted'
  }
  const asGraph = (o: unknown) => () =>
    createMicrosoftGraphGroupsResolver(o as MicrosoftGraphGroupsResolverOptions)
  const asGoogle = (o: unknown) => () =>
    createGoogleDirectoryGroupsResolver(o as GoogleDirectoryGroupsResolverOptions)
  const token = () => 't'

  it('are refused at the JSON Pointer of the first bad one', () => {
    expect(refused(asGraph({}))).toBe('/accessToken')
    expect(refused(asGraph(undefined))).toBe('')
    expect(refused(asGraph({ accessToken: 'a string' }))).toBe('/accessToken')
    expect(refused(asGraph({ accessToken: token, scope: 'x' }))).toBe('/scope')
    expect(refused(asGraph({ accessToken: token, origin: 'http://graph.example' }))).toBe('/origin')
    expect(refused(asGraph({ accessToken: token, maxPages: 0 }))).toBe('/maxPages')
    expect(refused(asGraph({ accessToken: token, groupValue: 'mail' }))).toBe('/groupValue')
    expect(refused(asGoogle({ accessToken: token }))).toBe('/domains')
    expect(refused(asGoogle({ accessToken: token, domains: [] }))).toBe('/domains')
    expect(refused(asGoogle({ accessToken: token, domains: ['a.example'], api: 'x' }))).toBe('/api')
    expect(refused(asGraph({ accessToken: token }))).toBe('accepted')
    expect(refused(asGoogle({ accessToken: token, domains: ['a.example'] }))).toBe('accepted')
  })
})
