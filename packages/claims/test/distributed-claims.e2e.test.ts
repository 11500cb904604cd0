import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createHttpDistributedClaimsResolver,
  extractGroupsClaim,
  type GroupsClaimOptions,
  type OverageState,
} from '../src/index.js'
import { expectError, expectRight } from './helpers.js'
import { makeKey, sign, type TestKey } from './keys.js'

// The distributed-claims resolver against a local HTTP server on 127.0.0.1: JSON and signed JWT
// bodies, the access token, the timeout and the size cap.

const CLAIMS_ISSUER = 'https://claims.test'
let key: TestKey
let other: TestKey
let server: Server
let base: string
let closedPort: number
const seenAuthorization: (string | undefined)[] = []

const listen = (s: Server): Promise<number> =>
  new Promise((resolve) => {
    s.listen(0, '127.0.0.1', () => {
      resolve((s.address() as AddressInfo).port)
    })
  })

const json = (res: ServerResponse, body: unknown, status = 200): ServerResponse =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))

async function handle(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  seenAuthorization.push(req.headers.authorization)
  const route = new URL(req.url ?? '/', 'http://x').pathname
  switch (route) {
    case '/groups':
      if (req.headers.authorization !== 'Bearer at-1') return json(res, { error: 'no' }, 401)
      return json(res, { groups: ['g1', '', 'g2'] })
    case '/open':
      return json(res, { groups: ['open'] })
    case '/jwt':
      res.writeHead(200, { 'content-type': 'application/jwt' })
      res.end(await sign({ iss: CLAIMS_ISSUER, groups: ['signed'] }, key))
      return
    case '/jwt-forged':
      res.end(await sign({ iss: CLAIMS_ISSUER, groups: ['root'] }, other, { kid: key.kid }))
      return
    case '/jwt-wrong-issuer':
      res.end(await sign({ iss: 'https://evil.test', groups: ['root'] }, key))
      return
    case '/slow':
      setTimeout(() => json(res, { groups: ['late'] }), 2_000).unref()
      return
    case '/slow-body':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"groups":')
      setTimeout(() => res.end('["late"]}'), 2_000).unref()
      return
    case '/big-declared':
      return json(res, { groups: Array.from({ length: 500 }, (_, i) => `group-${i}`) })
    case '/big-chunked':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"groups":[')
      for (let i = 0; i < 500; i += 1) res.write(`"group-${i}",`)
      res.end('"last"]}')
      return
    case '/status':
      return json(res, { error: 'server_error' }, 500)
    case '/redirect':
      res.writeHead(302, { location: '/open' }).end()
      return
    case '/bad-json':
      res.end('{"groups": [')
      return
    case '/array':
      res.end('["a"]')
      return
    case '/text':
      res.end('hello')
      return
    case '/bad-utf8':
      res.end(Buffer.from([0x7b, 0xff, 0x7d]))
      return
    case '/no-claim':
      return json(res, { other: ['x'] })
    case '/malformed':
      return json(res, { groups: ['a', 7] })
    case '/many':
      return json(res, { groups: ['a', 'b', 'c'] })
    case '/nested':
      return json(res, { realm_access: { roles: ['nested-role'] } })
    case '/again':
      return json(res, {
        _claim_names: { groups: 's2' },
        _claim_sources: { s2: { endpoint: 'x' } },
      })
    default:
      return json(res, { error: 'not found' }, 404)
  }
}

beforeAll(async () => {
  key = await makeKey('claims-key')
  other = await makeKey('other-key')
  server = createServer((req, res) => {
    void handle(req, res)
  })
  base = `http://127.0.0.1:${await listen(server)}`
  const closed = createServer()
  closedPort = await listen(closed)
  await new Promise((resolve) => closed.close(resolve))
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const overage = (endpoint: string | undefined, accessToken?: string): OverageState => ({
  state: 'overage',
  source: 'id_token',
  claimSourceName: 'src1',
  ...(endpoint === undefined ? {} : { endpoint }),
  ...(accessToken === undefined ? {} : { accessToken }),
})

const resolver = createHttpDistributedClaimsResolver({
  timeoutMs: 10_000,
  maxBytes: 2_000,
  verification: { issuer: CLAIMS_ISSUER, jwks: { keys: [] }, algorithms: ['ES256'] },
})

const resolveWith = (
  r: typeof resolver,
  route: string,
  options: GroupsClaimOptions = {},
  accessToken?: string,
) =>
  r.resolve(overage(`${base}${route}`), {
    options,
    ...(accessToken === undefined ? {} : { accessToken }),
  })()

async function failure(route: string, r = resolver, options: GroupsClaimOptions = {}) {
  const error = expectError(await resolveWith(r, route, options))
  expect(error.code).toBe('DISTRIBUTED_CLAIMS_FAILED')
  expect(error.source).toBe('distributed')
  return error.value
}

describe('point 6: the HTTP distributed claims resolver', () => {
  let signed: typeof resolver
  beforeAll(() => {
    signed = createHttpDistributedClaimsResolver({
      verification: { issuer: CLAIMS_ISSUER, jwks: key.jwks, algorithms: ['ES256'] },
    })
  })

  it('resolves an overage from the ID token end to end: endpoint and access token from _claim_sources', async () => {
    const claims = {
      sub: 'u',
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: `${base}/groups`, access_token: 'at-1' } },
    }
    const state = expectRight(extractGroupsClaim({ idTokenClaims: claims }))
    expect(state.state).toBe('overage')
    const resolved = await resolver.resolve(state as OverageState, {
      accessToken: 'login-token',
      options: {},
    })()
    expect(expectRight(resolved)).toEqual({
      state: 'present',
      groups: ['g1', 'g2'],
      source: 'distributed',
      droppedEmpty: 1,
    })
    expect(seenAuthorization.at(-1)).toBe('Bearer at-1')
  })

  it('uses the login’s access token when the source names none, and none when there is none', async () => {
    expect(expectRight(await resolveWith(resolver, '/groups', {}, 'at-1'))).toMatchObject({
      groups: ['g1', 'g2'],
    })
    expect(expectRight(await resolveWith(resolver, '/open'))).toMatchObject({ groups: ['open'] })
    expect(seenAuthorization.at(-1)).toBeUndefined()
  })

  it('reads the claim at the configured path, with the same rules', async () => {
    const state = await resolveWith(resolver, '/nested', { path: 'realm_access.roles' })
    expect(expectRight(state)).toMatchObject({ groups: ['nested-role'], source: 'distributed' })
    expect(expectRight(await resolveWith(resolver, '/many', { maxGroups: 2 }))).toEqual({
      state: 'over-limit',
      source: 'distributed',
      reason: 'too-many',
      count: 3,
    })
    const malformed = expectError(await resolveWith(resolver, '/malformed'))
    expect([malformed.code, malformed.source, malformed.index]).toEqual([
      'GROUPS_CLAIM_MALFORMED',
      'distributed',
      1,
    ])
    const badPath = expectError(await resolveWith(resolver, '/open', { path: 'a..b' }))
    expect(badPath.code).toBe('CLAIM_PATH_INVALID')
  })

  it('a response that is itself an overage is returned as such', async () => {
    expect(expectRight(await resolveWith(resolver, '/again'))).toMatchObject({
      state: 'overage',
      source: 'distributed',
      claimSourceName: 's2',
    })
  })

  it('accepts a signed JWT body verified by jose', async () => {
    expect(expectRight(await resolveWith(signed, '/jwt'))).toEqual({
      state: 'present',
      groups: ['signed'],
      source: 'distributed',
      droppedEmpty: 0,
    })
  })

  it('refuses a forged JWT, a JWT from another issuer, and a JWT it cannot verify', async () => {
    expect(await failure('/jwt-forged', signed)).toBe('JWT_INVALID')
    expect(await failure('/jwt-wrong-issuer', signed)).toBe('JWT_INVALID')
    expect(await failure('/jwt', resolver)).toBe('JWT_INVALID')
    const unverifiable = createHttpDistributedClaimsResolver()
    expect(await failure('/jwt', unverifiable)).toBe('JWT_NOT_VERIFIABLE')
  })

  it('times out a slow answer and a slow body', async () => {
    const hasty = createHttpDistributedClaimsResolver({ timeoutMs: 200 })
    expect(await failure('/slow', hasty)).toBe('TIMEOUT')
    expect(await failure('/slow-body', hasty)).toBe('TIMEOUT')
  })

  it('caps the body size, declared or streamed', async () => {
    expect(await failure('/big-declared')).toBe('TOO_LARGE')
    expect(await failure('/big-chunked')).toBe('TOO_LARGE')
    const roomy = createHttpDistributedClaimsResolver({ maxBytes: 100_000 })
    expect(expectRight(await resolveWith(roomy, '/big-chunked'))).toMatchObject({
      state: 'present',
    })
  })

  it.each([
    ['/status', 'HTTP_STATUS'],
    ['/nowhere', 'HTTP_STATUS'],
    ['/redirect', 'FETCH_FAILED'],
    ['/bad-json', 'INVALID_BODY'],
    ['/array', 'INVALID_BODY'],
    ['/bad-utf8', 'INVALID_BODY'],
    ['/text', 'JWT_INVALID'],
    ['/no-claim', 'CLAIM_NOT_IN_RESPONSE'],
  ])('%s fails with %s', async (route, reason) => {
    expect(await failure(route)).toBe(reason)
  })

  it('a closed port is FETCH_FAILED', async () => {
    const error = expectError(
      await resolver.resolve(overage(`http://127.0.0.1:${closedPort}/x`), { options: {} })(),
    )
    expect([error.code, error.value]).toEqual(['DISTRIBUTED_CLAIMS_FAILED', 'FETCH_FAILED'])
  })

  it.each<[string | undefined, string]>([
    [undefined, 'NO_ENDPOINT'],
    ['not a url', 'ENDPOINT_NOT_ALLOWED'],
    ['ftp://127.0.0.1/x', 'ENDPOINT_NOT_ALLOWED'],
    ['http://claims.example/x', 'ENDPOINT_NOT_ALLOWED'],
  ])('endpoint %j is refused with %s, before any request', async (endpoint, reason) => {
    const before = seenAuthorization.length
    const error = expectError(await resolver.resolve(overage(endpoint), { options: {} })())
    expect([error.code, error.value]).toEqual(['DISTRIBUTED_CLAIMS_FAILED', reason])
    expect(seenAuthorization.length).toBe(before)
  })
})
