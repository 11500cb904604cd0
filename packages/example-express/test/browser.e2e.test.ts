import { existsSync } from 'node:fs'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startExample, type RunningExample } from '../src/index.js'

// Debian's Chromium, driven by playwright-core (no browser download). CI installs it (.ci/run)
// and must never skip this file, nor may the screenshots command; elsewhere a machine without it
// skips, saying so.
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Only loopback resolves: the provider's pages ask for a web font, and the test must not depend
  // on the network (nor wait for it).
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
]
// `pnpm --filter @groupsync/example-express screenshots` sets this to docs/screenshots; without it
// the test takes no pictures.
const SCREENSHOTS =
  process.env['EXAMPLE_SCREENSHOTS_DIR'] === undefined
    ? undefined
    : resolve(process.env['EXAMPLE_SCREENSHOTS_DIR'])
const installed = existsSync(CHROMIUM)
const required =
  (process.env['CI'] !== undefined && process.env['CI'] !== 'false') || SCREENSHOTS !== undefined
if (!installed && !required) {
  console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`)
}
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '')

/** What a page must never show a person: a stack frame, a source location or a server path. */
const LEAKS: readonly RegExp[] = [
  /^\s*at\s+\S/m,
  /\w+Error: /,
  /node_modules/,
  /\/work\//,
  /file:\/\//,
  /\.[cm]?[jt]sx?:\d+/,
]
const leakIn = (html: string): string | undefined =>
  html.includes(REPO_ROOT)
    ? REPO_ROOT
    : LEAKS.find((pattern) => pattern.test(html))?.exec(html)?.[0]

const HOUR = 3_600_000

describe.skipIf(!installed && !required)('the example app in Debian Chromium', () => {
  let example: RunningExample
  let browser: Browser
  let clockAhead = 0
  /** Every page the browser loaded, with what leaked on it if anything. */
  const documents: { url: string; leak: string | undefined }[] = []
  const checks: Promise<void>[] = []

  beforeAll(async () => {
    if (!installed) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}, and CI and the screenshots command must run the browser test: apt-get install chromium (.ci/run does)`,
      )
    }
    if (SCREENSHOTS !== undefined) {
      // A refresh replaces the set: a page no longer pictured leaves no stale picture behind.
      await mkdir(SCREENSHOTS, { recursive: true })
      for (const name of await readdir(SCREENSHOTS)) {
        if (name.endsWith('.png')) await rm(join(SCREENSHOTS, name))
      }
    }
    ;[example, browser] = await Promise.all([
      startExample({ port: 0, clock: () => new Date(Date.now() + clockAhead) }),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ])
  })

  afterAll(async () => {
    // Either may be missing when the setup failed half-way.
    await (browser as Browser | undefined)?.close()
    await (example as RunningExample | undefined)?.close()
  })

  /** A page in a fresh browser context: cookies of its own, as a new browser has. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 800, height: 560 } })
    const page = await context.newPage()
    // Every page the browser receives, also one it leaves at once (a redirect has no page).
    page.on('response', (response) => {
      const request = response.request()
      if (!request.isNavigationRequest() || (response.status() >= 300 && response.status() < 400)) {
        return
      }
      checks.push(
        response.text().then(
          (body) => {
            documents.push({ url: request.url(), leak: leakIn(body) })
          },
          () => undefined, // the page moved on before its body was read; `see` checks what stays
        ),
      )
    })
    return page
  }

  /** Checks the page in view shows no stack trace or path, and takes its picture if named. */
  async function see(page: Page, shot?: string): Promise<void> {
    await page.waitForLoadState()
    const html = await page.content()
    expect(leakIn(html), `${page.url()} shows a stack trace or a path`).toBeUndefined()
    if (shot !== undefined && SCREENSHOTS !== undefined) {
      await page.screenshot({ path: join(SCREENSHOTS, `${shot}.png`) })
    }
  }

  const heading = (page: Page) => page.locator('h1').innerText()
  const who = (page: Page) => page.locator('#who').innerText()
  const listed = (page: Page, id: string) => page.locator(`#${id} li`).allInnerTexts()

  /** Walks the provider's login and consent pages as `sub`, whichever of them it shows. */
  async function signInAtProvider(page: Page, sub: string, shot?: string): Promise<void> {
    await page.locator('input[name="login"]').waitFor()
    await see(page, shot === undefined ? undefined : `${shot}-login`)
    await page.locator('input[name="login"]').fill(sub)
    await page.locator('input[name="password"]').fill('any password')
    await page.getByRole('button', { name: 'Sign-in' }).click()
    // The consent page on a first sign-in to this app; straight back to the app after that.
    const consent = page.getByRole('button', { name: 'Continue' })
    await consent.or(page.locator('#who')).first().waitFor()
    if (await consent.isVisible()) {
      await see(page, shot === undefined ? undefined : `${shot}-consent`)
      await consent.click()
    }
    await page.locator('#who').waitFor()
  }

  /**
   * Follows a link that signs in while the provider's session lasts: only redirects (no page of
   * the provider's) until the app's page loads.
   */
  async function signInAgain(page: Page, link = 'Log in again'): Promise<void> {
    const loaded = page.waitForEvent('load')
    await page.getByRole('link', { name: link, exact: true }).click()
    await loaded
    await page.locator('#who').waitFor()
  }

  let alice: Page
  let usedCallback = ''

  it("alice signs in through the provider's login and consent pages and sees her groups", async () => {
    alice = await newPage()
    alice.on('request', (request) => {
      if (request.url().startsWith(`${example.baseUrl}/callback?`)) usedCallback = request.url()
    })
    await alice.goto(example.baseUrl)
    await see(alice, '01-home-signed-out')
    expect(await who(alice)).toBe('Not signed in')
    await alice.getByRole('link', { name: 'Log in', exact: true }).click()
    await signInAtProvider(alice, 'alice', '02-provider')
    expect(new URL(alice.url()).pathname).toBe('/')
    await see(alice, '03-home-alice')
    expect(await who(alice)).toBe('Signed in as alice')
    expect(await listed(alice, 'groups')).toEqual(['admins', 'engineering'])
    expect(await alice.locator('#unmatched').count()).toBe(0)
    expect(usedCallback).toContain('code=')
  })

  it("her groups changed on the provider's groups page reach the app at her next sign-in", async () => {
    await alice.getByRole('link', { name: 'Change groups at the provider' }).click()
    await see(alice, '04-provider-groups')
    const saveAlice = async (groups: string): Promise<void> => {
      await alice.getByLabel('Groups of alice').fill(groups)
      await alice.getByRole('button', { name: 'Save the groups of alice' }).click()
      await alice.locator('[role=status]').waitFor()
    }
    await saveAlice('engineering\nmarketing')
    expect(await alice.locator('[role=status]').innerText()).toContain(
      'alice now has engineering, marketing',
    )
    await see(alice, '05-provider-groups-saved')

    await alice.goto(example.baseUrl)
    // Not synced yet: the app shows what it holds until the next sign-in.
    expect(await listed(alice, 'groups')).toEqual(['admins', 'engineering'])
    await signInAgain(alice)
    await see(alice, '06-home-alice-changed')
    expect(await listed(alice, 'groups')).toEqual(['engineering'])
    expect(await listed(alice, 'unmatched')).toEqual(['marketing'])

    await alice.goto(example.provider.groupsPage)
    await saveAlice('')
    await alice.goto(example.baseUrl)
    await signInAgain(alice)
    await see(alice, '07-home-no-groups')
    expect(await alice.locator('#groups').innerText()).toBe('none')

    await alice.goto(example.provider.groupsPage)
    await saveAlice('admins\nengineering')
    await alice.goto(example.baseUrl)
    await signInAgain(alice)
    expect(await listed(alice, 'groups')).toEqual(['admins', 'engineering'])
  })

  it('/admin lets her in while her last sync is fresh, refuses her once it is too old, and a sign-in from there returns to /admin', async () => {
    await alice.goto(`${example.baseUrl}/admin`)
    await see(alice, '08-admin')
    expect(await heading(alice)).toBe('Admin')

    clockAhead += 9 * HOUR // past the example's 8-hour limit, without waiting for it
    await alice.reload()
    await see(alice, '09-admin-sync-too-old')
    expect(await heading(alice)).toBe('Log in again')
    expect(await alice.locator('.failure').innerText()).toContain(
      'last synced 9 h ago, longer than the 8 h this page allows',
    )
    await signInAgain(alice)
    expect(new URL(alice.url()).pathname).toBe('/admin')
    expect(await heading(alice)).toBe('Admin')
  })

  it('a sign-in started from /admin in a new browser returns there; bob, without admins, is told why', async () => {
    const bob = await newPage()
    await bob.goto(`${example.baseUrl}/admin`)
    await signInAtProvider(bob, 'bob')
    expect(new URL(bob.url()).pathname).toBe('/admin')
    await see(bob, '10-admin-forbidden')
    expect(await heading(bob)).toBe('Forbidden')
    expect(await bob.locator('.failure').innerText()).toContain('needs the group admins in acme')

    await bob.goto(example.baseUrl)
    await see(bob, '11-home-bob')
    expect(await listed(bob, 'groups')).toEqual(['engineering'])
    expect(await listed(bob, 'unmatched')).toEqual(['marketing'])
    await bob.context().close()
  })

  it('cancelling at the provider ends on a page that says so and offers to try again', async () => {
    const page = await newPage()
    await page.goto(`${example.baseUrl}/login`)
    await page.locator('input[name="login"]').waitFor()
    await page.getByRole('link', { name: 'Cancel' }).click()
    await page.waitForURL((url) => url.origin === example.baseUrl)
    await see(page, '12-sign-in-cancelled')
    expect(await heading(page)).toBe('Sign-in cancelled')
    expect(await who(page)).toBe('Not signed in')
    await page.getByRole('link', { name: 'Try again' }).click()
    await page.locator('input[name="login"]').waitFor()
    await see(page)
    await page.context().close()
  })

  it('a used callback URL, opened again, says what is true: signed in, or no sign-in in progress, or not this sign-in', async () => {
    await alice.goto(usedCallback)
    await see(alice, '13-callback-again-signed-in')
    expect(await heading(alice)).toBe('Already signed in')
    expect(await who(alice)).toBe('Signed in as alice')

    const other = await newPage()
    const response = await other.goto(usedCallback)
    expect(response?.status()).toBe(400)
    await see(other, '14-callback-again-signed-out')
    expect(await heading(other)).toBe('No sign-in in progress')
    expect(await who(other)).toBe('Not signed in')

    // With a sign-in of its own in progress, the old callback does not match it.
    await other.goto(`${example.baseUrl}/login`)
    await other.locator('input[name="login"]').waitFor()
    await other.goto(usedCallback)
    await see(other)
    expect(await heading(other)).toBe('Sign-in failed')
    expect(await other.locator('.failure').innerText()).toContain(
      'does not belong to the sign-in this browser started',
    )
    expect(await who(other)).toBe('Not signed in')
    await other.context().close()
  })

  it('a callback whose state was changed on the way is refused; trying again signs in', async () => {
    const page = await newPage()
    // The consent form's answer redirects, through the provider, to the app's callback: follow
    // those redirects here (a route sees only the first request of a chain) and send the browser
    // to the callback with its state changed on the way.
    await page.route(
      (url) => url.origin === example.provider.issuer,
      async (route) => {
        if (route.request().postData()?.includes('prompt=consent') !== true) {
          await route.fallback()
          return
        }
        let response = await route.fetch({ maxRedirects: 0 })
        let location = response.headers()['location'] ?? ''
        while (location.startsWith(example.provider.issuer) || location.startsWith('/')) {
          response = await page.request.get(new URL(location, example.provider.issuer).href, {
            maxRedirects: 0,
          })
          location = response.headers()['location'] ?? ''
        }
        const changed = new URL(location)
        expect(changed.pathname).toBe('/callback')
        changed.searchParams.set('state', 'changed-on-the-way')
        await route.fulfill({ status: 303, headers: { location: changed.href } })
      },
    )
    await page.goto(`${example.baseUrl}/login`)
    await signInAtProvider(page, 'alice')
    await see(page, '15-sign-in-state-changed')
    expect(await heading(page)).toBe('Sign-in failed')
    expect(await who(page)).toBe('Not signed in')

    await page.unrouteAll()
    await signInAgain(page, 'Try again')
    expect(await who(page)).toBe('Signed in as alice')
    await page.context().close()
  })

  it('log out ends the session here and at the provider', async () => {
    await alice.goto(example.baseUrl)
    await alice.getByRole('button', { name: 'Log out' }).click()
    await alice.getByRole('button', { name: 'Yes, sign me out' }).waitFor()
    await see(alice, '16-provider-sign-out')
    await alice.getByRole('button', { name: 'Yes, sign me out' }).click()
    await alice.waitForURL(`${example.baseUrl}/signed-out`)
    await see(alice, '17-signed-out')
    expect(await heading(alice)).toBe('Signed out')
    expect(await who(alice)).toBe('Not signed in')

    // The provider's session ended too: the next sign-in asks for a name again.
    await alice.goto(`${example.baseUrl}/admin`)
    await alice.locator('input[name="login"]').waitFor()
    await alice.goto(`${example.baseUrl}/no-such-page`)
    await see(alice, '18-page-not-found')
    expect(await heading(alice)).toBe('Page not found')
  })

  it('no page the browser received showed a stack trace or a server path', async () => {
    await Promise.all(checks)
    expect(documents.length).toBeGreaterThan(25)
    expect(documents.filter((d) => d.leak !== undefined)).toEqual([])
  })
})
