import { createHash, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DistributedClaimsResolver, GroupsClaimState } from '@groupsync/claims'
import type { AuditEvent, MatchMode, MembershipStore } from '@groupsync/core'
import type { Either } from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { afterAll, beforeAll, describe as vitestDescribe, expect, it as vitestIt } from 'vitest'
import {
  createMembershipAdmin,
  isSyncDenial,
  syncOnLogin,
  type MembershipAdmin,
  type SyncDeps,
  type LoginSyncError,
  type SyncPolicy,
  type SyncResult,
} from '../../src/index.js'
import { makeTestIssuer, type TestIssuer } from './id-tokens.js'
import type { StoreFactory, StoreHandle } from './stores.js'

// What every part of the login-sync suite shares: one store per run, an org per test, real
// ES256-signed ID tokens, and the helpers that read back what a login wrote.

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

export function rightOf<E, A>(result: Either<E, A>): A {
  if (result._tag === 'Left') throw new Error(`expected Right, got Left: ${String(result.left)}`)
  return result.right
}

export function leftOf<E, A>(result: Either<E, A>): E {
  if (result._tag === 'Right')
    throw new Error(`expected Left, got Right: ${JSON.stringify(result.right)}`)
  return result.left
}

/** A minimal loopback HTTP server for the distributed-claims endpoint of an overage. */
export async function startClaimsEndpoint(
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
export const fixedResolver = (state: GroupsClaimState): DistributedClaimsResolver => ({
  resolve: () => TE.right(state),
})

export const FAR_FUTURE = new Date('9999-01-01T00:00:00Z')
export const GROUPS: readonly string[] = ['dev', 'ops', 'sales', 'support']

/** An org of one test: its id, and its groups' ids by name. */
export interface Org {
  readonly orgId: string
  readonly ids: Readonly<Record<string, string>>
}

/**
 * How much of the suite a store runs: `full` on the memory store; `representative` on the
 * Postgres stores, a handful of tests that reach every part of a store's unit of work (the
 * settings read, the slice with near misses, sources, concurrency, denials, the last sync, the
 * lock, a removal) — that stores behave alike is the store contract suite's job.
 */
export type Coverage = 'full' | 'representative'

type TestBody = () => Promise<void>

/** The shared state and helpers of one run of the suite; made inside its `describe`. */
export interface LoginSyncFixture {
  /** A group of tests; left out of a representative run that has none of its tests. */
  readonly describe: (name: string, body: () => void) => void
  /** A test of the full run only. */
  readonly it: (name: string, body: TestBody) => void
  /** A representative test: run on every store. */
  readonly itOnEveryStore: (name: string, body: TestBody) => void
  /** The store, the admin service over it and the test issuer (set once the run has started). */
  readonly store: MembershipStore
  readonly admin: MembershipAdmin
  readonly issuer: TestIssuer
  /** A fresh org with the given groups, mapping on unless told otherwise. */
  readonly makeOrg: (options?: {
    on?: boolean
    matchMode?: MatchMode
    groups?: readonly string[]
  }) => Promise<Org>
  /** The deps of a login: the store and the issuer's verification, and `extra`. */
  readonly deps: (extra?: Partial<SyncDeps>) => SyncDeps
  readonly withPolicy: (policy: SyncPolicy, extra?: Partial<SyncDeps>) => SyncDeps
  /** Signs `userId` in with an ID token holding `claims`. */
  readonly login: (
    org: Org,
    userId: string,
    claims: Record<string, unknown>,
    d?: SyncDeps,
  ) => Promise<Either<LoginSyncError, SyncResult>>
  /** The names of the user's groups, sorted. */
  readonly groupsOf: (org: Org, userId: string) => Promise<string[]>
  /** The source of each of the user's memberships, by group name. */
  readonly sourcesOf: (org: Org, userId: string) => Promise<Record<string, string>>
  readonly events: (org: Org, userId?: string) => Promise<readonly AuditEvent[]>
  readonly typesOf: (list: readonly AuditEvent[]) => string[]
  /** The highest audit seq of the org so far (0 if none). */
  readonly lastSeq: (org: Org) => Promise<number>
  readonly eventsAfter: (org: Org, seq: number) => Promise<readonly AuditEvent[]>
  /** Signs the user (alice by default) in once with the given groups, under the default policy. */
  readonly seed: (org: Org, groups: readonly string[], userId?: string) => Promise<void>
  /** Adds manual memberships while mapping is off, then turns mapping on. */
  readonly seedManual: (org: Org, userId: string, groups: readonly string[]) => Promise<void>
  /** Asserts a denial of alice's login: the code, and that the only new event is one `sync.denied`. */
  readonly expectDenied: (
    org: Org,
    result: Either<LoginSyncError, SyncResult>,
    code: string,
    seqBefore: number,
    groupsBefore: readonly string[],
  ) => Promise<AuditEvent>
}

/**
 * Opens a store for the enclosing `describe` (closed after it) and returns the fixture. Generous
 * timeouts: the whole repository's tests share two cores in CI. Nothing here is timed.
 */
export function loginSyncFixture(makeStore: StoreFactory, coverage: Coverage): LoginSyncFixture {
  let handle: StoreHandle | undefined
  let admin: MembershipAdmin | undefined
  let issuer: TestIssuer | undefined

  beforeAll(async () => {
    handle = await makeStore()
    admin = createMembershipAdmin({ store: handle.store })
    issuer = await makeTestIssuer()
  }, 120_000)
  afterAll(async () => {
    await handle?.dispose()
  })

  const started = <A>(value: A | undefined): A => {
    if (value === undefined) throw new Error('the login-sync fixture is used before its run began')
    return value
  }
  const store = (): MembershipStore => started(handle).store

  const makeOrg: LoginSyncFixture['makeOrg'] = async (options = {}) => {
    const orgId = `org-${randomUUID()}`
    const ids: Record<string, string> = {}
    for (const groupName of options.groups ?? GROUPS) {
      ids[groupName] = rightOf(await started(admin).createGroup(orgId, groupName)()).id
    }
    if (options.matchMode !== undefined) {
      rightOf(await started(admin).setMatchMode(orgId, options.matchMode)())
    }
    if (options.on ?? true) rightOf(await started(admin).setManageGroupMemberships(orgId, true)())
    return { orgId, ids }
  }

  const deps = (extra: Partial<SyncDeps> = {}): SyncDeps => ({
    store: store(),
    verification: started(issuer).verification,
    ...extra,
  })
  const withPolicy = (policy: SyncPolicy, extra: Partial<SyncDeps> = {}): SyncDeps =>
    deps({ ...extra, policy: () => policy })

  const login: LoginSyncFixture['login'] = async (org, userId, claims, d = deps()) => {
    const idToken = await started(issuer).sign(userId, claims)
    return syncOnLogin({ orgId: org.orgId, userId, idToken }, d)()
  }

  const groupsOf = async (org: Org, userId: string): Promise<string[]> => {
    const byId = new Map(Object.entries(org.ids).map(([n, id]) => [id, n]))
    const memberships = await store().listUserMemberships(org.orgId, userId)
    return memberships.map((m) => byId.get(m.groupId) ?? `?${m.groupId}`).sort()
  }
  const sourcesOf = async (org: Org, userId: string): Promise<Record<string, string>> => {
    const byId = new Map(Object.entries(org.ids).map(([n, id]) => [id, n]))
    const memberships = await store().listUserMemberships(org.orgId, userId)
    const entries = memberships.map((m) => [byId.get(m.groupId) ?? m.groupId, m.source] as const)
    return Object.fromEntries(entries)
  }
  const events = (org: Org, userId?: string): Promise<readonly AuditEvent[]> =>
    store().listAuditEvents(org.orgId, userId === undefined ? {} : { userId })
  const typesOf = (list: readonly AuditEvent[]): string[] => list.map((e) => e.type)
  const lastSeq = async (org: Org): Promise<number> =>
    (await events(org)).reduce((max, e) => Math.max(max, e.seq), 0)
  const eventsAfter = (org: Org, seq: number): Promise<readonly AuditEvent[]> =>
    store().listAuditEvents(org.orgId, { afterSeq: seq })

  const seed = async (org: Org, groups: readonly string[], userId = 'alice'): Promise<void> => {
    rightOf(await login(org, userId, { groups }))
  }

  const seedManual = async (org: Org, userId: string, groups: readonly string[]) => {
    const a = started(admin)
    rightOf(await a.setManageGroupMemberships(org.orgId, false)())
    for (const g of groups) rightOf(await a.addMember(org.orgId, org.ids[g]!, userId)())
    rightOf(await a.setManageGroupMemberships(org.orgId, true)())
  }

  const expectDenied: LoginSyncFixture['expectDenied'] = async (
    org,
    result,
    code,
    seqBefore,
    groupsBefore,
  ) => {
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

  // A representative run first walks a group's body only counting its tests, because a group
  // without any test is an error: the body only registers tests, so walking it twice is harmless.
  let counting: { representative: number } | undefined
  const register = (representative: boolean, name: string, body: TestBody): void => {
    if (counting !== undefined) {
      if (representative) counting.representative += 1
    } else if (representative || coverage === 'full') {
      vitestIt(name, body)
    }
  }

  return {
    describe: (name, body) => {
      if (coverage === 'representative') {
        const count = { representative: 0 }
        counting = count
        try {
          body()
        } finally {
          counting = undefined
        }
        if (count.representative === 0) return
      }
      vitestDescribe(name, body)
    },
    it: (name, body) => {
      register(false, name, body)
    },
    itOnEveryStore: (name, body) => {
      register(true, name, body)
    },
    get store() {
      return store()
    },
    get admin() {
      return started(admin)
    },
    get issuer() {
      return started(issuer)
    },
    makeOrg,
    deps,
    withPolicy,
    login,
    groupsOf,
    sourcesOf,
    events,
    typesOf,
    lastSeq,
    eventsAfter,
    seed,
    seedManual,
    expectDenied,
  }
}
