import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginWithPkce, startDevProvider, type DevProvider } from '../src/index.js'

describe('dev provider, groups in the ID token', () => {
  let provider: DevProvider
  beforeAll(async () => {
    provider = await startDevProvider({ accounts: { alice: ['admins', 'staff'], bob: [] } })
  })
  afterAll(async () => {
    await provider.close()
  })

  it('listens on 127.0.0.1 with an ephemeral port', () => {
    expect(provider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(provider.jwksUri).toBe(`${provider.issuer}/jwks`)
  })

  it('logs a user in with PKCE; the ID token verifies against the provider JWKS and carries the groups', async () => {
    const login = await loginWithPkce(provider, 'alice')
    const { payload, protectedHeader } = await jwtVerify(
      login.idToken,
      createRemoteJWKSet(new URL(provider.jwksUri)),
      { issuer: provider.issuer, audience: provider.clientId, algorithms: ['RS256'] },
    )
    expect(protectedHeader.alg).toBe('RS256')
    expect(payload.sub).toBe('alice')
    expect(payload['groups']).toEqual(['admins', 'staff'])
    expect(login.claims['groups']).toEqual(['admins', 'staff'])
    expect(login.userinfo).toEqual({ sub: 'alice', groups: ['admins', 'staff'] })
    expect(login.accessToken.length).toBeGreaterThan(0)
  })

  it('an empty list is sent as an empty array; an unknown user gets no groups claim', async () => {
    expect((await loginWithPkce(provider, 'bob')).claims['groups']).toEqual([])
    const carol = await loginWithPkce(provider, 'carol')
    expect(carol.claims['sub']).toBe('carol')
    expect(carol.claims).not.toHaveProperty('groups')
    expect(carol.userinfo).toEqual({ sub: 'carol' })
  })

  it('setGroups changes what the next login carries', async () => {
    provider.setGroups('alice', ['staff'])
    expect((await loginWithPkce(provider, 'alice')).claims['groups']).toEqual(['staff'])
  })
})

describe('dev provider, groups only in userinfo', () => {
  it('leaves the groups out of the ID token and puts them in userinfo', async () => {
    const provider = await startDevProvider({
      accounts: { alice: ['admins'] },
      groupsIn: 'userinfo',
      groupsClaimName: 'roles',
      clientId: 'app',
      redirectUri: 'http://127.0.0.1:9/cb',
    })
    try {
      const login = await loginWithPkce(provider, 'alice')
      expect(provider.clientId).toBe('app')
      expect(login.claims['aud']).toBe('app')
      expect(login.claims).not.toHaveProperty('roles')
      expect(login.userinfo).toEqual({ sub: 'alice', roles: ['admins'] })
    } finally {
      await provider.close()
    }
  })
})

describe('several providers at once', () => {
  it('start concurrently, each with its own issuer and keys, and restore the console', async () => {
    const warn = console.warn
    const info = console.info
    const [a, b] = await Promise.all([
      startDevProvider({ accounts: { alice: ['a'] } }),
      startDevProvider({ accounts: { alice: ['b'] } }),
    ])
    try {
      expect(console.warn).toBe(warn)
      expect(console.info).toBe(info)
      expect(a.issuer).not.toBe(b.issuer)
      const [la, lb] = await Promise.all([loginWithPkce(a, 'alice'), loginWithPkce(b, 'alice')])
      expect([la.claims['groups'], lb.claims['groups']]).toEqual([['a'], ['b']])
      const keysA = (await (await fetch(a.jwksUri)).json()) as { keys: { kid: string }[] }
      const keysB = (await (await fetch(b.jwksUri)).json()) as { keys: { kid: string }[] }
      expect(keysA.keys[0]?.kid).not.toBe(keysB.keys[0]?.kid)
      expect(keysA.keys[0]).not.toHaveProperty('d') // only the public key is published
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})
