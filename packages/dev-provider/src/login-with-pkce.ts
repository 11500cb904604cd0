import * as client from 'openid-client'
import type { DevProvider } from './dev-provider.js'
import { CookieJar } from './internal/cookie-jar.js'

/** What a login through {@link loginWithPkce} hands the application. */
export interface LoginResult {
  /** The compact ID token, as the provider signed it. */
  readonly idToken: string
  /** The access token, for the userinfo endpoint. */
  readonly accessToken: string
  /** The userinfo response (its `sub` already checked against the ID token's by openid-client). */
  readonly userinfo: Record<string, unknown>
  /** The ID token's claims, verified by openid-client. */
  readonly claims: Record<string, unknown>
}

const MAX_STEPS = 10

const PROMPT = /name="prompt" value="(login|consent)"/

async function step(jar: CookieJar, url: URL, form?: URLSearchParams): Promise<Response> {
  const headers: Record<string, string> = { cookie: jar.header(url) }
  const response = await fetch(url, {
    method: form === undefined ? 'GET' : 'POST',
    headers,
    redirect: 'manual',
    ...(form === undefined ? {} : { body: form }),
  })
  jar.store(response)
  return response
}

async function unexpected(response: Response, url: URL): Promise<Error> {
  const body = (await response.text()).slice(0, 500)
  return new Error(`dev login: unexpected ${response.status} from ${url.pathname}: ${body}`)
}

/**
 * Walks the development login and consent pages like a browser with a cookie jar, from the
 * authorization URL to the redirect back to the client, and returns the URL it lands on: the
 * application's callback with `code` and `state`. For an application that builds its own
 * authorization request (an end-to-end test of its login); {@link loginWithPkce} uses it too.
 *
 * @example
 * ```ts
 * const callback = await authorizeAtDevProvider(new URL(appLoginRedirect), provider.redirectUri, 'alice')
 * await fetch(callback, { headers: { cookie: sessionCookie } })
 * ```
 */
export async function authorizeAtDevProvider(
  start: URL,
  redirectUri: string,
  sub: string,
): Promise<URL> {
  const jar = new CookieJar()
  let url = start
  for (let i = 0; i < MAX_STEPS; i += 1) {
    const response = await step(jar, url)
    const location = response.headers.get('location')
    if (location !== null) {
      await response.body?.cancel()
      url = new URL(location, url)
      if (url.href.startsWith(redirectUri)) return url
      continue
    }
    const prompt = response.ok ? PROMPT.exec(await response.text())?.[1] : undefined
    if (prompt === undefined) throw await unexpected(response, url)
    const form = new URLSearchParams(
      prompt === 'login' ? { prompt, login: sub, password: 'dev' } : { prompt },
    )
    const submitted = await step(jar, url, form)
    const next = submitted.headers.get('location')
    if (next === null) throw await unexpected(submitted, url)
    await submitted.body?.cancel()
    url = new URL(next, url)
  }
  throw new Error(`dev login: no redirect to ${redirectUri} after ${MAX_STEPS} steps`)
}

/**
 * Logs `sub` in at a {@link DevProvider} through a real authorization code flow with PKCE
 * (S256), state and nonce, driven by `openid-client`: discovery, the authorization request,
 * the development login and consent pages, the code exchange with ID token validation, and the
 * userinfo request.
 *
 * @example
 * ```ts
 * const { idToken, userinfo } = await loginWithPkce(provider, 'alice')
 * ```
 */
export async function loginWithPkce(provider: DevProvider, sub: string): Promise<LoginResult> {
  const config = await client.discovery(
    new URL(provider.issuer),
    provider.clientId,
    undefined,
    client.None(),
    // The dev provider speaks plain HTTP on loopback; that is the one place this is right.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    { execute: [client.allowInsecureRequests] },
  )
  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const expectedState = client.randomState()
  const expectedNonce = client.randomNonce()
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: provider.redirectUri,
    scope: 'openid groups',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
  })

  const callback = await authorizeAtDevProvider(authorizationUrl, provider.redirectUri, sub)
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier,
    expectedState,
    expectedNonce,
    idTokenExpected: true,
  })
  const claims = tokens.claims()
  if (tokens.id_token === undefined || claims === undefined) {
    throw new Error('dev login: the token response carried no ID token')
  }
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
  return {
    idToken: tokens.id_token,
    accessToken: tokens.access_token,
    userinfo: { ...userinfo },
    claims: { ...claims },
  }
}
