import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { createHttpDistributedClaimsResolver } from '@groupsync/claims'
import type { AuditEvent, MembershipStore } from '@groupsync/core'
import type { Either } from 'fp-ts/lib/Either.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createMembershipAdmin,
  isSyncDenial,
  planOnLogin,
  syncOnLogin,
  type SyncDeps,
  type LoginSyncError,
  type SyncPolicy,
  type SyncResult,
} from '../../src/index.js'
import { makeTestIssuer, type TestIssuer } from './id-tokens.js'
import type { StoreFactory, StoreHandle } from './stores.js'

function rightOf<E, A>(result: Either<E, A>): A {
  if (result._tag === 'Left') throw new Error(`expected Right, got Left: ${String(result.left)}`)
  return result.right
}

function leftOf<E, A>(result: Either<E, A>): E {
  if (result._tag === 'Right') {
    throw new Error(`expected Left, got Right: ${JSON.stringify(result.right)}`)
  }
  return result.left
}

const now = (): number => Math.floor(Date.now() / 1000)
/** A value nested `depth` arrays deep: a few kB of JSON that a recursive walk cannot survive. */
const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`)

/** A loopback server standing for a claim source: each path answers with a JSON body. */
async function startClaimSource(routes: Record<string, unknown>): Promise<{
  readonly origin: string
  readonly hits: string[]
  readonly close: () => Promise<void>
}> {
  const hits: string[] = []
  const server: Server = createServer((request, response) => {
    hits.push(`${request.url ?? ''} ${request.headers.authorization ?? '-'}`)
    const body = routes[request.url ?? '']
    response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' })
    response.end(JSON.stringify(body ?? { error: 'not found' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve()
        })
        server.closeAllConnections()
      }),
  }
}

/**
 * What an attacker holding a signed token (or a claim source, or a replayed older login) could
 * get past the login sync, and what it does now: the resolver calls only allowed origins, a
 * claim-source answer must be about the login's user, token times and subjects are checked, a
 * deeply nested payload is still a denial, an older token cannot roll back a newer login, a signed
 * userinfo is verified, and errors do not carry the token's claims.
 */
export function describeLoginSecurity(name: string, makeStore: StoreFactory): void {
  describe(`login security on ${name}`, { timeout: 60_000 }, () => {
    let handle: StoreHandle
    let store: MembershipStore
    let issuer: TestIssuer
    let source: Awaited<ReturnType<typeof startClaimSource>>

    beforeAll(async () => {
      handle = await makeStore()
      store = handle.store
      issuer = await makeTestIssuer()
      source = await startClaimSource({
        '/alice': { sub: 'alice', groups: ['ops'] },
        '/mallory': { sub: 'mallory', groups: ['dev', 'ops', 'sales'] },
        '/no-sub': { groups: ['dev', 'ops', 'sales'] },
      })
    }, 120_000)
    afterAll(async () => {
      await source.close()
      await handle.dispose()
    })

    /** A fresh org with groups dev, ops and sales, mapping on. */
    async function makeOrg(): Promise<string> {
      const admin = createMembershipAdmin({ store })
      const orgId = `org-${randomUUID()}`
      for (const group of ['dev', 'ops', 'sales']) rightOf(await admin.createGroup(orgId, group)())
      rightOf(await admin.setManageGroupMemberships(orgId, true)())
      return orgId
    }

    const deps = (extra: Partial<SyncDeps> = {}): SyncDeps => ({
      store,
      verification: issuer.verification,
      ...extra,
    })
    const groupsOf = async (orgId: string, userId = 'alice'): Promise<string[]> => {
      const names = new Map((await store.listGroups(orgId)).map((g) => [g.id, g.name]))
      return (await store.listUserMemberships(orgId, userId))
        .map((m) => names.get(m.groupId) ?? '?')
        .sort()
    }
    const events = (orgId: string): Promise<readonly AuditEvent[]> => store.listAuditEvents(orgId)
    const lastSyncOf = async (orgId: string, userId = 'alice') =>
      (await store.listStaleMembers(orgId, new Date('9999-01-01T00:00:00Z'))).find(
        (m) => m.userId === userId,
      )?.lastSyncedAt ?? null

    /** A signed ID token for alice with exactly these times (seconds) and claims. */
    const token = (claims: Record<string, unknown>): Promise<string> =>
      issuer.signRaw({
        iss: issuer.issuer,
        aud: issuer.audience,
        sub: 'alice',
        iat: now(),
        exp: now() + 600,
        ...claims,
      })
    const login = async (
      orgId: string,
      idToken: string,
      d: SyncDeps = deps(),
      extra: { readonly userinfo?: unknown; readonly accessToken?: string } = {},
    ): Promise<Either<LoginSyncError, SyncResult>> =>
      syncOnLogin({ orgId, userId: 'alice', idToken, ...extra }, d)()

    /** Asserts a denial with `code` that wrote exactly one `sync.denied` and changed nothing else. */
    async function expectDenied(
      orgId: string,
      result: Either<LoginSyncError, SyncResult>,
      code: string,
      eventsBefore: number,
      groupsBefore: readonly string[],
    ): Promise<AuditEvent> {
      const error = leftOf(result)
      expect(error.code).toBe(code)
      expect(isSyncDenial(error)).toBe(true)
      const after = (await events(orgId)).slice(eventsBefore)
      expect(after.map((e) => e.type)).toEqual(['sync.denied'])
      expect(after[0]?.detail).toMatchObject({ code })
      expect(after[0]?.claimDigest).toMatch(/^[0-9a-f]{64}$/)
      expect(await groupsOf(orgId)).toEqual(groupsBefore)
      return after[0]!
    }

    /** How many audit events the org has (making it wrote some). */
    const eventCount = async (orgId: string): Promise<number> => (await events(orgId)).length

    /** Asserts a refusal that wrote nothing at all (rule S2). */
    async function expectNothingWritten(
      orgId: string,
      result: Either<LoginSyncError, SyncResult>,
      code: string,
      eventsBefore: number,
    ): Promise<LoginSyncError> {
      const error = leftOf(result)
      expect(error.code).toBe(code)
      expect(await eventCount(orgId)).toBe(eventsBefore)
      expect(await groupsOf(orgId)).toEqual([])
      expect(await lastSyncOf(orgId)).toBeNull()
      return error
    }

    describe('the resolver origin allow-list, through the sync', () => {
      const overage = (endpoint: string) => ({
        _claim_names: { groups: 'src1' },
        _claim_sources: { src1: { endpoint } },
      })

      it('an endpoint off the allow-list is denied and audited, and never called', async () => {
        const orgId = await makeOrg()
        const resolver = createHttpDistributedClaimsResolver({
          allowedOrigins: ['https://graph.microsoft.com'],
        })
        const hits = source.hits.length
        const before = await eventCount(orgId)
        const result = await login(
          orgId,
          await token(overage(`${source.origin}/alice`)),
          deps({ resolver }),
          { accessToken: 'alice-access-token' },
        )
        const denied = await expectDenied(orgId, result, 'DISTRIBUTED_CLAIMS_FAILED', before, [])
        expect(denied.detail).toMatchObject({ failure: 'ENDPOINT_NOT_ALLOWED' })
        expect(source.hits.length).toBe(hits)
      })

      it('an allowed loopback origin is called with the access token and applied', async () => {
        const orgId = await makeOrg()
        const resolver = createHttpDistributedClaimsResolver({ allowedOrigins: [source.origin] })
        const result = rightOf(
          await login(orgId, await token(overage(`${source.origin}/alice`)), deps({ resolver }), {
            accessToken: 'alice-access-token',
          }),
        )
        expect(result.status === 'synced' && result.claim.source).toBe('distributed')
        expect(await groupsOf(orgId)).toEqual(['ops'])
        expect(source.hits.at(-1)).toBe('/alice Bearer alice-access-token')
      })

      it.each(['/mallory', '/no-sub'])(
        "a claim-source answer not about the login's user (%s) is denied, nothing applied",
        async (route) => {
          const orgId = await makeOrg()
          const resolver = createHttpDistributedClaimsResolver({ allowedOrigins: [source.origin] })
          const before = await eventCount(orgId)
          const result = await login(
            orgId,
            await token(overage(`${source.origin}${route}`)),
            deps({ resolver }),
          )
          const denied = await expectDenied(orgId, result, 'DISTRIBUTED_CLAIMS_FAILED', before, [])
          expect(denied.detail).toMatchObject({ failure: 'SUB_MISMATCH' })
        },
      )
    })

    describe('ID token times and subject', () => {
      it.each<[string, Record<string, unknown>]>([
        ['an iat an hour ahead', { iat: now() + 3600 }],
        ['an auth_time an hour ahead', { auth_time: now() + 3600 }],
        ['a null sub', { sub: null }],
        ['a numeric sub', { sub: 7 }],
        ['an empty sub', { sub: '' }],
      ])('%s is ID_TOKEN_INVALID and writes nothing', async (_, claims) => {
        const orgId = await makeOrg()
        const before = await eventCount(orgId)
        await expectNothingWritten(
          orgId,
          await login(orgId, await token({ groups: ['dev'], ...claims })),
          'ID_TOKEN_INVALID',
          before,
        )
      })

      it('maxTokenAge refuses a token issued longer ago', async () => {
        const orgId = await makeOrg()
        const old = await token({ iat: now() - 3600, groups: ['dev'] })
        const strict = deps({ verification: { ...issuer.verification, maxTokenAge: 300 } })
        const before = await eventCount(orgId)
        await expectNothingWritten(
          orgId,
          await login(orgId, old, strict),
          'ID_TOKEN_INVALID',
          before,
        )
        expect(rightOf(await login(orgId, old)).status).toBe('synced')
      })
    })

    describe('deeply nested and huge payloads are still denials', () => {
      it('a malformed claim beside 20,000 levels of nesting (verified claims): denied, audited', async () => {
        const orgId = await makeOrg()
        const claims = { sub: 'alice', groups: 42, deep: nested(20_000) }
        const before = await eventCount(orgId)
        const result = await syncOnLogin({ orgId, userId: 'alice', claims }, { store })()
        await expectDenied(orgId, result, 'GROUPS_CLAIM_MALFORMED', before, [])
      })

      it('the same inside a signed ID token, and beside a userinfo of 120,000 keys', async () => {
        const orgId = await makeOrg()
        const times = `"iat":${now()},"exp":${now() + 600}`
        const deep = await issuer.signText(
          `{"iss":"${issuer.issuer}","aud":"${issuer.audience}","sub":"alice",${times},"groups":[1],"deep":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
        )
        const before = await eventCount(orgId)
        await expectDenied(orgId, await login(orgId, deep), 'GROUPS_CLAIM_MALFORMED', before, [])
        const wide: Record<string, unknown> = { sub: 'alice' }
        for (let i = 0; i < 120_000; i += 1) wide[`k${i}`] = i
        const result = await login(orgId, await token({ groups: { not: 'a list' } }), deps(), {
          userinfo: wide,
        })
        await expectDenied(orgId, result, 'GROUPS_CLAIM_MALFORMED', before + 1, [])
      })

      it('two oversized logins of different users have different digests', async () => {
        const orgId = await makeOrg()
        const digests: string[] = []
        for (const sub of ['alice', 'bob']) {
          const claims = { sub, groups: 1, deep: nested(100) }
          leftOf(await syncOnLogin({ orgId, userId: sub, claims }, { store })())
          digests.push((await events(orgId)).at(-1)?.claimDigest ?? '')
        }
        expect(digests[0]).not.toBe(digests[1])
      })
    })

    describe('the stale-token rule', () => {
      it('an older, still valid token replayed after a newer login changes nothing (skip)', async () => {
        const orgId = await makeOrg()
        const older = await token({ iat: now() - 120, groups: ['dev', 'sales'] })
        const newer = await token({ iat: now() - 10, groups: ['ops'] })
        expect(rightOf(await login(orgId, newer)).status).toBe('synced')
        const eventsBefore = await eventCount(orgId)
        const lastSync = await lastSyncOf(orgId)
        const replay = rightOf(await login(orgId, older))
        expect(replay).toMatchObject({ status: 'stale', cause: 'older-than-last-sync' })
        if (replay.status !== 'stale' || replay.cause !== 'older-than-last-sync') return
        expect(replay.tokenIssuedAt.getTime()).toBeLessThan(replay.lastTokenIssuedAt.getTime())
        expect(await groupsOf(orgId)).toEqual(['ops'])
        expect(await events(orgId)).toHaveLength(eventsBefore)
        expect(await lastSyncOf(orgId)).toEqual(lastSync)
        const plan = rightOf(
          await planOnLogin({ orgId, userId: 'alice', idToken: older }, deps())(),
        )
        expect(plan.status).toBe('stale')
      })

      it("with staleLogin 'deny': STALE_LOGIN_DENIED and one sync.denied event", async () => {
        const orgId = await makeOrg()
        const policy: SyncPolicy = { staleLogin: 'deny' }
        const d = deps({ policy: () => policy })
        rightOf(await login(orgId, await token({ iat: now() - 10, groups: ['ops'] }), d))
        const before = await eventCount(orgId)
        const replay = await login(orgId, await token({ iat: now() - 300, groups: ['dev'] }), d)
        const denied = await expectDenied(orgId, replay, 'STALE_LOGIN_DENIED', before, ['ops'])
        expect(denied.detail).toHaveProperty('lastTokenIssuedAt')
      })

      it('auth_time, when present, is the time compared; equal times are applied', async () => {
        const orgId = await makeOrg()
        const t = now() - 60
        rightOf(await login(orgId, await token({ auth_time: t, iat: now() - 5, groups: ['ops'] })))
        const reauthOlder = await token({ auth_time: t - 100, iat: now(), groups: ['dev'] })
        expect(rightOf(await login(orgId, reauthOlder)).status).toBe('stale')
        const sameTime = await token({ auth_time: t, iat: now(), groups: ['sales'] })
        expect(rightOf(await login(orgId, sameTime)).status).toBe('synced')
        expect(await groupsOf(orgId)).toEqual(['sales'])
      })

      it('the rule is per organisation and user, and a newer token still applies', async () => {
        const orgId = await makeOrg()
        const other = await makeOrg()
        rightOf(await login(orgId, await token({ iat: now() - 5, groups: ['ops'] })))
        const older = await token({ iat: now() - 100, groups: ['dev'] })
        expect(rightOf(await login(other, older)).status).toBe('synced')
        const bob = await syncOnLogin(
          { orgId, userId: 'bob', claims: { sub: 'bob', iat: now() - 100, groups: ['dev'] } },
          { store },
        )()
        expect(rightOf(bob).status).toBe('synced')
        rightOf(await login(orgId, await token({ iat: now(), groups: ['dev'] })))
        expect(await groupsOf(orgId)).toEqual(['dev'])
      })

      it('an invalid staleLogin is SYNC_POLICY_INVALID', async () => {
        const orgId = await makeOrg()
        const d = deps({ policy: () => ({ staleLogin: 'ignore' }) as unknown as SyncPolicy })
        const error = leftOf(await login(orgId, await token({ groups: ['dev'] }), d))
        expect([error.code, error.path]).toEqual(['SYNC_POLICY_INVALID', '/policy/staleLogin'])
      })
    })

    describe('signed userinfo', () => {
      it('a userinfo JWT signed by the provider is verified and read', async () => {
        const orgId = await makeOrg()
        const userinfo = await issuer.signRaw({ sub: 'alice', groups: ['sales'] })
        const result = rightOf(await login(orgId, await token({}), deps(), { userinfo }))
        expect(result.status === 'synced' && result.claim.source).toBe('userinfo')
        expect(await groupsOf(orgId)).toEqual(['sales'])
      })

      it('a forged one is USERINFO_INVALID, one for another sub USERINFO_SUB_MISMATCH; nothing written', async () => {
        const forged = await issuer.forge('alice', { groups: ['dev'] })
        const orgId = await makeOrg()
        const before = await eventCount(orgId)
        await expectNothingWritten(
          orgId,
          await login(orgId, await token({}), deps(), { userinfo: forged }),
          'USERINFO_INVALID',
          before,
        )
        const another = await issuer.signRaw({ sub: 'mallory', groups: ['dev'] })
        await expectNothingWritten(
          orgId,
          await login(orgId, await token({}), deps(), { userinfo: another }),
          'USERINFO_SUB_MISMATCH',
          before,
        )
      })
    })

    it("an ID_TOKEN_INVALID error does not carry the token's claims", async () => {
      const orgId = await makeOrg()
      const expired = await token({ exp: now() - 3600, groups: ['secret-group-91c2'] })
      const before = await eventCount(orgId)
      const error = await expectNothingWritten(
        orgId,
        await login(orgId, expired),
        'ID_TOKEN_INVALID',
        before,
      )
      expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(
        'secret-group-91c2',
      )
    })
  })
}
