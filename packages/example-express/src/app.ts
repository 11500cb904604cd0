import type { MembershipStore } from '@groupsync/core'
import {
  createFreshnessGuard,
  createMembershipAdmin,
  isSyncDenial,
  readLastSyncAsync,
  syncOnLogin,
  type FreshnessGuard,
} from '@groupsync/sync'
import express, { type NextFunction, type Request, type Response } from 'express'
import * as client from 'openid-client'
import { loginFailurePage } from './internal/login-failure.js'
import { renderPage, summarizeSync, views, type View } from './internal/pages.js'
import { localPath } from './internal/return-path.js'
import { createSessions, type Session } from './internal/sessions.js'

/** How the example app is wired: its OpenID Provider, its store and its organisation. */
export interface ExampleAppOptions {
  /** The provider's issuer URL; discovery runs against it. */
  readonly issuer: string
  /** The app's client id at the provider (a public client using PKCE). */
  readonly clientId: string
  /**
   * The app's own base URL, e.g. `http://127.0.0.1:3000`. The provider must have registered
   * `<baseUrl>/callback` as a redirect URI and, for logout at the provider too,
   * `<baseUrl>/signed-out` as a post-logout redirect URI.
   */
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
  /** A page where a person changes a user's groups at the provider, linked from the home page. */
  readonly providerGroupsPage?: string
}

/**
 * The example application: Express with openid-client's authorization code flow (PKCE, state,
 * nonce), `syncOnLogin` in the callback, a page listing the user's groups, an admin page behind a
 * group check and the freshness guard, and log out (at the provider too when it offers it). Every
 * way a sign-in can fail ends on a page that says why and how to try again, never a stack trace.
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
  const signedOutUri = `${options.baseUrl}/signed-out`
  const { store, orgId, adminGroup } = options
  const admin = createMembershipAdmin({ store })
  const guard: FreshnessGuard = createFreshnessGuard({ maxAgeMs: options.maxSyncAgeMs })
  const sessions = createSessions()
  const clock = options.clock ?? (() => new Date())

  const groupNames = async (userId: string): Promise<string[]> => {
    const groups = await admin.listGroups(orgId)()
    if (groups._tag === 'Left') throw groups.left
    const byId = new Map(groups.right.map((g) => [g.id, g.name]))
    const memberships = await store.listUserMemberships(orgId, userId)
    return memberships.map((m) => byId.get(m.groupId) ?? m.groupId).sort()
  }
  const show = (res: Response, s: Session, view: View): void => {
    res.status(view.status).send(renderPage(view, s.userId))
  }
  const loginLink = (returnTo: string): string =>
    returnTo === '/' ? '/login' : `/login?returnTo=${encodeURIComponent(returnTo)}`

  const app = express()
  app.disable('x-powered-by')

  app.get('/', async (req, res) => {
    const s = sessions.get(req, res)
    if (s.userId === undefined) {
      show(res, s, views.signedOutHome())
      return
    }
    const groups = await groupNames(s.userId)
    const { providerGroupsPage } = options
    show(
      res,
      s,
      views.home({ orgId, adminGroup, groups, lastSync: s.lastSync, providerGroupsPage }),
    )
  })

  app.get('/login', async (req, res) => {
    const s = sessions.get(req, res)
    const verifier = client.randomPKCECodeVerifier()
    const returnTo = localPath(req.query['returnTo'], options.baseUrl) ?? '/'
    s.oidc = { verifier, state: client.randomState(), nonce: client.randomNonce(), returnTo }
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
    const s = sessions.get(req, res)
    const pending = s.oidc
    delete s.oidc // one callback per sign-in: a reload must not exchange the code again
    if (pending === undefined) {
      show(
        res,
        s,
        s.userId === undefined ? views.noSignInInProgress() : views.alreadySignedIn(s.userId),
      )
      return
    }
    const retry = loginLink(pending.returnTo)
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>
    try {
      // openid-client exchanges the code and validates the ID token (signature, iss, aud, exp,
      // nonce), the state and the PKCE verifier.
      tokens = await client.authorizationCodeGrant(
        config,
        new URL(req.originalUrl, options.baseUrl),
        {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        },
      )
    } catch (error) {
      const page = loginFailurePage(error, retry)
      if (page === undefined) throw error
      show(res, s, page)
      return
    }
    const claims = tokens.claims()
    // Unreachable: idTokenExpected made openid-client refuse a response without an ID token.
    if (claims === undefined) throw new Error('the token response carried no ID token')
    const userId = claims.sub
    // The token's claims are verified already, so they are passed as claims: no second check.
    const synced = await syncOnLogin({ orgId, userId, claims: { ...claims } }, { store, clock })()
    if (synced._tag === 'Left' && !isSyncDenial(synced.left)) {
      // Not a refusal of this login's claim but a failure to read or write (a store outage):
      // worth a retry, and no sign-in on groups that could not be read.
      show(res, s, views.syncFailed(synced.left.code, retry))
      return
    }
    // A denial left the memberships as they were and is in the audit log: this app lets the user
    // in with those, and says so.
    s.lastSync =
      synced._tag === 'Left'
        ? {
            notice: `Your groups were not updated at this sign-in: ${synced.left.message} (${synced.left.code})`,
            unmatched: [],
          }
        : summarizeSync(synced.right, orgId)
    s.userId = userId
    if (tokens.id_token !== undefined) s.idToken = tokens.id_token
    res.redirect(pending.returnTo)
  })

  // Group-based access: the group must be held, and the last sync must be recent enough that a
  // removal at the provider would have reached the app (the freshness guard).
  app.get('/admin', async (req, res) => {
    const s = sessions.get(req, res)
    const retry = loginLink('/admin')
    if (s.userId === undefined) {
      res.redirect(retry)
      return
    }
    const freshness = guard.check(await readLastSyncAsync(store, orgId, s.userId), clock())
    if (freshness.status !== 'fresh') {
      show(res, s, views.syncTooOld(freshness, guard.limits.maxAgeMs, retry))
    } else if (!(await groupNames(s.userId)).includes(adminGroup)) {
      show(res, s, views.forbidden(adminGroup, orgId, retry))
    } else {
      show(res, s, views.admin())
    }
  })

  app.get('/logout', (req, res) => {
    const s = sessions.get(req, res)
    if (s.userId === undefined) res.redirect('/signed-out')
    else show(res, s, views.logout(s.userId))
  })

  // A POST, so that another site cannot log a user out with a link (and SameSite=Lax keeps the
  // cookie off a cross-site form post). The provider's end-session endpoint, when it has one,
  // ends the provider's session too, else the next login would go through without a password.
  app.post('/logout', (req, res) => {
    const idToken = sessions.get(req, res).idToken
    sessions.end(req, res)
    res.redirect(
      303,
      config.serverMetadata().end_session_endpoint === undefined
        ? '/signed-out'
        : client.buildEndSessionUrl(config, {
            post_logout_redirect_uri: signedOutUri,
            ...(idToken === undefined ? {} : { id_token_hint: idToken }),
          }).href,
    )
  })

  app.get('/signed-out', (req, res) => {
    const s = sessions.get(req, res)
    if (s.userId === undefined) show(res, s, views.signedOut())
    else res.redirect('/')
  })

  app.use((req: Request, res: Response) => {
    show(res, sessions.get(req, res), views.notFound())
  })

  // Anything else that went wrong: logged for the operator in full, and a plain sentence for the
  // person, never the error itself (Express's own handler would show its stack and file paths).
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error)
      return
    }
    console.error(`example: ${req.method} ${req.path} failed`, error)
    show(res, sessions.get(req, res), views.unexpected())
  })

  return app
}
