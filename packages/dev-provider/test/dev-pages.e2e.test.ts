import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginWithPkce, startDevProvider, type DevProvider } from '../src/index.js'

let provider: DevProvider
beforeAll(async () => {
  provider = await startDevProvider({ accounts: { alice: ['admins', 'staff'] } })
})
afterAll(async () => {
  await provider.close()
})

const post = (form: Record<string, string>, origin: string | undefined): Promise<Response> =>
  fetch(provider.groupsPage, {
    method: 'POST',
    body: new URLSearchParams(form),
    redirect: 'manual',
    headers: origin === undefined ? {} : { origin },
  })

describe('the groups page of the dev provider', () => {
  it('lists each account with its groups, one per line', async () => {
    expect(provider.groupsPage).toBe(`${provider.issuer}/dev/groups`)
    const html = await (await fetch(provider.groupsPage)).text()
    expect(html).toContain('Groups of alice (one per line)')
    expect(html).toContain('>admins\nstaff</textarea>')
  })

  it('a form post from the page changes the groups the next login carries, and the page says what it saved', async () => {
    const saved = await post(
      { sub: 'alice', groups: 'staff\r\n  ops \n\nstaff\n' },
      provider.issuer,
    )
    expect(saved.status).toBe(303)
    const location = new URL(saved.headers.get('location') ?? '', provider.issuer)
    expect(await (await fetch(location)).text()).toContain('Saved: alice now has staff, ops.')
    expect((await loginWithPkce(provider, 'alice')).claims['groups']).toEqual(['staff', 'ops'])

    await post({ sub: 'dave', groups: '' }, provider.issuer)
    expect((await loginWithPkce(provider, 'dave')).claims['groups']).toEqual([])
  })

  it('refuses a post from another origin or without one, and a form without a login name', async () => {
    for (const origin of ['http://127.0.0.1:1', undefined]) {
      const refused = await post({ sub: 'alice', groups: 'admins' }, origin)
      expect(refused.status).toBe(403)
      expect(await refused.text()).toContain('can only be changed from the provider')
    }
    expect((await post({ sub: ' ', groups: 'admins' }, provider.issuer)).status).toBe(400)
    expect((await loginWithPkce(provider, 'alice')).claims['groups']).toEqual(['staff', 'ops'])
  })
})
