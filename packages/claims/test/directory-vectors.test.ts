import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createGoogleDirectoryGroupsResolver,
  createMicrosoftGraphGroupsResolver,
  type GoogleDirectoryGroupsResolverOptions,
  type GroupsClaimOptions,
  type MicrosoftGraphGroupsResolverOptions,
} from '../src/index.js'

// Rule C15's vectors (docs/vectors/directory-resolvers.json): each case's exchanges are played
// by a server on 127.0.0.1 that answers the i-th request with the i-th scripted answer and
// records what it was asked; the resolver must make exactly the scripted requests (GET, path,
// every query parameter, the Bearer token) and end with the expected state or failure.

interface Exchange {
  readonly request: { readonly path: string; readonly query: Readonly<Record<string, string>> }
  readonly response: {
    readonly status: number
    readonly headers?: Readonly<Record<string, string>>
    readonly body?: unknown
  }
}
interface Vector {
  readonly name: string
  readonly input: {
    readonly resolver: 'microsoft-graph' | 'google-directory'
    readonly options: Readonly<Record<string, unknown>>
    readonly claims: Readonly<Record<string, unknown>>
    readonly claimsOptions?: GroupsClaimOptions
    readonly accessToken: string
    readonly exchanges: readonly Exchange[]
  }
  readonly expected?: unknown
  readonly expectedError?: Readonly<Record<string, unknown>>
}

const file = new URL('../../../docs/vectors/directory-resolvers.json', import.meta.url)
const { vectors } = JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] }

interface Seen {
  readonly method: string | undefined
  readonly path: string
  readonly query: Record<string, string>
  readonly authorization: string | undefined
}

let server: Server
let origin: string
let script: readonly Exchange[] = []
let seen: Seen[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin)
    seen.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
    })
    const answer = script[seen.length - 1]?.response
    if (answer === undefined) {
      res.writeHead(500).end()
      return
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
    const body = answer.body ?? null
    res.end(body === null ? '' : JSON.stringify(body).replaceAll('{origin}', origin))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('rule C15: the directory resolver vectors', () => {
  it('there are cases of both resolvers', () => {
    const of = (r: string) => vectors.filter((v) => v.input.resolver === r).length
    expect(of('microsoft-graph')).toBeGreaterThan(10)
    expect(of('google-directory')).toBeGreaterThan(10)
  })

  it.each(vectors.map((v) => [v.name, v] as const))('%s', async (_, vector) => {
    const { input } = vector
    script = input.exchanges
    seen = []
    const options: unknown = { ...input.options, accessToken: () => input.accessToken, origin }
    const resolver =
      input.resolver === 'microsoft-graph'
        ? createMicrosoftGraphGroupsResolver(options as MicrosoftGraphGroupsResolverOptions)
        : createGoogleDirectoryGroupsResolver(options as GoogleDirectoryGroupsResolverOptions)
    const claim = input.resolver === 'microsoft-graph' ? 'overage' : 'absent'
    const result = await resolver.resolve(
      claim === 'overage'
        ? { state: 'overage', source: 'id_token', claimSourceName: 'src1' }
        : { state: 'absent' },
      {
        subject: String(input.claims['sub']),
        claims: input.claims,
        options: input.claimsOptions ?? {},
      },
    )()
    expect(seen).toEqual(
      input.exchanges.map((e) => ({
        method: 'GET',
        path: e.request.path,
        query: e.request.query,
        authorization: `Bearer ${input.accessToken}`,
      })),
    )
    if (vector.expectedError === undefined) {
      expect(result).toEqual({ _tag: 'Right', right: vector.expected })
    } else {
      if (result._tag === 'Right') expect.fail(`expected a failure, got ${JSON.stringify(result)}`)
      const { code, value, source } = result.left
      const fields: Record<string, unknown> = { code, value, source }
      for (const [key, want] of Object.entries(vector.expectedError)) {
        expect(fields[key], key).toEqual(want)
      }
    }
  })
})
