import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createHttpDistributedClaimsResolver,
  extractGroupsClaim,
  MICROSOFT_GRAPH_ORIGINS,
  type DistributedClaimsResolver,
  type GroupsClaimOptions,
  type HttpDistributedClaimsResolverOptions,
} from '../src/index.js'
import type { OverageState } from '../src/distributed-claims.js'
import { expectError, expectRight } from './helpers.js'
import { CLIENT_ID, makeKey, sign, type TestKey } from './keys.js'

// The distributed-claims resolver against local HTTP servers on 127.0.0.1: JSON and signed JWT
// bodies, the access token, the timeout and the size cap, the origin allow-list and the binding
// of the response to the login's user. A second server stands for a host the token may name but
// the application did not allow.

const CLAIMS_ISSUER = 'https://claims.test'
const SUBJECT = 'u'
const now = (): number => Math.floor(Date.now() / 1000)
let key: TestKey
let other: TestKey
let server: Server
let base: string
let closedPort: number
let evil: Server
let evilPort: number
const seenAuthorization: (string | undefined)[] = []
const evilSaw: (string | undefined)[] = []

/** The claims of a signed claim-source response for the login's user, valid 10 minutes. */
const jwtClaims = (extra: Record<string, unknown> = {}) => ({
  iss: CLAIMS_ISSUER,
  aud: CLIENT_ID,
  sub: SUBJECT,
  exp: now() + 600,
  ...extra,
})

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
      return json(res, { sub: SUBJECT, groups: ['g1', '', 'g2'] })
    case '/open':
      return json(res, { sub: SUBJECT, groups: ['open'] })
    case '/mallory':
      return json(res, { sub: 'mallory', groups: ['admins'] })
    case '/no-sub':
      return json(res, { groups: ['admins'] })
    case '/jwt':
      res.writeHead(200, { 'content-type': 'application/jwt' })
      res.end(await sign(jwtClaims({ groups: ['signed'] }), key))
      return
    case '/jwt-forged':
      res.end(await sign(jwtClaims({ groups: ['root'] }), other, { kid: key.kid }))
      return
    case '/jwt-wrong-issuer':
      res.end(await sign(jwtClaims({ iss: 'https://evil.test', groups: ['root'] }), key))
      return
    case '/jwt-other-sub':
      res.end(await sign(jwtClaims({ sub: 'mallory', groups: ['root'] }), key))
      return
    case '/jwt-other-aud':
      res.end(await sign(jwtClaims({ aud: 'another-client', groups: ['root'] }), key))
      return
    case '/jwt-no-exp': {
      const { exp: _exp, ...claims } = jwtClaims({ groups: ['root'] })
      res.end(await sign(claims, key))
      return
    }
    case '/jwt-expired':
      res.end(await sign(jwtClaims({ exp: now() - 3600, groups: ['root'] }), key))
      return
    case '/slow':
      setTimeout(() => json(res, { sub: SUBJECT, groups: ['late'] }), 2_000).unref()
      return
    case '/slow-body':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(`{"sub":"${SUBJECT}","groups":`)
      setTimeout(() => res.end('["late"]}'), 2_000).unref()
      return
    case '/big-declared':
      return json(res, {
        sub: SUBJECT,
        groups: Array.from({ length: 500 }, (_, i) => `group-${i}`),
      })
    case '/big-chunked':
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(`{"sub":"${SUBJECT}","groups":[`)
      for (let i = 0; i < 500; i += 1) res.write(`"group-${i}",`)
      res.end('"last"]}')
      return
    case '/status':
      return json(res, { error: 'server_error' }, 500)
    case '/redirect':
      res.writeHead(302, { location: '/open' }).end()
      return
    case '/redirect-off':
      res.writeHead(302, { location: `http://127.0.0.1:${evilPort}/groups` }).end()
      return
    case '/redirect-hex':
      res.writeHead(307, { location: `http://0x7f000001:${evilPort}/groups` }).end()
      return
    case '/redirect-loop':
      res.writeHead(302, { location: '/redirect-loop' }).end()
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
      return json(res, { sub: SUBJECT, other: ['x'] })
    case '/malformed':
      return json(res, { sub: SUBJECT, groups: ['a', 7] })
    case '/many':
      return json(res, { sub: SUBJECT, groups: ['a', 'b', 'c'] })
    case '/nested':
      return json(res, { sub: SUBJECT, realm_access: { roles: ['nested-role'] } })
    case '/again':
      return json(res, {
        sub: SUBJECT,
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
  evil = createServer((req, res) => {
    evilSaw.push(req.headers.authorization)
    json(res, { sub: SUBJECT, groups: ['internal-admin'] })
  })
  evilPort = await listen(evil)
})
afterAll(async () => {
  for (const s of [server, evil]) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
})

const overage = (endpoint: string | undefined, accessToken?: string): OverageState => ({
  state: 'overage',
  source: 'id_token',
  claimSourceName: 'src1',
  ...(endpoint === undefined ? {} : { endpoint }),
  ...(accessToken === undefined ? {} : { accessToken }),
})

/** A resolver allowed to call the main test server only. */
const allowedHere = (
  options: Omit<HttpDistributedClaimsResolverOptions, 'allowedOrigins'> = {},
): DistributedClaimsResolver =>
  createHttpDistributedClaimsResolver({ allowedOrigins: [base], ...options })

let resolver: DistributedClaimsResolver
/** A resolver that verifies signed answers with the claims provider's real key. */
let signed: DistributedClaimsResolver
beforeAll(() => {
  signed = allowedHere({
    verification: {
      issuer: CLAIMS_ISSUER,
      audience: CLIENT_ID,
      jwks: key.jwks,
      algorithms: ['ES256'],
    },
  })
  resolver = allowedHere({
    timeoutMs: 10_000,
    maxBytes: 2_000,
    verification: {
      issuer: CLAIMS_ISSUER,
      audience: CLIENT_ID,
      jwks: { keys: [] },
      algorithms: ['ES256'],
    },
  })
})

const resolveWith = (
  r: DistributedClaimsResolver,
  route: string,
  options: GroupsClaimOptions = {},
  accessToken?: string,
) =>
  r.resolve(overage(`${base}${route}`), {
    subject: SUBJECT,
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
  it('resolves an overage from the ID token end to end: endpoint and access token from _claim_sources', async () => {
    const claims = {
      sub: SUBJECT,
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: `${base}/groups`, access_token: 'at-1' } },
    }
    const state = expectRight(extractGroupsClaim({ idTokenClaims: claims }))
    expect(state.state).toBe('overage')
    const resolved = await resolver.resolve(state as OverageState, {
      subject: SUBJECT,
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
    const unverifiable = allowedHere()
    expect(await failure('/jwt', unverifiable)).toBe('JWT_NOT_VERIFIABLE')
  })

  it('times out a slow answer and a slow body', async () => {
    const hasty = allowedHere({ timeoutMs: 200 })
    expect(await failure('/slow', hasty)).toBe('TIMEOUT')
    expect(await failure('/slow-body', hasty)).toBe('TIMEOUT')
  })

  it('caps the body size, declared or streamed', async () => {
    expect(await failure('/big-declared')).toBe('TOO_LARGE')
    expect(await failure('/big-chunked')).toBe('TOO_LARGE')
    const roomy = allowedHere({ maxBytes: 100_000 })
    expect(expectRight(await resolveWith(roomy, '/big-chunked'))).toMatchObject({
      state: 'present',
    })
  })

  it.each([
    ['/status', 'HTTP_STATUS'],
    ['/nowhere', 'HTTP_STATUS'],
    ['/redirect-loop', 'REDIRECT_NOT_ALLOWED'],
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
      await createHttpDistributedClaimsResolver({
        allowedOrigins: [`http://127.0.0.1:${closedPort}`],
      }).resolve(overage(`http://127.0.0.1:${closedPort}/x`), { subject: SUBJECT, options: {} })(),
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
    const error = expectError(
      await resolver.resolve(overage(endpoint), { subject: SUBJECT, options: {} })(),
    )
    expect([error.code, error.value]).toEqual(['DISTRIBUTED_CLAIMS_FAILED', reason])
    // The path is the overage's endpoint member, when it has one (a JSON Pointer, not the URL).
    expect(error.path).toBe(endpoint === undefined ? undefined : '/endpoint')
    expect(seenAuthorization.length).toBe(before)
  })
})

describe('the resolver calls only allowed origins', () => {
  it.each<[string, () => string]>([
    ['another loopback port', () => `http://127.0.0.1:${evilPort}/groups`],
    ['the same host written in hex', () => `http://0x7f000001:${evilPort}/groups`],
    ['localhost on another port', () => `http://localhost:${evilPort}/groups`],
    ['an https host the app did not list', () => 'https://internal.example/admin'],
    ['credentials in the URL', () => `http://user:pass@127.0.0.1:${base.split(':')[2]}/open`],
  ])('%s is ENDPOINT_NOT_ALLOWED, and nothing is sent there', async (_, endpoint) => {
    const before = [seenAuthorization.length, evilSaw.length]
    const error = expectError(
      await resolver.resolve(overage(endpoint(), 'source-token'), {
        subject: SUBJECT,
        accessToken: 'login-token',
        options: {},
      })(),
    )
    expect([error.code, error.value]).toEqual(['DISTRIBUTED_CLAIMS_FAILED', 'ENDPOINT_NOT_ALLOWED'])
    expect([seenAuthorization.length, evilSaw.length]).toEqual(before)
  })

  it('follows a redirect within the origin, with the token', async () => {
    expect(expectRight(await resolveWith(resolver, '/redirect', {}, 'at-1'))).toMatchObject({
      groups: ['open'],
    })
    expect(seenAuthorization.at(-1)).toBe('Bearer at-1')
  })

  it.each(['/redirect-off', '/redirect-hex'])(
    'a redirect off the origin (%s) is REDIRECT_NOT_ALLOWED; the token never leaves',
    async (route) => {
      const before = evilSaw.length
      const error = expectError(await resolveWith(resolver, route, {}, 'at-1'))
      expect([error.code, error.value]).toEqual([
        'DISTRIBUTED_CLAIMS_FAILED',
        'REDIRECT_NOT_ALLOWED',
      ])
      expect(evilSaw.length).toBe(before)
    },
  )

  it('the allow-list is required and holds only https origins (http only on loopback)', () => {
    const refused = (options: unknown): string | undefined => {
      try {
        createHttpDistributedClaimsResolver(options as HttpDistributedClaimsResolverOptions)
      } catch (error) {
        expect((error as { code?: string }).code).toBe('CLAIMS_INPUT_INVALID')
        return (error as { path?: string }).path
      }
      return undefined
    }
    expect(refused({})).toBe('/allowedOrigins')
    expect(refused(undefined)).toBe('/allowedOrigins')
    expect(refused({ allowedOrigins: ['http://claims.example'] })).toBe('/allowedOrigins/0')
    expect(refused({ allowedOrigins: [base, 'https://x.example/path'] })).toBe('/allowedOrigins/1')
    expect(refused({ allowedOrigins: ['https://u:p@x.example'] })).toBe('/allowedOrigins/0')
    expect(refused({ allowedOrigins: ['*'] })).toBe('/allowedOrigins/0')
    expect(refused({ allowedOrigins: MICROSOFT_GRAPH_ORIGINS })).toBeUndefined()
    expect(refused({ allowedOrigins: ['https://claims.example/', base] })).toBeUndefined()
  })
})

describe("a claim-source response is bound to the login's user", () => {
  it.each([
    ['/mallory', 'SUB_MISMATCH'],
    ['/no-sub', 'SUB_MISMATCH'],
  ])('a JSON body %s is refused with %s', async (route, reason) => {
    expect(await failure(route)).toBe(reason)
  })

  it.each(['/jwt-other-sub', '/jwt-other-aud', '/jwt-no-exp', '/jwt-expired'])(
    'a signed body %s is refused',
    async (route) => {
      expect(await failure(route, signed)).toMatch(/^(JWT_INVALID|SUB_MISMATCH)$/)
    },
  )

  it('a JWT for the user, the client, with exp, is accepted; the resolver needs the subject', async () => {
    expect(expectRight(await resolveWith(signed, '/jwt'))).toMatchObject({ groups: ['signed'] })
    const noSubject = expectError(
      await signed.resolve(overage(`${base}/jwt`), { options: {} } as never)(),
    )
    expect([noSubject.code, noSubject.path]).toEqual(['CLAIMS_INPUT_INVALID', '/subject'])
  })
})
