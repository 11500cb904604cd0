import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createGoogleDirectoryGroupsResolver,
  createHttpDistributedClaimsResolver,
  createMicrosoftGraphGroupsResolver,
  PROVIDER_PRESETS,
  type DistributedClaimsResolver,
  type GroupsClaimState,
} from '@groupsync/claims'
import type { MembershipStore } from '@groupsync/core'
import { loginWithPkce, startDevProvider, type DevProvider } from '@groupsync/dev-provider'
import {
  startDirectoryMock,
  type DirectoryMock,
  type GraphGroup,
  type Misbehaviour,
} from '@groupsync/directory-mock'
import { createMemoryMembershipStore } from '@groupsync/store-memory'

import * as TE from 'fp-ts/lib/TaskEither.js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createMembershipAdmin,
  syncOnLoginAsync,
  type MembershipAdmin,
  type SyncPolicy,
  type SyncResult,
} from '../src/index.js'

/** What a login at the dev provider returns. */
type LoginResult = Awaited<ReturnType<typeof loginWithPkce>>

// End to end for every provider preset: a real OpenID Provider on loopback issues ID tokens and
// userinfo shaped as each provider documents them (dev-provider shapedClaims), a real
// authorization code flow with PKCE logs the user in, and the sync, configured with nothing but
// the preset's name (plus what only the org can know), ends in the right memberships. The
// groups a token does not carry (rules C15 and S3) come from @groupsync/directory-mock, which
// answers as Microsoft Graph and Google's directory do: an Entra overage with 1,000 groups over
// 10 pages, a Workspace login with no groups claim, and every way such a lookup fails — each a
// denial with its coded failure, one sync.denied event, and no membership changed.

const ZITADEL_ROLES = 'urn:zitadel:iam:org:project:roles'
const AUTH0_CLAIM = 'https://example.com/groups'
const GUID_ADMINS = 'e5f7a2c4-6f1b-4b8e-9d3a-2c1b0a9f8e7d'
const GUID_DEV = '3b1e6d2f-0a9c-4c7b-8e5d-1f2a3b4c5d6e'
const GRAPH_ENDPOINT = 'https://graph.windows.net/tenant/users/oid/getMemberObjects'
const DIRECTORY_TOKEN = 'graph-and-google-token'
const OID = '3f9a1c2e-5b7d-4e8f-a1b2-c3d4e5f60718'
const guid = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
const entraGroups: GraphGroup[] = Array.from({ length: 1_000 }, (_, i) => ({
  id: guid(i),
  displayName: `team ${i}`,
  securityEnabled: true,
}))
const GOOGLE_EMAIL = 'jsmith@example.com'

let provider: DevProvider
let store: MembershipStore
let admin: MembershipAdmin
let mock: DirectoryMock

beforeAll(async () => {
  store = createMemoryMembershipStore()
  admin = createMembershipAdmin({ store })
  mock = await startDirectoryMock({
    accessToken: DIRECTORY_TOKEN,
    graph: { [OID]: entraGroups },
    google: {
      [GOOGLE_EMAIL]: [
        { email: 'eng@example.com', name: 'Engineering' },
        { email: 'all@example.com', name: 'Everyone' },
      ],
    },
  })
  provider = await startDevProvider({
    accounts: {},
    shapedClaims: {
      'entra-user': { idToken: { groups: [GUID_ADMINS, GUID_DEV] } },
      'entra-overage': {
        idToken: {
          _claim_names: { groups: 'src1' },
          _claim_sources: { src1: { endpoint: GRAPH_ENDPOINT } },
        },
      },
      'entra-big': {
        idToken: {
          oid: OID,
          tid: 'tenant-1',
          _claim_names: { groups: 'src1' },
          _claim_sources: { src1: { endpoint: GRAPH_ENDPOINT } },
        },
      },
      'okta-user': { idToken: { groups: ['Everyone', 'IT'] } },
      'okta-none': { idToken: {} },
      'keycloak-user': { idToken: { groups: ['/admins', '/engineering/backend'] } },
      'auth0-user': { idToken: { [AUTH0_CLAIM]: ['admins', 'dev'] } },
      'cognito-user': { idToken: { 'cognito:groups': ['test-group-a', 'test-group-b'] } },
      'zitadel-user': {
        idToken: {
          [ZITADEL_ROLES]: {
            admin: { '1648': 'acme.zitadel.cloud' },
            user: { '1648': 'acme.zitadel.cloud' },
          },
        },
      },
      'gitlab-user': {
        idToken: { groups_direct: ['gitlab-org'] },
        userinfo: { groups: ['gitlab-org', 'gitlab-org/security'] },
      },
      'google-user': {
        idToken: { hd: 'example.com', email: GOOGLE_EMAIL, email_verified: true },
      },
      'authentik-user': { idToken: { groups: ['authentik Admins', 'dev'] } },
      'lemon-one': { userinfo: { groups: 'users' } },
      'lemon-joined': { userinfo: { groups: 'users; timelords' } },
    },
  })
}, 180_000)
afterAll(async () => {
  await provider.close()
  await mock.close()
})
beforeEach(() => {
  mock.misbehave()
})

const graphResolver = (timeoutMs?: number): DistributedClaimsResolver =>
  createMicrosoftGraphGroupsResolver({
    accessToken: () => DIRECTORY_TOKEN,
    origin: mock.origin,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  })
const googleResolver = (api?: 'admin-sdk'): DistributedClaimsResolver =>
  createGoogleDirectoryGroupsResolver({
    accessToken: () => DIRECTORY_TOKEN,
    domains: ['example.com'],
    origin: mock.origin,
    ...(api === undefined ? {} : { api }),
  })

/** A fresh org with these groups and mapping on; returns name → id. */
async function makeOrg(orgId: string, names: readonly string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {}
  for (const name of names) {
    const created = await admin.createGroup(orgId, name)()
    if (created._tag === 'Left') throw created.left
    ids[name] = created.right.id
  }
  const on = await admin.setManageGroupMemberships(orgId, true)()
  if (on._tag === 'Left') throw on.left
  return ids
}

/** The user's groups in the org, by name, sorted. */
async function groupsOf(
  orgId: string,
  userId: string,
  ids: Record<string, string>,
): Promise<string[]> {
  const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]))
  const memberships = await store.listUserMemberships(orgId, userId)
  return memberships.map((m) => byId.get(m.groupId) ?? m.groupId).sort()
}

/** Logs `sub` in at the provider and syncs the login into `orgId` with `policy`. */
async function loginAndSync(
  orgId: string,
  sub: string,
  policy: SyncPolicy,
  resolver?: DistributedClaimsResolver,
): Promise<{ login: LoginResult; result: SyncResult }> {
  const login = await loginWithPkce(provider, sub)
  const result = await syncOnLoginAsync(
    {
      orgId,
      userId: sub,
      idToken: login.idToken,
      userinfo: login.userinfo,
      accessToken: login.accessToken,
    },
    {
      store,
      verification: {
        issuer: provider.issuer,
        audience: provider.clientId,
        jwks: new URL(provider.jwksUri),
        algorithms: ['RS256'],
      },
      policy: () => policy,
      ...(resolver === undefined ? {} : { resolver }),
    },
  )
  return { login, result }
}

describe('e2e: provider presets through a real login', { timeout: 180_000 }, () => {
  it('Entra ID: object ids mapped by aliases; an overage resolved through Graph (a resolver)', async () => {
    const ids = await makeOrg('entra', ['admins', 'dev', 'ops'])
    const policy: SyncPolicy = {
      preset: 'entra-id',
      claimsOptions: {
        valueMapping: { aliases: { [GUID_ADMINS]: 'admins', [GUID_DEV]: ['dev', 'ops'] } },
      },
    }
    const { result } = await loginAndSync('entra', 'entra-user', policy)
    expect(result.status === 'synced' && result.claim.sent).toEqual([GUID_ADMINS, GUID_DEV])
    expect(await groupsOf('entra', 'entra-user', ids)).toEqual(['admins', 'dev', 'ops'])

    // A user with too many groups: the token names Graph instead; a Graph resolver (the port)
    // answers with the object ids, read with the same options, aliases included.
    const asked: string[] = []
    const graph: DistributedClaimsResolver = {
      resolve: (overage) => {
        asked.push(overage.state === 'overage' ? (overage.endpoint ?? '') : '')
        const state: GroupsClaimState = {
          state: 'present',
          groups: ['admins'],
          source: 'distributed',
          droppedEmpty: 0,
          sent: [GUID_ADMINS],
        }
        return TE.right(state)
      },
    }
    const overage = await loginAndSync('entra', 'entra-overage', policy, graph)
    expect(asked).toEqual([GRAPH_ENDPOINT])
    expect(overage.result.status === 'synced' && overage.result.claim.policy).toBe(
      'overage-resolved',
    )
    expect(await groupsOf('entra', 'entra-overage', ids)).toEqual(['admins'])
    // Without a resolver, the preset's overage policy refuses rather than emptying the user.
    await expect(loginAndSync('entra', 'entra-overage', policy)).rejects.toMatchObject({
      code: 'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
    })
    expect(await groupsOf('entra', 'entra-overage', ids)).toEqual(['admins'])
  })

  it('Entra ID: the preset’s Graph allow-list configures the HTTP resolver; other origins are refused', async () => {
    const ids = await makeOrg('entra-http', ['admins', 'dev', 'ops'])
    const policy: SyncPolicy = {
      preset: 'entra-id',
      claimsOptions: { valueMapping: { aliases: { [GUID_ADMINS]: 'admins' } } },
    }
    // A stand-in for Microsoft Graph on loopback, answering for the user with object ids.
    const graph: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ sub: 'entra-http', groups: [GUID_ADMINS] }))
    })
    await new Promise<void>((resolve) => graph.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`
    try {
      const allowed = PROVIDER_PRESETS['entra-id'].resolver?.allowedOrigins ?? []
      expect(allowed).toEqual(['https://graph.microsoft.com', 'https://graph.windows.net'])
      // The test adds its loopback stand-in to the preset's list; a service uses the list as is.
      const resolver = createHttpDistributedClaimsResolver({ allowedOrigins: [...allowed, origin] })
      const marker = (endpoint: string) => ({
        idToken: { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint } } },
      })
      provider.setShapedClaims('entra-http', marker(`${origin}/v1.0/me/getMemberObjects`))
      await loginAndSync('entra-http', 'entra-http', policy, resolver)
      expect(await groupsOf('entra-http', 'entra-http', ids)).toEqual(['admins'])

      // A token pointing the resolver (and the user's access token) elsewhere is refused.
      provider.setShapedClaims('entra-http', marker('https://graph.example.org/getMemberObjects'))
      await expect(
        loginAndSync('entra-http', 'entra-http', policy, resolver),
      ).rejects.toMatchObject({
        code: 'DISTRIBUTED_CLAIMS_FAILED',
        value: 'ENDPOINT_NOT_ALLOWED',
      })
      expect(await groupsOf('entra-http', 'entra-http', ids)).toEqual(['admins'])
    } finally {
      graph.closeAllConnections()
      await new Promise((resolve) => graph.close(resolve))
    }
  })

  it('Okta: the filtered groups; a user none of whose groups pass the filter loses them', async () => {
    const ids = await makeOrg('okta', ['IT', 'Everyone', 'Sales'])
    await loginAndSync('okta', 'okta-user', { preset: 'okta' })
    expect(await groupsOf('okta', 'okta-user', ids)).toEqual(['Everyone', 'IT'])
    provider.setShapedClaims('okta-user', { idToken: {} })
    const { result } = await loginAndSync('okta', 'okta-user', { preset: 'okta' })
    expect(result.status === 'synced' && result.claim.policy).toBe('absent-as-empty')
    expect(await groupsOf('okta', 'okta-user', ids)).toEqual([])
  })

  it('Keycloak: full group paths, matched without the leading slash', async () => {
    const ids = await makeOrg('keycloak', ['admins', 'engineering/backend', 'backend'])
    await loginAndSync('keycloak', 'keycloak-user', { preset: 'keycloak' })
    expect(await groupsOf('keycloak', 'keycloak-user', ids)).toEqual([
      'admins',
      'engineering/backend',
    ])
  })

  it('Auth0: the namespaced claim an Action sets, named in the org policy', async () => {
    const ids = await makeOrg('auth0', ['admins', 'dev'])
    await loginAndSync('auth0', 'auth0-user', {
      preset: 'auth0',
      claimsOptions: { path: '/https:~1~1example.com~1groups' },
    })
    expect(await groupsOf('auth0', 'auth0-user', ids)).toEqual(['admins', 'dev'])
    await expect(loginAndSync('auth0', 'auth0-user', { preset: 'auth0' })).rejects.toMatchObject({
      code: 'SYNC_POLICY_INVALID',
      path: '/policy/claimsOptions/path',
    })
  })

  it('Cognito: cognito:groups', async () => {
    const ids = await makeOrg('cognito', ['test-group-a', 'test-group-b', 'other'])
    await loginAndSync('cognito', 'cognito-user', { preset: 'cognito' })
    expect(await groupsOf('cognito', 'cognito-user', ids)).toEqual(['test-group-a', 'test-group-b'])
  })

  it('Zitadel: the roles object, keyed by role', async () => {
    const ids = await makeOrg('zitadel', ['admin', 'user', 'viewer'])
    await loginAndSync('zitadel', 'zitadel-user', { preset: 'zitadel' })
    expect(await groupsOf('zitadel', 'zitadel-user', ids)).toEqual(['admin', 'user'])
  })

  it('GitLab: groups from userinfo (the ID token carries only groups_direct)', async () => {
    const ids = await makeOrg('gitlab', ['gitlab-org', 'gitlab-org/security'])
    const { login } = await loginAndSync('gitlab', 'gitlab-user', { preset: 'gitlab' })
    expect(login.claims).not.toHaveProperty('groups')
    expect(await groupsOf('gitlab', 'gitlab-user', ids)).toEqual([
      'gitlab-org',
      'gitlab-org/security',
    ])
  })

  it('Google Workspace: no groups claim is refused, never read as "no groups"; groups the app fetched sync', async () => {
    const ids = await makeOrg('google', ['eng@example.com'])
    const before = await makeOrgMembership('google', 'google-user', ids['eng@example.com'] ?? '')
    await expect(
      loginAndSync('google', 'google-user', { preset: 'google-workspace' }),
    ).rejects.toMatchObject({
      code: 'GROUPS_CLAIM_ABSENT_DENIED',
    })
    expect(await groupsOf('google', 'google-user', ids)).toEqual(before)
    // The application fetched the groups from the directory API and hands them over with the
    // claims of the token it verified.
    const login = await loginWithPkce(provider, 'google-user')
    await syncOnLoginAsync(
      { orgId: 'google', userId: 'google-user', claims: { ...login.claims, groups: [] } },
      { store, policy: () => ({ preset: 'google-workspace' }) },
    )
    expect(await groupsOf('google', 'google-user', ids)).toEqual([])
  })

  it('Entra ID: an overage with 1,000 groups syncs through Microsoft Graph, 10 pages', async () => {
    const ids = await makeOrg(
      'entra-graph',
      entraGroups.map((g) => g.id),
    )
    const before = mock.requests.length
    const { result } = await loginAndSync(
      'entra-graph',
      'entra-big',
      { preset: 'entra-id' },
      graphResolver(),
    )
    const requests = mock.requests.slice(before)
    expect(result.status === 'synced' && result.claim).toMatchObject({
      state: 'overage',
      source: 'distributed',
      policy: 'overage-resolved',
    })
    expect(result.status === 'synced' && result.added.length).toBe(1_000)
    expect(await groupsOf('entra-graph', 'entra-big', ids)).toEqual(
      entraGroups.map((g) => g.id).sort(),
    )
    expect(requests).toHaveLength(10)
    for (const request of requests) {
      expect(request.path).toBe(`/v1.0/users/${OID}/transitiveMemberOf/microsoft.graph.group`)
      expect(request.authorization).toBe(`Bearer ${DIRECTORY_TOKEN}`)
    }
    // A later login that Graph refuses changes nothing: it is denied with the failure.
    mock.misbehave({ kind: 'status', status: 403 })
    await expect(
      loginAndSync('entra-graph', 'entra-big', { preset: 'entra-id' }, graphResolver()),
    ).rejects.toMatchObject({ code: 'DISTRIBUTED_CLAIMS_FAILED', value: 'HTTP_STATUS' })
    expect(await groupsOf('entra-graph', 'entra-big', ids)).toHaveLength(1_000)
  })

  it('Google Workspace: no groups claim syncs through the directory under the preset’s absent: resolve', async () => {
    const ids = await makeOrg('google-directory', ['eng@example.com', 'ops@example.com'])
    for (const resolver of [googleResolver(), googleResolver('admin-sdk')]) {
      const { result } = await loginAndSync(
        'google-directory',
        'google-user',
        { preset: 'google-workspace' },
        resolver,
      )
      expect(result.status === 'synced' && result.claim).toMatchObject({
        state: 'absent',
        source: 'distributed',
        groups: ['eng@example.com', 'all@example.com'],
        policy: 'absent-resolved',
      })
      expect(await groupsOf('google-directory', 'google-user', ids)).toEqual(['eng@example.com'])
    }
    const [cloudIdentity, adminSdk] = mock.requests.slice(-2)
    expect(cloudIdentity?.query['query']).toContain(`member_key_id == '${GOOGLE_EMAIL}'`)
    expect(adminSdk?.query['userKey']).toBe(GOOGLE_EMAIL)
    // The org may still choose otherwise: absent: 'empty' never asks the directory.
    const before = mock.requests.length
    const { result } = await loginAndSync(
      'google-directory',
      'google-user',
      { preset: 'google-workspace', absent: 'empty' },
      googleResolver(),
    )
    expect(result.status === 'synced' && result.claim.policy).toBe('absent-as-empty')
    expect(mock.requests.length).toBe(before)
  })

  it('authentik: groups from the profile scope', async () => {
    const ids = await makeOrg('authentik', ['authentik Admins', 'dev'])
    await loginAndSync('authentik', 'authentik-user', { preset: 'authentik' })
    expect(await groupsOf('authentik', 'authentik-user', ids)).toEqual(['authentik Admins', 'dev'])
  })

  it('LemonLDAP::NG: userinfo only, one group as a string, several as a joined string', async () => {
    const ids = await makeOrg('lemon', ['users', 'timelords'])
    await loginAndSync('lemon', 'lemon-one', { preset: 'lemonldap-ng' })
    expect(await groupsOf('lemon', 'lemon-one', ids)).toEqual(['users'])
    const { result } = await loginAndSync('lemon', 'lemon-joined', { preset: 'lemonldap-ng' })
    expect(result.status === 'synced' && result.claim.source).toBe('userinfo')
    expect(await groupsOf('lemon', 'lemon-joined', ids)).toEqual(['timelords', 'users'])
  })
})

describe('e2e: a failed or partial lookup is denied, audited, and changes nothing', () => {
  const entraClaims = {
    sub: 'entra-user',
    oid: OID,
    _claim_names: { groups: 'src1' },
    _claim_sources: { src1: { endpoint: GRAPH_ENDPOINT } },
  }
  const googleClaims = { sub: 'g-1', hd: 'example.com', email: GOOGLE_EMAIL, email_verified: true }

  it.each<[string, string, Misbehaviour | undefined, 'graph' | 'google', string?]>([
    ['401', 'HTTP_STATUS', { kind: 'status', status: 401 }, 'graph'],
    ['403', 'HTTP_STATUS', { kind: 'status', status: 403 }, 'google'],
    ['404 for an unknown user', 'HTTP_STATUS', undefined, 'graph', OID.replace('3f', '4f')],
    [
      '429 past the deadline',
      'THROTTLED',
      { kind: 'status', status: 429, retryAfter: '60' },
      'graph',
    ],
    ['500', 'HTTP_STATUS', { kind: 'status', status: 500 }, 'google'],
    ['a page loop', 'PAGE_LOOP', { kind: 'page-loop' }, 'graph'],
    ['a huge page', 'TOO_LARGE', { kind: 'huge-page', bytes: 2_000_000 }, 'graph'],
    ['a slow answer', 'TIMEOUT', { kind: 'slow', ms: 3_000 }, 'graph'],
    ['a malformed body', 'INVALID_BODY', { kind: 'malformed' }, 'google'],
    [
      'a partial result (page 5 fails)',
      'HTTP_STATUS',
      { kind: 'status', status: 502, onPage: 5 },
      'graph',
    ],
    ['a page cut off', 'FETCH_FAILED', { kind: 'cut-off', onPage: 3 }, 'graph'],
  ])(
    '%s: DISTRIBUTED_CLAIMS_FAILED (%s), one sync.denied, memberships kept',
    { timeout: 30_000 },
    async (_, failure, misbehaviour, api, oid) => {
      const orgId = `org-${api}-${failure}-${String(mock.requests.length)}`
      const ids = await makeOrg(orgId, ['kept'])
      const claims = api === 'graph' ? { ...entraClaims, oid: oid ?? OID } : googleClaims
      const policy: SyncPolicy = { preset: api === 'graph' ? 'entra-id' : 'google-workspace' }
      const deps = (resolver: DistributedClaimsResolver) => ({
        store,
        policy: () => policy,
        resolver,
      })
      const resolver = api === 'graph' ? graphResolver(1_500) : googleResolver()
      await syncOnLoginAsync(
        { orgId, userId: claims.sub, claims: { ...claims, groups: ['kept'] } },
        deps(resolver),
      )
      const seq = Math.max(...(await store.listAuditEvents(orgId, {})).map((e) => e.seq))
      mock.misbehave(misbehaviour)
      await expect(
        syncOnLoginAsync({ orgId, userId: claims.sub, claims }, deps(resolver)),
      ).rejects.toMatchObject({ code: 'DISTRIBUTED_CLAIMS_FAILED', value: failure })
      const events = (await store.listAuditEvents(orgId, {})).filter((e) => e.seq > seq)
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({
        type: 'sync.denied',
        userId: claims.sub,
        detail: {
          code: 'DISTRIBUTED_CLAIMS_FAILED',
          claimState: api === 'graph' ? 'overage' : 'absent',
          failure,
        },
      })
      expect(await groupsOf(orgId, claims.sub, ids)).toEqual(['kept'])
    },
  )
})

/** Makes the user a member through one sync of the app-supplied groups; returns the groups. */
async function makeOrgMembership(
  orgId: string,
  userId: string,
  groupId: string,
): Promise<string[]> {
  const login = await loginWithPkce(provider, userId)
  await syncOnLoginAsync(
    { orgId, userId, claims: { ...login.claims, groups: ['eng@example.com'] } },
    { store, policy: () => ({ preset: 'google-workspace' }) },
  )
  const memberships = await store.listUserMemberships(orgId, userId)
  expect(memberships.map((m) => m.groupId)).toEqual([groupId])
  return ['eng@example.com']
}
