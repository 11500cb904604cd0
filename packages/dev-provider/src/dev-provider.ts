import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import type { Account, Configuration } from 'oidc-provider'
import {
  GROUPS_PAGE_PATH,
  loggedOutPage,
  logoutPage,
  serveGroupsPage,
} from './internal/dev-pages.js'
import { quietly } from './internal/quietly.js'

/**
 * Claims shaped like another provider's, for one account: what its ID token and its userinfo
 * response carry besides `sub`, exactly as given — arrays, bare strings, objects keyed by role,
 * `_claim_names`/`_claim_sources` overage markers, namespaced or `urn:` claim names.
 */
export interface ShapedClaims {
  readonly idToken?: Readonly<Record<string, unknown>>
  readonly userinfo?: Readonly<Record<string, unknown>>
}

/** How to start a {@link DevProvider}. */
export interface DevProviderOptions {
  /**
   * The accounts that can log in, by `sub`, with their groups. A `sub` not listed here can log in
   * too, and gets no groups claim at all (the "absent" case).
   */
  readonly accounts: Readonly<Record<string, readonly string[]>>
  /**
   * Where the groups go: `id_token` (the ID token and userinfo both carry them, as with
   * `conformIdTokenClaims: false`) or `userinfo` (userinfo only, the OIDC default for the
   * authorization code flow). Default `id_token`.
   */
  readonly groupsIn?: 'id_token' | 'userinfo'
  /** The name of the groups claim, released with the `groups` scope. Default `groups`. */
  readonly groupsClaimName?: string
  /**
   * Accounts whose tokens are shaped like another provider's, by `sub`: the ID token and the
   * userinfo response each carry their own claims (with the default `groupsIn: 'id_token'`).
   * Every claim name used here is released with the `groups` scope; an account listed here gets
   * these claims instead of its `accounts` groups.
   */
  readonly shapedClaims?: Readonly<Record<string, ShapedClaims>>
  /** The TCP port on 127.0.0.1; default 0 (an ephemeral port). */
  readonly port?: number
  /** The one registered client's id (a public client using PKCE). Default `groupsync-dev`. */
  readonly clientId?: string
  /** The client's registered redirect URI; never served, only read. Default `http://127.0.0.1/callback`. */
  readonly redirectUri?: string
  /**
   * Where the provider may send the browser back after an RP-initiated logout (its
   * `end_session_endpoint`), registered for the client. Without it, a logout ends on the
   * provider's own "signed out" page.
   */
  readonly postLogoutRedirectUri?: string
}

/** A running development OpenID Provider on loopback. */
export interface DevProvider {
  /** The issuer identifier, `http://127.0.0.1:PORT`. */
  readonly issuer: string
  /** The registered public client's id. */
  readonly clientId: string
  /** The registered client's redirect URI. */
  readonly redirectUri: string
  /** The provider's JWKS endpoint: the keys its ID tokens are signed with. */
  readonly jwksUri: string
  /**
   * The provider's groups page (`<issuer>/dev/groups`), where a person changes an account's groups
   * from a form, without code; the next login carries them.
   */
  readonly groupsPage: string
  /** Changes a user's groups "at the provider"; the next login carries the new list. */
  readonly setGroups: (sub: string, groups: readonly string[]) => void
  /**
   * Changes the shaped claims of an account; the next login carries them. Only claim names that
   * `shapedClaims` used at start are released (others throw).
   */
  readonly setShapedClaims: (sub: string, claims: ShapedClaims) => void
  /** Stops the provider and closes its open connections. */
  readonly close: () => Promise<void>
}

const DEFAULT_CLIENT_ID = 'groupsync-dev'
const DEFAULT_REDIRECT_URI = 'http://127.0.0.1/callback'
const GROUPS_SCOPE = 'groups'
const HOUR = 3600

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })

/**
 * Starts a real OpenID Provider (panva's `oidc-provider`) on 127.0.0.1 with one public client,
 * a `groups` scope and claim, development login and consent pages, and a fresh RS256 signing key.
 * For tests and demos only: any login name is accepted with any password. It prints nothing.
 *
 * @example
 * ```ts
 * const provider = await startDevProvider({ accounts: { alice: ['admins', 'staff'] } })
 * const login = await loginWithPkce(provider, 'alice')
 * login.claims.groups // ['admins', 'staff']
 * await provider.close()
 * ```
 */
export async function startDevProvider(options: DevProviderOptions): Promise<DevProvider> {
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID
  const redirectUri = options.redirectUri ?? DEFAULT_REDIRECT_URI
  const claimName = options.groupsClaimName ?? 'groups'
  const groups = new Map<string, readonly string[]>(
    Object.entries(options.accounts).map(([sub, list]) => [sub, [...list]]),
  )
  const shaped = new Map<string, ShapedClaims>(Object.entries(options.shapedClaims ?? {}))
  const namesOf = (claims: ShapedClaims): string[] =>
    [...Object.keys(claims.idToken ?? {}), ...Object.keys(claims.userinfo ?? {})].filter(
      // oidc-provider releases the overage markers along with the claims they name
      (name) => name !== '_claim_names' && name !== '_claim_sources',
    )
  const releasedNames = new Set([claimName, ...[...shaped.values()].flatMap(namesOf)])

  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: randomUUID(),
    alg: 'RS256',
    use: 'sig',
  }

  const server = createServer()
  const port = await listen(server, options.port ?? 0)
  const issuer = `http://127.0.0.1:${port}`

  const findAccount = (_ctx: unknown, sub: string): Account => ({
    accountId: sub,
    claims: (use: string) => {
      const shapes = shaped.get(sub)
      if (shapes !== undefined) {
        const own = use === 'id_token' ? shapes.idToken : shapes.userinfo
        return { ...structuredClone(own ?? {}), sub }
      }
      const list = groups.get(sub)
      return list === undefined ? { sub } : { sub, [claimName]: [...list] }
    },
  })

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        ...(options.postLogoutRedirectUri === undefined
          ? {}
          : { post_logout_redirect_uris: [options.postLogoutRedirectUri] }),
      },
    ],
    jwks: { keys: [signingKey] },
    claims: { openid: ['sub'], [GROUPS_SCOPE]: [...releasedNames] },
    conformIdTokenClaims: options.groupsIn === 'userinfo',
    findAccount,
    features: {
      devInteractions: { enabled: true },
      // The provider's own logout pages: oidc-provider's defaults print a notice when first drawn
      // and load a web font, and this provider is quiet and works offline.
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.body = logoutPage(form)
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.body = loggedOutPage()
        },
      },
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: {
      AccessToken: HOUR,
      AuthorizationCode: 60,
      IdToken: HOUR,
      Interaction: HOUR,
      Session: HOUR,
      Grant: HOUR,
    },
    clientBasedCORS: () => false,
    renderError: (ctx, out) => {
      ctx.type = 'json'
      ctx.body = out
    },
  }

  // The import and the constructor print development-only notices (and, on Node 20, a runtime
  // notice); a dev provider that exists to be quiet in tests and demos drops exactly those.
  const provider = await quietly(async () => {
    const { default: Provider } = await import('oidc-provider')
    const instance = new Provider(issuer, configuration)
    // Errors are answered to the client as OAuth error responses; Koa need not print them too.
    instance.silent = true
    const handle = instance.callback()
    server.on('request', (request, response) => {
      if (request.url?.split('?')[0] === GROUPS_PAGE_PATH) {
        serveGroupsPage(request, response, issuer, groups).catch(() => response.destroy())
      } else {
        void handle(request, response)
      }
    })
    return instance
  })

  return {
    issuer,
    clientId,
    redirectUri,
    jwksUri: new URL('/jwks', provider.issuer).href,
    groupsPage: `${issuer}${GROUPS_PAGE_PATH}`,
    setGroups: (sub, list) => {
      groups.set(sub, [...list])
    },
    setShapedClaims: (sub, claims) => {
      const unknown = namesOf(claims).find((name) => !releasedNames.has(name))
      if (unknown !== undefined) {
        throw new Error(
          `The claim ${JSON.stringify(unknown)} was not in shapedClaims at start, so the provider does not release it.`,
        )
      }
      shaped.set(sub, structuredClone(claims))
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve()
          else reject(error)
        })
        server.closeAllConnections()
      }),
  }
}
