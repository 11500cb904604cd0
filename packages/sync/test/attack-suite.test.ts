import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHttpDistributedClaimsResolver } from '@groupsync/claims'
import type { MembershipStore, UserSyncChanges } from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import fc from 'fast-check'
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createMembershipAdmin,
  isSyncDenial,
  syncOnLogin,
  type SyncDeps,
  type SyncPolicy,
} from '../src/index.js'
import { makeTestIssuer, type TestIssuer } from './support/id-tokens.js'

// The attack suite: logins an attacker can build — forged and confused signatures, bad claim
// times, userinfo and claim sources for another user, claim-source endpoints off the allow-list,
// redirects, huge, slow and non-JSON bodies, replayed older tokens — each must be refused with a
// code and write nothing (or exactly one sync.denied event for a denial). Then
// GROUPSYNC_FUZZ_LOGINS (default 100,000) fuzzed logins through the same path on the in-memory
// store: none may throw, and none that fails may write anything but its one sync.denied event.
// Run a bigger fuzz with `pnpm --filter @groupsync/sync test:attacks`.

const FUZZ_LOGINS = Number(process.env['GROUPSYNC_FUZZ_LOGINS'] ?? 100_000)
const now = (): number => Math.floor(Date.now() / 1000)

/** Every unit of work's changes, so a test can see exactly what a login wrote. */
function recordingStore(inner: MembershipStore): {
  readonly store: MembershipStore
  readonly writes: (UserSyncChanges | null)[]
} {
  const writes: (UserSyncChanges | null)[] = []
  const store: MembershipStore = {
    ...inner,
    withLoginSync: (orgId, userId, claimGroups, decide, ...rest) =>
      inner.withLoginSync(
        orgId,
        userId,
        claimGroups,
        (snapshot) => {
          const decision = decide(snapshot)
          writes.push(decision.changes)
          return decision
        },
        ...rest,
      ),
  }
  return { store, writes }
}

/** Whether a failed login wrote only what Part 3 allows: nothing, or one sync.denied if a denial. */
function wroteOnlyItsDenial(
  writes: readonly (UserSyncChanges | null)[],
  code: string,
  denial: boolean,
): boolean {
  const real = writes.filter((w) => w !== null)
  if (!denial) return real.length === 0
  return (
    real.length === 1 &&
    real[0]!.add.length === 0 &&
    real[0]!.remove.length === 0 &&
    real[0]!.syncedAt === undefined &&
    real[0]!.audit.length === 1 &&
    real[0]!.audit[0]!.type === 'sync.denied' &&
    real[0]!.audit[0]!.detail?.['code'] === code
  )
}

describe('attack suite', { timeout: 600_000 }, () => {
  let issuer: TestIssuer
  let recorded: ReturnType<typeof recordingStore>
  let server: Server
  let origin: string
  let elsewhere: Server
  let elsewhereOrigin: string
  const elsewhereHits: string[] = []
  const ORG = 'attacked-org'
  let tried = 0
  let refused = 0
  let fuzzed = 0
  let throws = 0
  let writesOnError = 0

  beforeAll(async () => {
    issuer = await makeTestIssuer()
    recorded = recordingStore(createMemoryMembershipStore())
    const admin = createMembershipAdmin({ store: recorded.store })
    for (const name of ['dev', 'ops', 'admins']) {
      expect((await admin.createGroup(ORG, name)())._tag).toBe('Right')
    }
    expect((await admin.setManageGroupMemberships(ORG, true)())._tag).toBe('Right')
    elsewhere = createServer((request, response) => {
      elsewhereHits.push(request.headers.authorization ?? '-')
      response.end(JSON.stringify({ sub: 'alice', groups: ['admins'] }))
    })
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve))
    elsewhereOrigin = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`
    server = createServer((request, response) => {
      const json = (body: unknown) => response.end(JSON.stringify(body))
      switch (request.url) {
        case '/mallory':
          return json({ sub: 'mallory', groups: ['admins'] })
        case '/no-sub':
          return json({ groups: ['admins'] })
        case '/redirect-off':
          response.writeHead(302, { location: `${elsewhereOrigin}/x` }).end()
          return
        case '/huge':
          response.write('{"sub":"alice","groups":[')
          for (let i = 0; i < 3000; i += 1) response.write(`"${'x'.repeat(500)}",`)
          return response.end('"x"]}')
        case '/slow':
          setTimeout(() => json({ sub: 'alice', groups: ['admins'] }), 3_000).unref()
          return
        case '/text':
          return response.end('<html>not json</html>')
        default:
          return json({ sub: 'alice', groups: ['dev'] })
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }, 120_000)
  afterAll(async () => {
    for (const s of [server, elsewhere]) {
      s.closeAllConnections()
      await new Promise((resolve) => s.close(resolve))
    }
    console.log(
      `attack suite: ${tried} attacks tried, ${refused} refused; ${fuzzed} fuzzed logins, ${throws} throws, ${writesOnError} writes on error`,
    )
  })

  const deps = (extra: Partial<SyncDeps> = {}): SyncDeps => ({
    store: recorded.store,
    verification: issuer.verification,
    resolver: createHttpDistributedClaimsResolver({
      allowedOrigins: [origin],
      timeoutMs: 500,
      maxBytes: 64_000,
    }),
    ...extra,
  })
  const token = (claims: Record<string, unknown>): Promise<string> =>
    issuer.signRaw({
      iss: issuer.issuer,
      aud: issuer.audience,
      sub: 'alice',
      iat: now(),
      exp: now() + 600,
      groups: ['admins'],
      ...claims,
    })
  const overage = (endpoint: string) => ({
    groups: undefined,
    _claim_names: { groups: 's' },
    _claim_sources: { s: { endpoint } },
  })

  /** Runs one attack: it must fail with `code`, writing nothing but its own denial. */
  async function attack(
    input: { readonly idToken: string; readonly userinfo?: unknown; readonly accessToken?: string },
    code: string,
    d: SyncDeps = deps(),
  ): Promise<void> {
    tried += 1
    recorded.writes.length = 0
    const result = await syncOnLogin({ orgId: ORG, userId: 'alice', ...input }, d)()
    expect(result._tag).toBe('Left')
    if (result._tag !== 'Left') return
    expect(result.left.code).toBe(code)
    expect(wroteOnlyItsDenial(recorded.writes, code, isSyncDenial(result.left))).toBe(true)
    refused += 1
  }

  it('forged signatures and algorithm confusion', async () => {
    await attack(
      { idToken: await issuer.forge('alice', { groups: ['admins'] }) },
      'ID_TOKEN_INVALID',
    )
    const payload = {
      iss: issuer.issuer,
      aud: issuer.audience,
      sub: 'alice',
      iat: now(),
      exp: now() + 600,
    }
    await attack({ idToken: new UnsecuredJWT(payload).encode() }, 'ID_TOKEN_INVALID')
    // HS256 with the provider's public key as the secret: the classic RS/ES-to-HS confusion.
    const jwk = issuer.verification.jwks as { keys: Record<string, unknown>[] }
    const secret = new TextEncoder().encode(JSON.stringify(jwk.keys[0]))
    const confused = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', kid: 'test-key' })
      .sign(secret)
    await attack({ idToken: confused }, 'ID_TOKEN_INVALID')
    const { privateKey } = await generateKeyPair('RS256')
    const otherAlg = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .sign(privateKey)
    await attack({ idToken: otherAlg }, 'ID_TOKEN_INVALID')
    const { publicKey: unrelated } = await generateKeyPair('ES256')
    await attack(
      {
        idToken: `${(await token({})).split('.').slice(0, 2).join('.')}.${JSON.stringify(await exportJWK(unrelated)).length}`,
      },
      'ID_TOKEN_INVALID',
    )
  })

  it('claim checks: issuer, audience, azp, times, subject', async () => {
    for (const claims of [
      { iss: 'https://evil.test' },
      { aud: 'another-app' },
      { aud: [issuer.audience, 'api'] },
      { aud: [issuer.audience, 'api'], azp: 'api' },
      { exp: now() - 3600 },
      { nbf: now() + 3600 },
      { iat: now() + 3600 },
      { auth_time: now() + 3600 },
      { sub: null },
      { sub: '' },
      { sub: 12 },
    ]) {
      await attack({ idToken: await token(claims) }, 'ID_TOKEN_INVALID')
    }
  })

  it('userinfo and claim-source binding', async () => {
    const idToken = await token({ groups: undefined })
    await attack(
      { idToken, userinfo: { sub: 'mallory', groups: ['admins'] } },
      'USERINFO_SUB_MISMATCH',
    )
    await attack(
      { idToken, userinfo: await issuer.signRaw({ sub: 'mallory', groups: ['admins'] }) },
      'USERINFO_SUB_MISMATCH',
    )
    await attack(
      { idToken, userinfo: await issuer.forge('alice', { groups: ['admins'] }) },
      'USERINFO_INVALID',
    )
    for (const route of ['/mallory', '/no-sub']) {
      await attack(
        { idToken: await token(overage(`${origin}${route}`)) },
        'DISTRIBUTED_CLAIMS_FAILED',
      )
    }
  })

  it('resolver origins: disallowed, redirected off-origin, huge, slow and non-JSON answers', async () => {
    const hits = elsewhereHits.length
    for (const endpoint of [
      `${elsewhereOrigin}/groups`,
      elsewhereOrigin.replace('127.0.0.1', '0x7f000001'),
      elsewhereOrigin.replace('127.0.0.1', 'localhost'),
      'https://internal.example/admin',
      'http://169.254.169.254/latest/meta-data/',
      `${origin}/redirect-off`,
      `${origin}/huge`,
      `${origin}/slow`,
      `${origin}/text`,
    ]) {
      await attack(
        { idToken: await token(overage(endpoint)), accessToken: 'secret-at' },
        'DISTRIBUTED_CLAIMS_FAILED',
      )
    }
    expect(elsewhereHits.length).toBe(hits)
  })

  it('a replayed older token cannot roll a newer login back', async () => {
    const older = await token({ iat: now() - 300, groups: ['admins'] })
    const newer = await token({ iat: now() - 5, groups: ['dev'] })
    expect(
      (await syncOnLogin({ orgId: ORG, userId: 'alice', idToken: newer }, deps())())._tag,
    ).toBe('Right')
    const policy: SyncPolicy = { staleLogin: 'deny' }
    await attack({ idToken: older }, 'STALE_LOGIN_DENIED', deps({ policy: () => policy }))
    tried += 1
    recorded.writes.length = 0
    const skipped = await syncOnLogin({ orgId: ORG, userId: 'alice', idToken: older }, deps())()
    expect(skipped._tag === 'Right' && skipped.right.status).toBe('stale')
    expect(recorded.writes.every((w) => w === null)).toBe(true)
    refused += 1
  })

  it(`${FUZZ_LOGINS} fuzzed logins: no throw, and no write on error beyond the one sync.denied`, async () => {
    const text = fc.oneof(
      fc.constantFrom('dev', 'ops', 'admins', 'Dev', '', '\u0000'),
      fc.string({ maxLength: 6 }),
    )
    const claimValue = fc.oneof(
      fc.array(text, { maxLength: 6 }),
      text,
      fc.array(fc.oneof(text, fc.integer(), fc.constant(null)), { maxLength: 4 }),
      fc.jsonValue({ maxDepth: 3 }),
      fc.constant(undefined),
    )
    const claims = fc.record(
      {
        sub: fc.oneof(fc.constant('alice'), fc.constant('mallory'), fc.jsonValue({ maxDepth: 1 })),
        iat: fc.oneof(fc.integer({ min: 0, max: 2 * now() }), fc.jsonValue({ maxDepth: 0 })),
        auth_time: fc.jsonValue({ maxDepth: 0 }),
        groups: claimValue,
        realm_access: fc.oneof(fc.record({ roles: claimValue }), fc.jsonValue({ maxDepth: 2 })),
        _claim_names: fc.oneof(fc.constant({ groups: 's' }), fc.jsonValue({ maxDepth: 2 })),
        _claim_sources: fc.jsonValue({ maxDepth: 3 }),
        hasgroups: fc.boolean(),
      },
      { requiredKeys: ['sub'] },
    )
    const login = fc.record(
      {
        claims,
        userinfo: fc.oneof(
          fc.constant(undefined),
          fc.record({ sub: fc.constantFrom('alice', 'mallory'), groups: claimValue }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        policy: fc.record(
          {
            absent: fc.constantFrom('empty', 'keep', 'deny', 'bogus'),
            overage: fc.constantFrom('resolve', 'deny'),
            staleLogin: fc.constantFrom('skip', 'deny'),
            massRemovalGuard: fc.record(
              { maxRemovals: fc.integer({ min: -1, max: 2 }) },
              { requiredKeys: [] },
            ),
            claimsOptions: fc.record(
              {
                path: fc.constantFrom('groups', 'realm_access.roles', '/groups', 'a..b'),
                sources: fc.constantFrom('id_token', 'userinfo', 'id_token_then_userinfo'),
                maxGroups: fc.integer({ min: 0, max: 5 }),
                delimiter: fc.constantFrom(',', ''),
              },
              { requiredKeys: [] },
            ),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['claims'] },
    )
    // A resolver that answers without the network: the fuzz is of the decision path.
    const resolver = createHttpDistributedClaimsResolver({
      allowedOrigins: ['https://claims.test'],
      fetch: () => Promise.resolve(new Response('{"sub":"alice","groups":["ops"]}')),
    })
    let failures = 0
    const BATCH = 1_000
    for (let start = 0; start < FUZZ_LOGINS; start += BATCH) {
      const batch = fc.sample(login, { numRuns: Math.min(BATCH, FUZZ_LOGINS - start), seed: start })
      for (const { claims: c, userinfo, policy } of batch) {
        recorded.writes.length = 0
        const input = {
          orgId: ORG,
          userId: 'alice',
          claims: c as Record<string, unknown>,
          ...(userinfo === undefined ? {} : { userinfo }),
        }
        fuzzed += 1
        let result
        try {
          result = await syncOnLogin(
            input,
            deps({ resolver, policy: () => policy as SyncPolicy }),
          )()
        } catch (error) {
          throws += 1
          console.error('a fuzzed login threw', error, JSON.stringify(input))
          continue
        }
        if (result._tag === 'Left') {
          failures += 1
          const code = result.left.code
          if (
            code === 'SYNC_FAILED' ||
            !wroteOnlyItsDenial(recorded.writes, code, isSyncDenial(result.left))
          ) {
            writesOnError += 1
            console.error(
              `a fuzzed login failed with ${code}`,
              JSON.stringify(recorded.writes),
              JSON.stringify(input),
            )
          }
        }
      }
    }
    expect([fuzzed, throws, writesOnError]).toEqual([FUZZ_LOGINS, 0, 0])
    expect(failures).toBeGreaterThan(0)
  })

  it('every named attack was refused', () => {
    expect(tried).toBeGreaterThanOrEqual(30)
    expect(refused).toBe(tried)
  })
})
