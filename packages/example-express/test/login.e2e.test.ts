import { authorizeAtDevProvider } from '@groupsync/dev-provider'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startExample, type RunningExample } from '../src/index.js'

const HOUR = 3_600_000

let example: RunningExample
let baseUrl = ''
/** How far the app's clock is ahead of the real one. */
let clockAhead = 0

beforeAll(async () => {
  example = await startExample({ port: 0, clock: () => new Date(Date.now() + clockAhead) })
  baseUrl = example.baseUrl
})

afterAll(async () => {
  await example.close()
})

/** One browser: the app's session cookie, kept across requests. */
class Browser {
  #cookie = ''

  async get(path: string | URL): Promise<Response> {
    const response = await fetch(new URL(path, baseUrl), {
      headers: this.#cookie === '' ? {} : { cookie: this.#cookie },
      redirect: 'manual',
    })
    const set = response.headers.getSetCookie().find((c) => c.startsWith('example.sid='))
    if (set !== undefined) this.#cookie = set.split(';')[0] ?? ''
    return response
  }

  async page(path: string): Promise<{ status: number; html: string }> {
    const response = await this.get(path)
    return { status: response.status, html: await response.text() }
  }

  /**
   * Logs `sub` in the way a browser does: the app's /login redirects to the provider, the
   * provider's login and consent pages are walked, and the provider's redirect lands on the
   * app's /callback, which exchanges the code and syncs.
   */
  async logIn(sub: string, start = '/login'): Promise<string | null> {
    const login = await this.get(start)
    expect(login.status).toBe(302)
    const authorization = new URL(login.headers.get('location') ?? '')
    expect(authorization.origin).toBe(example.provider.issuer)
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256')
    const callback = await authorizeAtDevProvider(authorization, `${baseUrl}/callback`, sub)
    const landed = await this.get(callback)
    expect(landed.status).toBe(302)
    return landed.headers.get('location')
  }
}

const groupsOn = (html: string): string[] =>
  [...(/<ul id="groups">(.*?)<\/ul>/.exec(html)?.[1] ?? '').matchAll(/<li>(.*?)<\/li>/g)].map(
    (m) => m[1] ?? '',
  )

describe('the example app: a real login over HTTP on loopback', () => {
  it('alice logs in at the provider; the callback syncs her groups; the page shows them', async () => {
    const browser = new Browser()
    const home = await browser.page('/')
    expect(home.html).toContain('<a href="/login">Log in</a>')

    expect(await browser.logIn('alice')).toBe('/')
    const signedIn = await browser.page('/')
    expect(signedIn.html).toContain('Signed in as alice')
    expect(groupsOn(signedIn.html)).toEqual(['admins', 'engineering'])
    expect((await browser.page('/admin')).status).toBe(200)

    // The sync wrote the memberships and its audit events in the store the app uses.
    const events = await example.store.listAuditEvents('acme', { userId: 'alice' })
    expect(events.filter((e) => e.type === 'membership.added').map((e) => e.groupName)).toEqual(
      expect.arrayContaining(['admins', 'engineering']),
    )
  })

  it('a change at the provider reaches the app at the next login, and access follows it', async () => {
    const browser = new Browser()
    await browser.logIn('bob')
    expect(groupsOn((await browser.page('/')).html)).toEqual(['engineering'])
    const refused = await browser.page('/admin')
    expect(refused.status).toBe(403)
    expect(refused.html).toContain('needs the group admins')

    example.provider.setGroups('bob', ['admins'])
    await browser.logIn('bob')
    expect(groupsOn((await browser.page('/')).html)).toEqual(['admins'])
    expect((await browser.page('/admin')).status).toBe(200)
  })

  it('the freshness guard: group access is refused once the last sync is too old, until the next login', async () => {
    const browser = new Browser()
    await browser.logIn('alice')
    expect((await browser.page('/admin')).status).toBe(200)

    clockAhead = 9 * HOUR
    try {
      const stale = await browser.page('/admin')
      expect(stale.status).toBe(403)
      expect(stale.html).toContain('last synced 9 h ago, longer than the 8 h this page allows')
      await browser.logIn('alice')
      expect((await browser.page('/admin')).status).toBe(200)
    } finally {
      clockAhead = 0
    }
  })

  it('without a login in progress, the callback refuses', async () => {
    const browser = new Browser()
    const response = await browser.page('/callback?code=x&state=y')
    expect(response.status).toBe(400)
    expect(response.html).toContain('This browser has no sign-in in progress')
  })

  it('a code changed on the way is refused by the provider, and the page says so without the error', async () => {
    const browser = new Browser()
    const login = await browser.get('/login')
    const callback = await authorizeAtDevProvider(
      new URL(login.headers.get('location') ?? ''),
      `${baseUrl}/callback`,
      'alice',
    )
    callback.searchParams.set('code', `${callback.searchParams.get('code') ?? ''}x`)
    const refused = await browser.page(callback.pathname + callback.search)
    expect(refused.status).toBe(400)
    expect(refused.html).toContain('The provider refused the sign-in code')
    expect(refused.html).toContain('Not signed in')
  })

  it('a login returns to the local path it was started from, and to / for any other place', async () => {
    const browser = new Browser()
    expect((await browser.get('/admin')).headers.get('location')).toBe('/login?returnTo=%2Fadmin')
    expect(await browser.logIn('alice', '/login?returnTo=%2Fadmin')).toBe('/admin')
    expect(await browser.logIn('alice', '/login?returnTo=/admin?tab=1')).toBe('/admin?tab=1')
    for (const elsewhere of [
      'https://elsewhere.example/',
      '//elsewhere.example/',
      '/\\elsewhere.example/',
      '/.//elsewhere.example/',
      'admin',
    ]) {
      expect(await browser.logIn('alice', `/login?returnTo=${encodeURIComponent(elsewhere)}`)).toBe(
        '/',
      )
    }
  })

  it('an unexpected error is logged for the operator and shown to the person as one plain sentence', async () => {
    const browser = new Browser()
    await browser.logIn('alice')
    const failure = Object.assign(new Error('store exploded'), {
      stack: 'Error: store exploded\n    at groupNames (/srv/app/dist/app.js:12:3)',
    })
    const read = vi.spyOn(example.store, 'listUserMemberships').mockRejectedValueOnce(failure)
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      const page = await browser.page('/')
      expect(page.status).toBe(500)
      expect(page.html).toContain('Something went wrong on our side. Please try again in a moment.')
      expect(page.html).not.toMatch(/store exploded|app\.js|\bat /)
      expect(logged).toHaveBeenCalledWith('example: GET / failed', failure)
    } finally {
      read.mockRestore()
      logged.mockRestore()
    }
  })
})
