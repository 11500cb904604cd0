import { PROVIDER_PRESET_NAMES, PROVIDER_PRESETS } from '@groupsync/claims'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import { describe, expect, it } from 'vitest'
import {
  createMembershipAdmin,
  planOnLoginAsync,
  syncOnLoginAsync,
  type SyncDeps,
  type SyncPolicy,
} from '../src/index.js'
import { resolveSyncPolicy } from '../src/sync-policy.js'

const rightOf = <A>(result: { _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }): A => {
  if (result._tag === 'Left') throw result.left as Error
  return result.right
}

describe('a provider preset chosen by name', () => {
  it('the org policy’s preset sets the claims options and policy defaults, visible in the result', () => {
    const resolved = rightOf(resolveSyncPolicy({ preset: 'lemonldap-ng' }))
    expect(resolved).toMatchObject({
      preset: 'lemonldap-ng',
      absent: 'empty',
      overage: 'resolve',
      claimsOptions: PROVIDER_PRESETS['lemonldap-ng'].claimsOptions,
    })
    expect(rightOf(resolveSyncPolicy({ preset: 'google-workspace' })).absent).toBe('resolve')
  })

  it('every value of a preset can be overridden by the policy', () => {
    const resolved = rightOf(
      resolveSyncPolicy({
        preset: 'keycloak',
        absent: 'keep',
        claimsOptions: { keycloakPaths: 'leaf', path: 'realm_access.roles' },
      }),
    )
    expect(resolved).toMatchObject({
      preset: 'keycloak',
      absent: 'keep',
      claimsOptions: {
        path: 'realm_access.roles',
        keycloakPaths: 'leaf',
        sources: 'id_token_then_userinfo',
      },
    })
  })

  it('the service’s preset sits under the service’s claims options and the policy’s', () => {
    const resolved = rightOf(
      resolveSyncPolicy({ claimsOptions: { maxGroups: 50 } }, { sources: 'id_token' }, 'gitlab'),
    )
    expect(resolved.preset).toBe('gitlab')
    expect(resolved.claimsOptions).toEqual({ path: 'groups', sources: 'id_token', maxGroups: 50 })
  })

  it('an org preset replaces the service’s preset and claims options (they describe another provider)', () => {
    const resolved = rightOf(
      resolveSyncPolicy({ preset: 'cognito' }, { path: 'groups', delimiter: ',' }, 'okta'),
    )
    expect(resolved.preset).toBe('cognito')
    expect(resolved.claimsOptions).toEqual(PROVIDER_PRESETS.cognito.claimsOptions)
  })

  it('unknown preset names are refused as configuration, in the policy and in the service', () => {
    for (const [policy, service, path] of [
      [{ preset: 'octa' }, undefined, '/policy/preset'],
      [{ preset: 7 }, undefined, '/policy/preset'],
      [{}, 'entra', '/preset'],
    ] as const) {
      const resolved = resolveSyncPolicy(policy as unknown as SyncPolicy, {}, service as never)
      expect(resolved._tag === 'Left' && [resolved.left.code, resolved.left.path]).toEqual([
        'SYNC_POLICY_INVALID',
        path,
      ])
    }
  })

  it('a preset that needs an option only the caller knows says which', () => {
    const resolved = resolveSyncPolicy({ preset: 'auth0' })
    expect(resolved._tag === 'Left' && [resolved.left.code, resolved.left.path]).toEqual([
      'SYNC_POLICY_INVALID',
      '/policy/claimsOptions/path',
    ])
    expect(
      rightOf(
        resolveSyncPolicy({
          preset: 'auth0',
          claimsOptions: { path: '/https:~1~1example.com~1groups' },
        }),
      ).claimsOptions,
    ).toEqual({ sources: 'id_token', path: '/https:~1~1example.com~1groups' })
  })

  it('every preset resolves (with what it requires) to options the claim reader accepts', async () => {
    for (const name of PROVIDER_PRESET_NAMES) {
      const policy: SyncPolicy = PROVIDER_PRESETS[name].requires.includes('path')
        ? { preset: name, claimsOptions: { path: 'groups' } }
        : { preset: name }
      const store = createMemoryMembershipStore()
      const admin = createMembershipAdmin({ store })
      rightOf(await admin.setManageGroupMemberships('o', true)())
      const plan = await planOnLoginAsync(
        { orgId: 'o', userId: 'u', claims: { sub: 'u' }, userinfo: { sub: 'u' } },
        { store, policy: () => policy },
      )
      expect(['planned', 'denied'], name).toContain(plan.status)
    }
  })
})

describe('value mapping: unmatched entries and near misses are reported as sent', () => {
  async function setUp(policy: SyncPolicy) {
    const store = createMemoryMembershipStore()
    const admin = createMembershipAdmin({ store })
    const ids: Record<string, string> = {}
    for (const name of ['dev', 'Ops', 'admins'])
      ids[name] = rightOf(await admin.createGroup('acme', name)()).id
    rightOf(await admin.setManageGroupMemberships('acme', true)())
    const deps: SyncDeps = { store, policy: () => policy }
    return { store, deps, ids }
  }

  it('memberships follow the mapped names; diagnostics name the DNs the provider sent', async () => {
    const { store, deps, ids } = await setUp({
      claimsOptions: {
        path: 'memberOf',
        valueMapping: { ldapDnCn: true, filter: { prefixes: ['app-'] }, stripPrefix: 'app-' },
      },
    })
    const sent = [
      'CN=app-dev,OU=Groups,DC=example,DC=com',
      'CN=app-ops,OU=Groups,DC=example,DC=com',
      'CN=app-qa,OU=Groups,DC=example,DC=com',
      'CN=hr,OU=Groups,DC=example,DC=com',
    ]
    const result = await syncOnLoginAsync(
      { orgId: 'acme', userId: 'alice', claims: { sub: 'alice', memberOf: sent } },
      deps,
    )
    expect(result.status).toBe('synced')
    if (result.status !== 'synced') return
    expect(result.added.map((g) => g.id)).toEqual([ids['dev']])
    expect(result.claim.groups).toEqual(['dev', 'ops', 'qa'])
    expect(result.claim.sent).toEqual(sent)
    // "qa" names no group, "ops" misses "Ops" only by case; "hr" was filtered out on purpose.
    expect(result.unmatchedClaims).toEqual([sent[1], sent[2]])
    expect(result.caseOnlyMatches.map((m) => [m.claim, m.group.name])).toEqual([[sent[1], 'Ops']])
    expect((await store.listUserMemberships('acme', 'alice')).map((m) => m.groupId)).toEqual([
      ids['dev'],
    ])
    const plan = await planOnLoginAsync(
      { orgId: 'acme', userId: 'alice', claims: { sub: 'alice', memberOf: sent } },
      deps,
    )
    expect(plan.status === 'planned' && plan.notes.join('\n')).toContain(JSON.stringify(sent[2]))
  })

  it('an alias that names several groups reports its entry once, as sent', async () => {
    const { deps, ids } = await setUp({
      preset: 'entra-id',
      claimsOptions: {
        valueMapping: {
          aliases: {
            '8b3a1d2e-0000-4000-8000-000000000001': ['dev', 'missing'],
            '8b3a1d2e-0000-4000-8000-000000000002': 'admins',
          },
        },
      },
    })
    const result = await syncOnLoginAsync(
      {
        orgId: 'acme',
        userId: 'bob',
        claims: {
          sub: 'bob',
          groups: [
            '8b3a1d2e-0000-4000-8000-000000000001',
            '8b3a1d2e-0000-4000-8000-000000000002',
            'ffffffff-0000-4000-8000-00000000000f',
          ],
        },
      },
      deps,
    )
    expect(result.status === 'synced' && result.added.map((g) => g.id).sort()).toEqual(
      [ids['admins'], ids['dev']].sort(),
    )
    expect(result.status === 'synced' && result.unmatchedClaims).toEqual([
      '8b3a1d2e-0000-4000-8000-000000000001',
      'ffffffff-0000-4000-8000-00000000000f',
    ])
  })
})
