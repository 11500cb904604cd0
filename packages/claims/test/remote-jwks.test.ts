import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyIdToken, type IdTokenVerification } from '../src/index.js'
import { expectError, expectRight } from './helpers.js'
import { CLIENT_ID, idTokenClaims, ISSUER, makeKey, sign, type TestKey } from './keys.js'

// Rule C1 with the provider's JWKS URL as `jwks`: the key set is fetched from that URL and a token
// verifies against it, and the key set of one URL is fetched once and then reused (one key set
// per URL, README), not fetched on every login. A real HTTP server on 127.0.0.1 serves the keys
// and counts the requests for each path; each test uses its own paths, as the key sets outlive
// a test.

let key: TestKey
let other: TestKey
let server: Server
let base: string
const requests = new Map<string, number>()

beforeAll(async () => {
  key = await makeKey('k1')
  other = await makeKey('k2')
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    requests.set(path, (requests.get(path) ?? 0) + 1)
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify(key.jwks))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await once(server, 'close')
})

const jwksAt = (path: string): URL => new URL(path, base)

const verify = (token: string, jwks: URL) => {
  const options: IdTokenVerification = {
    issuer: ISSUER,
    audience: CLIENT_ID,
    jwks,
    algorithms: ['ES256'],
  }
  return verifyIdToken(token, options)()
}

describe('rule C1: the keys from a JWKS URL', () => {
  it('a token signed by a key the URL serves verifies', async () => {
    const token = await sign(idTokenClaims({ groups: ['dev'] }), key)
    expect(expectRight(await verify(token, jwksAt('/served'))).groups).toEqual(['dev'])
  })

  it('a token signed by another key is refused: another kid, or the served kid forged', async () => {
    const unknown = expectError(await verify(await sign(idTokenClaims(), other), jwksAt('/other')))
    expect([unknown.code, unknown.value]).toEqual(['ID_TOKEN_INVALID', 'ERR_JWKS_NO_MATCHING_KEY'])
    const forged = await sign(idTokenClaims(), other, { kid: key.kid })
    const error = expectError(await verify(forged, jwksAt('/other')))
    expect([error.code, error.value]).toEqual([
      'ID_TOKEN_INVALID',
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    ])
  })

  it('the key set of one URL is fetched once, for every URL object with that address', async () => {
    for (let login = 0; login < 3; login += 1) {
      const token = await sign(idTokenClaims({ sub: `user-${login}` }), key)
      expect(expectRight(await verify(token, jwksAt('/once'))).sub).toBe(`user-${login}`)
    }
    expect(requests.get('/once')).toBe(1)
  })

  it('the key sets of two URLs are both kept: logins alternating between them fetch each once', async () => {
    const token = await sign(idTokenClaims(), key)
    for (let login = 0; login < 3; login += 1) {
      expectRight(await verify(token, jwksAt('/a')))
      expectRight(await verify(token, jwksAt('/b')))
    }
    expect([requests.get('/a'), requests.get('/b')]).toEqual([1, 1])
  })

  it('the kept key sets are bounded: after many other URLs, the first one is fetched again', async () => {
    const token = await sign(idTokenClaims(), key)
    expectRight(await verify(token, jwksAt('/first')))
    for (let n = 0; n < 200; n += 1) expectRight(await verify(token, jwksAt(`/many/${n}`)))
    expectRight(await verify(token, jwksAt('/first')))
    expect(requests.get('/first')).toBe(2)
  })
})
