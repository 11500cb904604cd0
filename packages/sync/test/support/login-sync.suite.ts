import { createHash, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DistributedClaimsResolver, GroupsClaimState } from '@groupsync/claims'
import type { AuditEvent, MatchMode, MembershipStore } from '@groupsync/core'
import fc from 'fast-check'
import type { Either } from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createMembershipAdmin,
  isSyncDenial,
  planOnLogin,
  planOnLoginAsync,
  syncOnLogin,
  syncOnLoginAsync,
  type LoginSyncInput,
  type MembershipAdmin,
  type SyncDeps,
  type SyncError,
  type SyncPolicy,
  type SyncResult,
} from '../../src/index.js'
import { makeTestIssuer, type TestIssuer } from './id-tokens.js'
import type { StoreFactory, StoreHandle } from './stores.js'

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

function rightOf<E, A>(result: Either<E, A>): A {
  if (result._tag === 'Left') throw new Error(`expected Right, got Left: ${String(result.left)}`)
  return result.right
}

function leftOf<E, A>(result: Either<E, A>): E {
  if (result._tag === 'Right')
    throw new Error(`expected Left, got Right: ${JSON.stringify(result.right)}`)
  return result.left
}

/** A minimal loopback HTTP server for the distributed-claims endpoint of an overage. */
async function startClaimsEndpoint(
  body: (auth: string | undefined) => unknown,
): Promise<{ readonly url: string; readonly close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify(body(request.headers.authorization)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/groups`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve()
        })
        server.closeAllConnections()
      }),
  }
}

/** A resolver that answers every overage with a fixed state (an implementation of the port). */
const fixedResolver = (state: GroupsClaimState): DistributedClaimsResolver => ({
  resolve: () => TE.right(state),
})

const FAR_FUTURE = new Date('9999-01-01T00:00:00Z')
const GROUPS: readonly string[] = ['dev', 'ops', 'sales', 'support']

/**
 * The login-sync suite, one body for every store: each numbered point of issue 5, every
 * claim-state policy outcome, both removal modes, the mass-removal guard, the manual-change lock
 * and staleness. The store is made once per suite; every test uses its own organisation.
 */
export function describeLoginSync(name: string, makeStore: StoreFactory): void {
  // Generous timeouts: the whole repository's tests share two cores in CI. Nothing here is timed.
  describe(`login sync on ${name}`, { timeout: 60_000 }, () => {
    let handle: StoreHandle
    let store: MembershipStore
    let admin: MembershipAdmin
    let issuer: TestIssuer

    beforeAll(async () => {
      handle = await makeStore()
      store = handle.store
      admin = createMembershipAdmin({ store })
      issuer = await makeTestIssuer()
    }, 120_000)
    afterAll(async () => {
      await handle.dispose()
    })

    interface Org {
      readonly orgId: string
      readonly ids: Readonly<Record<string, string>>
    }

    /** A fresh org with the given groups, mapping on unless told otherwise. */
    async function makeOrg(
      options: { on?: boolean; matchMode?: MatchMode; groups?: readonly string[] } = {},
    ): Promise<Org> {
      const orgId = `org-${randomUUID()}`
      const ids: Record<string, string> = {}
      for (const groupName of options.groups ?? GROUPS) {
        ids[groupName] = rightOf(await admin.createGroup(orgId, groupName)()).id
      }
      if (options.matchMode !== undefined) {
        rightOf(await admin.setMatchMode(orgId, options.matchMode)())
      }
      if (options.on ?? true) rightOf(await admin.setManageGroupMemberships(orgId, true)())
      return { orgId, ids }
    }

    const deps = (extra: Partial<SyncDeps> = {}): SyncDeps => ({
      store,
      verification: issuer.verification,
      ...extra,
    })
    const withPolicy = (policy: SyncPolicy, extra: Partial<SyncDeps> = {}): SyncDeps =>
      deps({ ...extra, policy: () => policy })

    async function login(
      org: Org,
      userId: string,
      claims: Record<string, unknown>,
      d: SyncDeps = deps(),
    ): Promise<Either<SyncError, SyncResult>> {
      const idToken = await issuer.sign(userId, claims)
      return syncOnLogin({ orgId: org.orgId, userId, idToken }, d)()
    }

    const groupsOf = async (org: Org, userId: string): Promise<string[]> => {
      const byId = new Map(Object.entries(org.ids).map(([n, id]) => [id, n]))
      const memberships = await store.listUserMemberships(org.orgId, userId)
      return memberships.map((m) => byId.get(m.groupId) ?? `?${m.groupId}`).sort()
    }
    const sourcesOf = async (org: Org, userId: string): Promise<Record<string, string>> => {
      const byId = new Map(Object.entries(org.ids).map(([n, id]) => [id, n]))
      const memberships = await store.listUserMemberships(org.orgId, userId)
      const entries = memberships.map((m) => [byId.get(m.groupId) ?? m.groupId, m.source] as const)
      return Object.fromEntries(entries)
    }
    const events = (org: Org, userId?: string): Promise<readonly AuditEvent[]> =>
      store.listAuditEvents(org.orgId, userId === undefined ? {} : { userId })
    const typesOf = (list: readonly AuditEvent[]): string[] => list.map((e) => e.type)
    /** The highest audit seq of the org so far (0 if none). */
    const lastSeq = async (org: Org): Promise<number> =>
      (await events(org)).reduce((max, e) => Math.max(max, e.seq), 0)
    const eventsAfter = (org: Org, seq: number): Promise<readonly AuditEvent[]> =>
      store.listAuditEvents(org.orgId, { afterSeq: seq })

    /** Signs alice in once with the given groups (under the default policy). */
    async function seed(org: Org, groups: readonly string[], userId = 'alice'): Promise<void> {
      rightOf(await login(org, userId, { groups }))
    }

    /** Adds manual memberships while mapping is off, then turns mapping on. */
    async function seedManual(org: Org, userId: string, groups: readonly string[]): Promise<void> {
      rightOf(await admin.setManageGroupMemberships(org.orgId, false)())
      for (const g of groups) rightOf(await admin.addMember(org.orgId, org.ids[g]!, userId)())
      rightOf(await admin.setManageGroupMemberships(org.orgId, true)())
    }

    /** Asserts a denial: the code, and that the only new event is one `sync.denied`. */
    async function expectDenied(
      org: Org,
      result: Either<SyncError, SyncResult>,
      code: string,
      seqBefore: number,
      groupsBefore: readonly string[],
    ): Promise<AuditEvent> {
      const error = leftOf(result)
      expect(error.code).toBe(code)
      expect(isSyncDenial(error)).toBe(true)
      const after = await eventsAfter(org, seqBefore)
      expect(typesOf(after)).toEqual(['sync.denied'])
      expect(await groupsOf(org, 'alice')).toEqual(groupsBefore)
      const denied = after.at(-1)!
      expect(denied).toMatchObject({ orgId: org.orgId, userId: 'alice', detail: { code } })
      expect(denied.claimDigest).toMatch(/^[0-9a-f]{64}$/)
      return denied
    }

    describe('point 1: the org setting', () => {
      it('changes nothing and reports disabled while mapping is off', async () => {
        const org = await makeOrg({ on: false })
        const result = rightOf(await login(org, 'alice', { groups: ['dev'] }))
        expect(result.status).toBe('disabled')
        expect(await groupsOf(org, 'alice')).toEqual([])
        expect(await events(org, 'alice')).toEqual([])
        expect(await store.listStaleMembers(org.orgId, FAR_FUTURE)).toEqual([])
      })

      it('does not even read the token while mapping is off', async () => {
        const org = await makeOrg({ on: false })
        const result = await syncOnLogin(
          { orgId: org.orgId, userId: 'alice', idToken: 'not a token' },
          deps(),
        )()
        expect(rightOf(result).status).toBe('disabled')
      })

      it('syncs once mapping is turned on', async () => {
        const org = await makeOrg({ on: false })
        rightOf(await admin.setManageGroupMemberships(org.orgId, true)())
        const result = rightOf(await login(org, 'alice', { groups: ['dev'] }))
        expect(result.status).toBe('synced')
        expect(await groupsOf(org, 'alice')).toEqual(['dev'])
      })
    })

    describe('point 2: reading the claim', () => {
      it('verifies a real signed ID token and reads its groups', async () => {
        const org = await makeOrg()
        const result = rightOf(await login(org, 'alice', { groups: ['dev', 'ops'] }))
        expect(result.status === 'synced' && result.claim).toMatchObject({
          state: 'present',
          source: 'id_token',
          groups: ['dev', 'ops'],
          policy: 'present',
        })
        expect(await groupsOf(org, 'alice')).toEqual(['dev', 'ops'])
      })

      it('accepts the claims of a token the caller verified already', async () => {
        const org = await makeOrg()
        const result = await syncOnLogin(
          { orgId: org.orgId, userId: 'alice', claims: { sub: 'alice', groups: ['sales'] } },
          { store },
        )()
        expect(rightOf(result).status).toBe('synced')
        expect(await groupsOf(org, 'alice')).toEqual(['sales'])
      })

      it('reads the groups from userinfo when the ID token has none', async () => {
        const org = await makeOrg()
        const idToken = await issuer.sign('alice')
        const result = rightOf(
          await syncOnLogin(
            {
              orgId: org.orgId,
              userId: 'alice',
              idToken,
              userinfo: { sub: 'alice', groups: ['ops'] },
            },
            deps(),
          )(),
        )
        expect(result.status === 'synced' && result.claim.source).toBe('userinfo')
        expect(await groupsOf(org, 'alice')).toEqual(['ops'])
      })

      it('uses the claim path of the org policy over the deps default', async () => {
        const org = await makeOrg()
        const d = withPolicy(
          { claimsOptions: { path: 'realm_access.roles' } },
          { claimsOptions: { path: 'nowhere' } },
        )
        rightOf(await login(org, 'alice', { realm_access: { roles: ['support'] } }, d))
        expect(await groupsOf(org, 'alice')).toEqual(['support'])
      })

      it('refuses a forged token with ID_TOKEN_INVALID and writes nothing', async () => {
        const org = await makeOrg()
        const idToken = await issuer.forge('alice', { groups: ['dev'] })
        const error = leftOf(
          await syncOnLogin({ orgId: org.orgId, userId: 'alice', idToken }, deps())(),
        )
        expect(error.code).toBe('ID_TOKEN_INVALID')
        expect(isSyncDenial(error)).toBe(false)
        expect(await events(org, 'alice')).toEqual([])
      })

      it('refuses a userinfo body of another subject with USERINFO_SUB_MISMATCH', async () => {
        const org = await makeOrg()
        const idToken = await issuer.sign('alice')
        const input = {
          orgId: org.orgId,
          userId: 'alice',
          idToken,
          userinfo: { sub: 'mallory', groups: ['dev'] },
        }
        expect(leftOf(await syncOnLogin(input, deps())()).code).toBe('USERINFO_SUB_MISMATCH')
        expect(await events(org, 'alice')).toEqual([])
      })

      it('refuses an ID token when no verification is configured', async () => {
        const org = await makeOrg()
        const idToken = await issuer.sign('alice', { groups: ['dev'] })
        const error = leftOf(
          await syncOnLogin({ orgId: org.orgId, userId: 'alice', idToken }, { store })(),
        )
        expect(error.code).toBe('SYNC_INPUT_INVALID')
      })

      it('refuses an input with neither token nor claims', async () => {
        const org = await makeOrg()
        const input = { orgId: org.orgId, userId: 'alice' } as unknown as LoginSyncInput
        expect(leftOf(await syncOnLogin(input, deps())()).code).toBe('SYNC_INPUT_INVALID')
      })
    })

    describe('point 3: the claim-state policy', () => {
      it('present: syncs, adding and removing', async () => {
        const org = await makeOrg()
        await seed(org, ['dev', 'ops'])
        const result = rightOf(await login(org, 'alice', { groups: ['ops', 'sales'] }))
        expect(result.status === 'synced' && result.added.map((g) => g.name)).toEqual(['sales'])
        expect(result.status === 'synced' && result.removed.map((g) => g.name)).toEqual(['dev'])
        expect(await groupsOf(org, 'alice')).toEqual(['ops', 'sales'])
      })

      it('absent (default empty): removes the user from every org group', async () => {
        const org = await makeOrg()
        await seed(org, ['dev', 'ops'])
        const result = rightOf(await login(org, 'alice', {}))
        expect(result.status === 'synced' && result.claim).toMatchObject({
          state: 'absent',
          source: null,
          groups: [],
          policy: 'absent-as-empty',
        })
        expect(await groupsOf(org, 'alice')).toEqual([])
        const removed = (await events(org, 'alice')).filter((e) => e.type === 'membership.removed')
        expect(removed.map((e) => e.groupName).sort()).toEqual(['dev', 'ops'])
        expect(removed.every((e) => e.detail?.['claimState'] === 'absent')).toBe(true)
      })

      it("absent with 'keep': changes nothing and writes nothing", async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await events(org)
        const stale = await store.listStaleMembers(org.orgId, FAR_FUTURE)
        const result = rightOf(await login(org, 'alice', {}, withPolicy({ absent: 'keep' })))
        expect(result.status).toBe('kept')
        expect(await groupsOf(org, 'alice')).toEqual(['dev'])
        expect(await events(org)).toEqual(before)
        expect(await store.listStaleMembers(org.orgId, FAR_FUTURE)).toEqual(stale)
      })

      it("absent with 'deny': GROUPS_CLAIM_ABSENT_DENIED and only a sync.denied event", async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await lastSeq(org)
        const result = await login(org, 'alice', {}, withPolicy({ absent: 'deny' }))
        const denied = await expectDenied(org, result, 'GROUPS_CLAIM_ABSENT_DENIED', before, [
          'dev',
        ])
        expect(denied.detail?.['claimState']).toBe('absent')
      })

      const overageClaims = (endpoint: string) => ({
        _claim_names: { groups: 'src1' },
        _claim_sources: { src1: { endpoint } },
      })

      it('overage without a resolver: denied, never read as empty', async () => {
        const org = await makeOrg()
        await seed(org, ['dev', 'ops'])
        const before = await lastSeq(org)
        const result = await login(org, 'alice', overageClaims('https://graph.example.test/x'))
        const denied = await expectDenied(org, result, 'GROUPS_CLAIM_OVERAGE_UNRESOLVED', before, [
          'dev',
          'ops',
        ])
        expect(denied.detail?.['claimState']).toBe('overage')
      })

      it('overage whose endpoint holds a NUL, a lone surrogate and 10 kB: still denied and audited', async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await lastSeq(org)
        const hostile = `https://x.test/\u0000\uD800${'a'.repeat(10_000)}`
        const result = await login(org, 'alice', overageClaims(hostile))
        const denied = await expectDenied(org, result, 'GROUPS_CLAIM_OVERAGE_UNRESOLVED', before, [
          'dev',
        ])
        const endpoint = denied.detail?.['endpoint']
        expect(typeof endpoint).toBe('string')
        expect((endpoint as string).startsWith('https://x.test/\uFFFD\uFFFDaaa')).toBe(true)
        expect((endpoint as string).length).toBeLessThanOrEqual(257)
      })

      it("overage with 'deny': denied even with a resolver", async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await lastSeq(org)
        const resolver = fixedResolver({
          state: 'present',
          groups: ['ops'],
          source: 'distributed',
          droppedEmpty: 0,
        })
        const result = await login(
          org,
          'alice',
          overageClaims('https://x.test/g'),
          withPolicy({ overage: 'deny' }, { resolver }),
        )
        await expectDenied(org, result, 'GROUPS_CLAIM_OVERAGE_UNRESOLVED', before, ['dev'])
      })

      it('overage with a resolver: syncs the resolved groups', async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const resolver = fixedResolver({
          state: 'present',
          groups: ['ops', 'sales'],
          source: 'distributed',
          droppedEmpty: 0,
        })
        const result = rightOf(
          await login(org, 'alice', overageClaims('https://x.test/g'), deps({ resolver })),
        )
        expect(result.status === 'synced' && result.claim).toMatchObject({
          state: 'overage',
          source: 'distributed',
          policy: 'overage-resolved',
        })
        expect(await groupsOf(org, 'alice')).toEqual(['ops', 'sales'])
      })

      it.each([
        [
          'another overage',
          { state: 'overage', source: 'distributed', claimSourceName: 'src2' },
          'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
        ],
        [
          'an over-limit list',
          { state: 'over-limit', source: 'distributed', reason: 'too-many', count: 20_000 },
          'GROUPS_CLAIM_OVER_LIMIT',
        ],
      ] as const)('overage resolved to %s: denied', async (_what, state, code) => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await lastSeq(org)
        const d = deps({ resolver: fixedResolver(state) })
        const result = await login(org, 'alice', overageClaims('https://x.test/g'), d)
        await expectDenied(org, result, code, before, ['dev'])
      })

      it('overage through the real HTTP resolver against a loopback endpoint', async () => {
        const { createHttpDistributedClaimsResolver } = await import('@groupsync/claims')
        const endpoint = await startClaimsEndpoint((auth) =>
          auth === 'Bearer access-1'
            ? { sub: 'alice', groups: ['support'] }
            : { error: 'unauthorized' },
        )
        try {
          const org = await makeOrg()
          const idToken = await issuer.sign('alice', overageClaims(endpoint.url))
          const result = rightOf(
            await syncOnLogin(
              { orgId: org.orgId, userId: 'alice', idToken, accessToken: 'access-1' },
              deps({
                resolver: createHttpDistributedClaimsResolver({
                  allowedOrigins: [new URL(endpoint.url).origin],
                  timeoutMs: 5000,
                }),
              }),
            )(),
          )
          expect(result.status === 'synced' && result.claim.source).toBe('distributed')
          expect(await groupsOf(org, 'alice')).toEqual(['support'])
        } finally {
          await endpoint.close()
        }
      })

      it('overage whose resolver fails: denied with the claims code', async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await lastSeq(org)
        const { createHttpDistributedClaimsResolver } = await import('@groupsync/claims')
        // A closed port on loopback: the fetch fails at once.
        const endpoint = await startClaimsEndpoint(() => ({}))
        await endpoint.close()
        const resolver = createHttpDistributedClaimsResolver({
          allowedOrigins: [new URL(endpoint.url).origin],
          timeoutMs: 2000,
        })
        const result = await login(org, 'alice', overageClaims(endpoint.url), deps({ resolver }))
        await expectDenied(org, result, 'DISTRIBUTED_CLAIMS_FAILED', before, ['dev'])
      })

      it('over-limit: GROUPS_CLAIM_OVER_LIMIT, only a sync.denied event', async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await lastSeq(org)
        const d = withPolicy({ claimsOptions: { maxGroups: 2 } })
        const result = await login(org, 'alice', { groups: ['dev', 'ops', 'sales'] }, d)
        const denied = await expectDenied(org, result, 'GROUPS_CLAIM_OVER_LIMIT', before, ['dev'])
        expect(denied.detail).toMatchObject({
          claimState: 'over-limit',
          reason: 'too-many',
          count: 3,
        })
      })

      it('malformed: GROUPS_CLAIM_MALFORMED, only a sync.denied event', async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await lastSeq(org)
        const result = await login(org, 'alice', { groups: ['ops', 4242.125] })
        const denied = await expectDenied(org, result, 'GROUPS_CLAIM_MALFORMED', before, ['dev'])
        expect(denied.detail).toMatchObject({ claimState: 'malformed', index: 1 })
        expect(JSON.stringify(denied)).not.toContain('4242.125')
      })

      it('an invalid policy is SYNC_POLICY_INVALID and writes nothing', async () => {
        const org = await makeOrg()
        const bad = { massRemovalGuard: { maxRemovalPercent: 150 } }
        const error = leftOf(await login(org, 'alice', { groups: ['dev'] }, withPolicy(bad)))
        expect(error.code).toBe('SYNC_POLICY_INVALID')
        expect(error.path).toBe('massRemovalGuard.maxRemovalPercent')
        expect(await events(org, 'alice')).toEqual([])
      })

      it('a policy may be async', async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const d = deps({ policy: () => Promise.resolve({ absent: 'keep' as const }) })
        expect(rightOf(await login(org, 'alice', {}, d)).status).toBe('kept')
      })
    })

    describe("point 4: the diff, in the store's unit of work, with the org's match mode", () => {
      it('exact mode reports case-only near misses and does not add them', async () => {
        const org = await makeOrg()
        const result = rightOf(await login(org, 'alice', { groups: ['DEV', 'ops', 'qa'] }))
        expect(result.status).toBe('synced')
        if (result.status !== 'synced') return
        expect(result.caseOnlyMatches.map((m) => [m.claim, m.group.name])).toEqual([['DEV', 'dev']])
        expect(result.unmatchedClaims).toEqual(['DEV', 'qa'])
        expect(await groupsOf(org, 'alice')).toEqual(['ops'])
      })

      it('case-insensitive mode from the org settings matches across case', async () => {
        const org = await makeOrg({ matchMode: 'case-insensitive' })
        rightOf(await login(org, 'alice', { groups: ['DEV', 'Ops'] }))
        expect(await groupsOf(org, 'alice')).toEqual(['dev', 'ops'])
      })

      it('concurrent logins of one user end in the state of one of them, audit consistent', async () => {
        const org = await makeOrg()
        const claimsA = ['dev', 'ops']
        const claimsB = ['sales']
        const tokens = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            issuer.sign('alice', { groups: i % 2 ? claimsA : claimsB }),
          ),
        )
        const results = await Promise.all(
          tokens.map((idToken) =>
            syncOnLogin({ orgId: org.orgId, userId: 'alice', idToken }, deps())(),
          ),
        )
        expect(results.every((r) => r._tag === 'Right')).toBe(true)
        const final = await groupsOf(org, 'alice')
        expect([claimsA, claimsB]).toContainEqual(final)
        // Replaying the audit log from nothing must never add what is there or remove what is not:
        // each sync read the state the previous one wrote.
        const state = new Set<string>()
        for (const e of await events(org, 'alice')) {
          if (e.type === 'membership.added') {
            expect(state.has(e.groupName!)).toBe(false)
            state.add(e.groupName!)
          } else if (e.type === 'membership.removed') {
            expect(state.delete(e.groupName!)).toBe(true)
          }
        }
        expect([...state].sort()).toEqual(final)
      })

      it("never touches another org's memberships", async () => {
        const org = await makeOrg()
        const other = await makeOrg()
        await seed(other, ['dev', 'ops'])
        rightOf(await login(org, 'alice', {}))
        expect(await groupsOf(other, 'alice')).toEqual(['dev', 'ops'])
      })
    })

    describe('point 5: removal modes', () => {
      it('authoritative removes manual memberships the claim does not name', async () => {
        const org = await makeOrg()
        await seedManual(org, 'alice', ['support'])
        const result = rightOf(await login(org, 'alice', { groups: ['dev'] }))
        expect(result.status === 'synced' && result.removed.map((g) => g.name)).toEqual(['support'])
        expect(await groupsOf(org, 'alice')).toEqual(['dev'])
      })

      it('sync-owned removes only what the sync created; manual memberships stay', async () => {
        const org = await makeOrg()
        await seedManual(org, 'alice', ['support'])
        const d = withPolicy({ removalMode: 'sync-owned' })
        rightOf(await login(org, 'alice', { groups: ['dev', 'ops'] }, d))
        const result = rightOf(await login(org, 'alice', { groups: ['ops'] }, d))
        expect(result.status).toBe('synced')
        if (result.status !== 'synced') return
        expect(result.removalMode).toBe('sync-owned')
        expect(result.removed.map((g) => g.name)).toEqual(['dev'])
        expect(result.keptManual.map((g) => g.name)).toEqual(['support'])
        expect(result.diff.toRemove.map((g) => g.name)).toEqual(['dev', 'support'])
        expect(await sourcesOf(org, 'alice')).toEqual({ ops: 'sync', support: 'manual' })
      })

      it('property: the final memberships follow the removal mode', async () => {
        const names = fc.subarray([...GROUPS])
        await fc.assert(
          fc.asyncProperty(
            names,
            names,
            names,
            fc.constantFrom('authoritative' as const, 'sync-owned' as const),
            async (manual, first, second, removalMode) => {
              const org = await makeOrg()
              await seedManual(org, 'u', manual)
              const owned = withPolicy({ removalMode: 'sync-owned' })
              rightOf(await login(org, 'u', { groups: first }, owned))
              const before = new Set(await groupsOf(org, 'u'))
              const seqBefore = await lastSeq(org)
              rightOf(
                await login(
                  org,
                  'u',
                  { groups: [...second, 'not-a-group'] },
                  withPolicy({ removalMode }),
                ),
              )
              const expected = new Set(
                removalMode === 'authoritative' ? second : [...second, ...manual],
              )
              const after = await groupsOf(org, 'u')
              expect(after).toEqual([...expected].sort())
              const added = await eventsAfter(org, seqBefore)
              const names = (type: string) =>
                added
                  .filter((e) => e.type === type)
                  .map((e) => e.groupName)
                  .sort()
              expect(names('membership.added')).toEqual(after.filter((g) => !before.has(g)))
              expect(names('membership.removed')).toEqual(
                [...before].filter((g) => !expected.has(g)).sort(),
              )
            },
          ),
          { numRuns: 15 },
        )
      })
    })

    describe('point 6: the mass-removal guard', () => {
      it('refuses more than maxRemovals removals: coded error, nothing written but the event', async () => {
        const org = await makeOrg()
        await seed(org, ['dev', 'ops', 'sales'])
        const before = await lastSeq(org)
        const d = withPolicy({ massRemovalGuard: { maxRemovals: 1 } })
        const result = await login(org, 'alice', { groups: ['sales'] }, d)
        const denied = await expectDenied(org, result, 'MASS_REMOVAL_GUARD_TRIPPED', before, [
          'dev',
          'ops',
          'sales',
        ])
        expect(denied.detail).toMatchObject({ removals: 2, memberships: 3, maxRemovals: 1 })
      })

      it('allows exactly maxRemovals removals', async () => {
        const org = await makeOrg()
        await seed(org, ['dev', 'ops', 'sales'])
        const d = withPolicy({ massRemovalGuard: { maxRemovals: 2 } })
        rightOf(await login(org, 'alice', { groups: ['sales'] }, d))
        expect(await groupsOf(org, 'alice')).toEqual(['sales'])
      })

      it('refuses more than maxRemovalPercent of the memberships, allows up to it', async () => {
        const org = await makeOrg()
        await seed(org, ['dev', 'ops', 'sales', 'support'])
        const before = await lastSeq(org)
        const d = withPolicy({ massRemovalGuard: { maxRemovalPercent: 50 } })
        const result = await login(org, 'alice', { groups: ['dev'] }, d)
        const all = ['dev', 'ops', 'sales', 'support']
        const denied = await expectDenied(org, result, 'MASS_REMOVAL_GUARD_TRIPPED', before, all)
        expect(denied.detail).toMatchObject({ removals: 3, memberships: 4, maxRemovalPercent: 50 })
        rightOf(await login(org, 'alice', { groups: ['dev', 'ops'] }, d))
        expect(await groupsOf(org, 'alice')).toEqual(['dev', 'ops'])
      })

      it('guards an absent claim read as empty', async () => {
        const org = await makeOrg()
        await seed(org, ['dev', 'ops'])
        const before = await lastSeq(org)
        const d = withPolicy({ massRemovalGuard: { maxRemovals: 1 } })
        await expectDenied(
          org,
          await login(org, 'alice', {}, d),
          'MASS_REMOVAL_GUARD_TRIPPED',
          before,
          ['dev', 'ops'],
        )
      })
    })

    describe('point 7: audit events and the last-sync time, together', () => {
      it('writes one event per change with org, user, group, source and the claim digest', async () => {
        const org = await makeOrg()
        await seed(org, ['dev', 'ops'])
        const idToken = await issuer.sign('alice', { groups: ['ops', 'sales'] })
        rightOf(await syncOnLogin({ orgId: org.orgId, userId: 'alice', idToken }, deps())())
        const list = await events(org, 'alice')
        const last = list.slice(-2)
        const digest = sha256(JSON.stringify(['ops', 'sales']))
        expect(last).toEqual([
          expect.objectContaining({
            type: 'membership.added',
            orgId: org.orgId,
            userId: 'alice',
            groupId: org.ids['sales'],
            groupName: 'sales',
            source: 'sync',
            claimDigest: digest,
          }),
          expect.objectContaining({
            type: 'membership.removed',
            groupId: org.ids['dev'],
            groupName: 'dev',
            source: 'sync',
            claimDigest: digest,
          }),
        ])
        // Never the raw token, nor any of its three parts.
        const text = JSON.stringify(list)
        for (const part of idToken.split('.')) expect(text.includes(part)).toBe(false)
      })

      it('records the last-sync time, so stale members can be listed', async () => {
        const org = await makeOrg()
        const t1 = new Date('2026-01-01T00:00:00Z')
        const t2 = new Date('2026-02-01T00:00:00Z')
        rightOf(await login(org, 'old', { groups: ['dev'] }, deps({ clock: () => t1 })))
        const result = rightOf(await login(org, 'new', { groups: [] }, deps({ clock: () => t2 })))
        expect(result.status === 'synced' && result.syncedAt).toEqual(t2)
        const stale = rightOf(
          await admin.listStaleMembers(org.orgId, new Date('2026-01-15T00:00:00Z'))(),
        )
        expect(stale).toEqual([{ userId: 'old', lastSyncedAt: t1 }])
      })

      it('a denial records no sync time', async () => {
        const org = await makeOrg()
        const d = withPolicy({ absent: 'deny' })
        leftOf(await login(org, 'alice', {}, d))
        expect(await store.listStaleMembers(org.orgId, FAR_FUTURE)).toEqual([])
      })
    })

    describe('point 8: the result, and the dry run', () => {
      it('returns the diff, the claim, unmatched entries and timings', async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const result = rightOf(await login(org, 'alice', { groups: ['dev', 'ops', 'ghost', ''] }))
        expect(result.status).toBe('synced')
        if (result.status !== 'synced') return
        expect(result.diff.unchanged.map((g) => g.name)).toEqual(['dev'])
        expect(result.added.map((g) => g.name)).toEqual(['ops'])
        expect(result.unmatchedClaims).toEqual(['ghost'])
        expect(result.claim.droppedEmpty).toBe(1)
        expect(result.claim.digest).toBe(sha256(JSON.stringify(['dev', 'ops', 'ghost'])))
        const { claimsMs, storeMs, totalMs } = result.timings
        expect(Math.min(claimsMs, storeMs, totalMs)).toBeGreaterThanOrEqual(0)
        expect(totalMs).toBeGreaterThanOrEqual(claimsMs)
      })

      it('planOnLogin explains each add and remove and writes nothing', async () => {
        const org = await makeOrg()
        await seedManual(org, 'alice', ['support'])
        await seed(org, ['support', 'dev'])
        const before = await events(org)
        const stale = await store.listStaleMembers(org.orgId, FAR_FUTURE)
        const idToken = await issuer.sign('alice', { groups: ['ops', 'Sales'] })
        const input = { orgId: org.orgId, userId: 'alice', idToken }
        const plan = rightOf(await planOnLogin(input, withPolicy({ removalMode: 'sync-owned' }))())
        expect(plan.status).toBe('planned')
        if (plan.status !== 'planned') return
        expect(plan.steps.map((s) => [s.action, s.group.name])).toEqual([
          ['add', 'ops'],
          ['remove', 'dev'],
          ['keep', 'support'],
        ])
        expect(plan.steps.every((s) => s.reason.length > 0)).toBe(true)
        expect(plan.notes.some((n) => n.includes('"Sales"') && n.includes('case'))).toBe(true)
        expect(await events(org)).toEqual(before)
        expect(await groupsOf(org, 'alice')).toEqual(['dev', 'support'])
        expect(await store.listStaleMembers(org.orgId, FAR_FUTURE)).toEqual(stale)
      })

      it('planOnLogin reports a denial with the steps it refused, and writes no event', async () => {
        const org = await makeOrg()
        await seed(org, ['dev', 'ops'])
        const before = await events(org)
        const idToken = await issuer.sign('alice', { groups: [] })
        const plan = await planOnLoginAsync(
          { orgId: org.orgId, userId: 'alice', idToken },
          withPolicy({ massRemovalGuard: { maxRemovals: 0 } }),
        )
        expect(plan.status === 'denied' && plan.error.code).toBe('MASS_REMOVAL_GUARD_TRIPPED')
        expect(plan.status === 'denied' && plan.planned?.toRemove.map((g) => g.name)).toEqual([
          'dev',
          'ops',
        ])
        expect(await events(org)).toEqual(before)
      })

      it('planOnLogin says disabled while mapping is off', async () => {
        const org = await makeOrg({ on: false })
        const plan = await planOnLoginAsync(
          { orgId: org.orgId, userId: 'a', claims: { groups: [] } },
          deps(),
        )
        expect(plan.status).toBe('disabled')
      })

      it('the Promise wrapper resolves with the result and rejects with the coded error', async () => {
        const org = await makeOrg()
        const ok = await syncOnLoginAsync(
          { orgId: org.orgId, userId: 'a', claims: { groups: ['dev'] } },
          deps(),
        )
        expect(ok.status).toBe('synced')
        const input = { orgId: org.orgId, userId: 'a', claims: { groups: 7 } }
        await expect(syncOnLoginAsync(input, deps())).rejects.toMatchObject({
          code: 'GROUPS_CLAIM_MALFORMED',
        })
      })
    })

    describe('the manual-change lock, through the admin service', () => {
      it('refuses manual add and remove while mapping is on, and writes nothing', async () => {
        const org = await makeOrg()
        await seed(org, ['dev'])
        const before = await events(org)
        const add = leftOf(
          await admin.addMember(org.orgId, org.ids['ops']!, 'alice', { actor: 'root' })(),
        )
        const remove = leftOf(await admin.removeMember(org.orgId, org.ids['dev']!, 'alice')())
        expect(add.code).toBe('MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED')
        expect(remove.code).toBe('MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED')
        expect(await groupsOf(org, 'alice')).toEqual(['dev'])
        expect(await events(org)).toEqual(before)
      })

      it('allows manual add and remove while mapping is off, audited as manual', async () => {
        const org = await makeOrg({ on: false })
        expect(
          rightOf(await admin.addMember(org.orgId, org.ids['ops']!, 'bob', { actor: 'root' })()),
        ).toBe(true)
        expect(rightOf(await admin.addMember(org.orgId, org.ids['ops']!, 'bob')())).toBe(false)
        expect(await sourcesOf(org, 'bob')).toEqual({ ops: 'manual' })
        expect(
          rightOf(await admin.removeMember(org.orgId, org.ids['ops']!, 'bob', { actor: 'root' })()),
        ).toBe(true)
        expect(rightOf(await admin.removeMember(org.orgId, org.ids['ops']!, 'bob')())).toBe(false)
        expect(await groupsOf(org, 'bob')).toEqual([])
        const list = await events(org, 'bob')
        expect(list.map((e) => [e.type, e.groupName, e.source, e.actor])).toEqual([
          ['membership.added', 'ops', 'manual', 'root'],
          ['membership.removed', 'ops', 'manual', 'root'],
        ])
      })

      it('refuses a manual change to an unknown group with GROUP_NOT_FOUND', async () => {
        const org = await makeOrg({ on: false })
        expect(leftOf(await admin.addMember(org.orgId, 'no-such-group', 'bob')()).code).toBe(
          'GROUP_NOT_FOUND',
        )
      })

      it('keeps group create, rename and delete allowed while mapping is on', async () => {
        const org = await makeOrg()
        const created = rightOf(await admin.createGroup(org.orgId, 'new')())
        const renamed = rightOf(await admin.renameGroup(org.orgId, created.id, 'renamed')())
        expect(renamed.name).toBe('renamed')
        rightOf(await admin.deleteGroup(org.orgId, created.id)())
        const names = rightOf(await admin.listGroups(org.orgId)()).map((g) => g.name)
        expect(names).toEqual([...GROUPS])
      })

      it('audits group create, rename and delete with the actor, in the store', async () => {
        const org = await makeOrg({ on: false })
        const before = (await events(org)).at(-1)?.seq ?? 0
        const g = rightOf(await admin.createGroup(org.orgId, 'audited', { actor: 'root' })())
        rightOf(await admin.addMember(org.orgId, g.id, 'zed', { actor: 'root' })())
        rightOf(await admin.renameGroup(org.orgId, g.id, 'audited-2', { actor: 'root' })())
        rightOf(await admin.deleteGroup(org.orgId, g.id, { actor: 'admin2' })())
        const log = await eventsAfter(org, before)
        expect(log.map((e) => [e.type, e.groupName, e.userId, e.actor])).toEqual([
          ['group.created', 'audited', undefined, 'root'],
          ['membership.added', 'audited', 'zed', 'root'],
          ['group.renamed', 'audited-2', undefined, 'root'],
          ['membership.removed', 'audited-2', 'zed', 'admin2'],
          ['group.deleted', 'audited-2', undefined, 'admin2'],
        ])
      })

      it('audits turning mapping on and off, and not a no-op', async () => {
        const org = await makeOrg({ on: false })
        const on = rightOf(
          await admin.setManageGroupMemberships(org.orgId, true, { actor: 'root' })(),
        )
        expect(on).toEqual({
          changed: true,
          settings: { manageGroupMemberships: true, matchMode: 'exact' },
        })
        const again = rightOf(await admin.setManageGroupMemberships(org.orgId, true)())
        expect(again.changed).toBe(false)
        rightOf(await admin.setManageGroupMemberships(org.orgId, false, { actor: 'root' })())
        const settingsEvents = (await events(org)).filter((e) => e.type === 'settings.changed')
        expect(settingsEvents.map((e) => [e.actor, e.detail?.['after']])).toEqual([
          ['root', { manageGroupMemberships: true, matchMode: 'exact' }],
          ['root', { manageGroupMemberships: false, matchMode: 'exact' }],
        ])
        expect(rightOf(await admin.getSettings(org.orgId)()).manageGroupMemberships).toBe(false)
      })

      it('a match-mode change at the same moment cannot switch mapping back off', async () => {
        const org = await makeOrg({ on: false })
        const [on, mode] = await Promise.all([
          admin.setManageGroupMemberships(org.orgId, true)(),
          admin.setMatchMode(org.orgId, 'case-insensitive')(),
        ])
        expect([rightOf(on).changed, rightOf(mode).changed]).toEqual([true, true])
        expect(rightOf(await admin.getSettings(org.orgId)())).toEqual({
          manageGroupMemberships: true,
          matchMode: 'case-insensitive',
        })
        const settingsEvents = (await events(org)).filter((e) => e.type === 'settings.changed')
        expect(settingsEvents).toHaveLength(2)
      })
    })
  })
}
