import { randomBytes } from 'node:crypto'
import type { MembershipStore } from '@groupsync/core'
import {
  createFreshnessGuard,
  createMembershipAdmin,
  isSyncDenial,
  readLastSyncAsync,
  syncOnLogin,
  type FreshnessGuard,
} from '@groupsync/sync'
import express, { type Request, type Response } from 'express'
import * as client from 'openid-client'

/** How the example app is wired: its OpenID Provider, its store and its organisation. */
export interface ExampleAppOptions {
  /** The provider's issuer URL; discovery runs against it. */
  readonly issuer: string
  /** The app's client id at the provider (a public client using PKCE). */
  readonly clientId: string
  /** The app's own base URL, e.g. `http://127.0.0.1:3000`; the callback is `<baseUrl>/callback`. */
  readonly baseUrl: string
  readonly store: MembershipStore
  /** The organisation every login of this app belongs to. */
  readonly orgId: string
  /** The group the `/admin` page requires. */
  readonly adminGroup: string
  /** How old a user's last sync may be for group-based access (the freshness guard). */
  readonly maxSyncAgeMs: number
  /**
   * Whether the provider may be reached over plain HTTP. Only for a development provider on
   * loopback; never in production.
   */
  readonly allowInsecureIssuer?: boolean
  /** The time of a sync and of a freshness check; `() => new Date()` by default. */
  readonly clock?: () => Date
}

/** What the app keeps per browser between requests. */
interface Session {
  oidc?: { readonly verifier: string; readonly state: string; readonly nonce: string }
  userId?: string
  /** A denial or failure of the last login's sync, shown once on the home page. */
  notice?: string
}

const SESSION_COOKIE = 'example.sid'

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`

/**
 * Sessions in memory, keyed by a random cookie: enough for an example (a real app uses its
 * session store).
 */
function sessions() {
  const byId = new Map<string, Session>()
  return (req: Request, res: Response): Session => {
    const cookie = req.headers.cookie
      ?.split(';')
      .map((part) => part.trim().split('='))
      .find(([name]) => name === SESSION_COOKIE)?.[1]
    const existing = cookie === undefined ? undefined : byId.get(cookie)
    if (existing !== undefined) return existing
    const id = randomBytes(24).toString('base64url')
    const session: Session = {}
    byId.set(id, session)
    res.cookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'lax', path: '/' })
    return session
  }
}

/**
 * The example application: Express with openid-client's authorization code flow (PKCE, state,
 * nonce), `syncOnLogin` in the callback, a page listing the user's groups, and an admin page
 * behind a group check and the freshness guard.
 *
 * @example
 * ```ts
 * const app = await createExampleApp({ issuer, clientId, baseUrl, store, orgId: 'acme', adminGroup: 'admins', maxSyncAgeMs: 3_600_000 })
 * app.listen(3000, '127.0.0.1')
 * ```
 */
export async function createExampleApp(options: ExampleAppOptions): Promise<express.Express> {
  const config = await client.discovery(
    new URL(options.issuer),
    options.clientId,
    undefined,
    client.None(),
    options.allowInsecureIssuer === true
      ? // A development provider on loopback speaks plain HTTP; nowhere else is this right.
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        { execute: [client.allowInsecureRequests] }
      : undefined,
  )
  const redirectUri = `${options.baseUrl}/callback`
  const { store, orgId } = options
  const admin = createMembershipAdmin({ store })
  const guard: FreshnessGuard = (() => {
    const made = createFreshnessGuard({ maxAgeMs: options.maxSyncAgeMs })
    if (made._tag === 'Left') throw made.left
    return made.right
  })()
  const session = sessions()
  const clock = options.clock ?? (() => new Date())

  const groupNames = async (userId: string): Promise<string[]> => {
    const groups = await admin.listGroups(orgId)()
    if (groups._tag === 'Left') throw groups.left
    const byId = new Map(groups.right.map((g) => [g.id, g.name]))
    const memberships = await store.listUserMemberships(orgId, userId)
    return memberships.map((m) => byId.get(m.groupId) ?? m.groupId).sort()
  }

  const app = express()
  app.disable('x-powered-by')

  app.get('/', async (req, res) => {
    const s = session(req, res)
    const notice = s.notice === undefined ? '' : `<p role="alert">${escapeHtml(s.notice)}</p>`
    delete s.notice
    if (s.userId === undefined) {
      res.send(page('groupsync example', `${notice}<p><a href="/login">Log in</a></p>`))
      return
    }
    const names = await groupNames(s.userId)
    const items = names.map((n) => `<li>${escapeHtml(n)}</li>`).join('')
    res.send(
      page(
        `Signed in as ${s.userId}`,
        `${notice}<p>Your groups in ${escapeHtml(orgId)}:</p><ul id="groups">${items}</ul>` +
          `<p><a href="/admin">Admin page</a> (needs the group ${escapeHtml(options.adminGroup)})</p>`,
      ),
    )
  })

  app.get('/login', async (req, res) => {
    const s = session(req, res)
    const verifier = client.randomPKCECodeVerifier()
    s.oidc = { verifier, state: client.randomState(), nonce: client.randomNonce() }
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid groups',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: s.oidc.state,
      nonce: s.oidc.nonce,
    })
    res.redirect(url.href)
  })

  app.get('/callback', async (req, res) => {
    const s = session(req, res)
    const pending = s.oidc
    delete s.oidc
    if (pending === undefined) {
      res.status(400).send(page('Login expired', '<p><a href="/login">Log in again</a></p>'))
      return
    }
    // openid-client exchanges the code and validates the ID token (signature, iss, aud, exp,
    // nonce), the state and the PKCE verifier.
    const tokens = await client.authorizationCodeGrant(
      config,
      new URL(req.originalUrl, options.baseUrl),
      {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      },
    )
    const claims = tokens.claims()
    if (claims === undefined) throw new Error('the token response carried no ID token')
    const userId = claims.sub
    // The token's claims are verified already, so they are passed as claims: no second check.
    const synced = await syncOnLogin({ orgId, userId, claims: { ...claims } }, { store, clock })()
    if (synced._tag === 'Left') {
      const error = synced.left
      // A denial left the memberships as they were and is in the audit log: this app lets the
      // user in with those. Anything else (a store outage) is worth a retry.
      if (!isSyncDenial(error)) {
        res.status(503).send(page('Please try again in a moment', `<p>${error.code}</p>`))
        return
      }
      s.notice = `Your groups were not updated: ${error.code}.`
    }
    s.userId = userId
    res.redirect('/')
  })

  // Group-based access: the group must be held, and the last sync must be recent enough that a
  // removal at the provider would have reached the app (the freshness guard).
  app.get('/admin', async (req, res) => {
    const s = session(req, res)
    if (s.userId === undefined) {
      res.redirect('/login')
      return
    }
    const freshness = guard.check(await readLastSyncAsync(store, orgId, s.userId), clock())
    if (freshness.status !== 'fresh') {
      res
        .status(403)
        .send(
          page(
            'Log in again',
            `<p>Your groups were last synced too long ago (${freshness.status}); <a href="/login">log in again</a> to refresh them.</p>`,
          ),
        )
      return
    }
    if (!(await groupNames(s.userId)).includes(options.adminGroup)) {
      res
        .status(403)
        .send(
          page('Forbidden', `<p>This page needs the group ${escapeHtml(options.adminGroup)}.</p>`),
        )
      return
    }
    res.send(page('Admin', '<p>Welcome, administrator.</p>'))
  })

  return app
}
