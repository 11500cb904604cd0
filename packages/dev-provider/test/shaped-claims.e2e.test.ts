import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginWithPkce, startDevProvider, type DevProvider } from '../src/index.js'

// Tokens shaped like other providers' — an object keyed by role, a bare string in userinfo only,
// an overage marker, a namespaced claim — through the real authorization code flow.

const ZITADEL = 'urn:zitadel:iam:org:project:roles'

describe('dev provider, claims shaped like other providers’', () => {
  let provider: DevProvider
  beforeAll(async () => {
    provider = await startDevProvider({
      accounts: { plain: ['staff'] },
      shapedClaims: {
        zitadel: { idToken: { [ZITADEL]: { admin: { '1': 'acme.example' } } } },
        lemon: { userinfo: { groups: 'users; timelords' } },
        entra: {
          idToken: {
            _claim_names: { groups: 'src1' },
            _claim_sources: { src1: { endpoint: 'https://graph.example/getMemberObjects' } },
          },
        },
        auth0: { idToken: { 'https://example.com/groups': ['dev'] } },
        gitlab: { idToken: { groups_direct: ['org'] }, userinfo: { groups: ['org', 'org/sub'] } },
      },
    })
  })
  afterAll(async () => {
    await provider.close()
  })

  it('each source carries exactly its own shaped claims', async () => {
    const zitadel = await loginWithPkce(provider, 'zitadel')
    expect(zitadel.claims[ZITADEL]).toEqual({ admin: { '1': 'acme.example' } })
    expect(zitadel.userinfo).toEqual({ sub: 'zitadel' })

    const lemon = await loginWithPkce(provider, 'lemon')
    expect(lemon.claims).not.toHaveProperty('groups')
    expect(lemon.userinfo).toEqual({ sub: 'lemon', groups: 'users; timelords' })

    const gitlab = await loginWithPkce(provider, 'gitlab')
    expect(gitlab.claims['groups_direct']).toEqual(['org'])
    expect(gitlab.claims).not.toHaveProperty('groups')
    expect(gitlab.userinfo).toEqual({ sub: 'gitlab', groups: ['org', 'org/sub'] })

    const auth0 = await loginWithPkce(provider, 'auth0')
    expect(auth0.claims['https://example.com/groups']).toEqual(['dev'])

    const plain = await loginWithPkce(provider, 'plain')
    expect(plain.claims['groups']).toEqual(['staff'])
  })

  it('an overage marker is released with the claim it names', async () => {
    const entra = await loginWithPkce(provider, 'entra')
    expect(entra.claims['_claim_names']).toEqual({ groups: 'src1' })
    expect(entra.claims['_claim_sources']).toEqual({
      src1: { endpoint: 'https://graph.example/getMemberObjects' },
    })
    expect(entra.claims).not.toHaveProperty('groups')
  })

  it('shaped claims can change between logins; an unreleased claim name is refused', async () => {
    provider.setShapedClaims('lemon', { userinfo: { groups: 'users' } })
    expect((await loginWithPkce(provider, 'lemon')).userinfo).toEqual({
      sub: 'lemon',
      groups: 'users',
    })
    expect(() => {
      provider.setShapedClaims('lemon', { idToken: { roles: ['x'] } })
    }).toThrow(/roles/)
  })
})
