import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose'

/** A signing key made by the test, with its public JWK. */
export interface TestKey {
  readonly kid: string
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly jwks: JSONWebKeySet
}

/** A fresh key pair (ES256 by default: fast to make and to sign with). */
export async function makeKey(kid: string, alg = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg)
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { kid, alg, privateKey, jwks: { keys: [jwk] } }
}

export const ISSUER = 'https://idp.test'
export const CLIENT_ID = 'client-1'

/** Claims of a valid ID token for `CLIENT_ID` from `ISSUER`, issued now, valid 10 minutes. */
export function idTokenClaims(extra: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000)
  return { iss: ISSUER, aud: CLIENT_ID, sub: 'user-1', iat: now, exp: now + 600, ...extra }
}

/** Signs `payload` with `key` (header `alg` and `kid` from the key unless overridden). */
export function sign(
  payload: JWTPayload,
  key: TestKey,
  header: { readonly kid?: string; readonly alg?: string } = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: header.alg ?? key.alg, kid: header.kid ?? key.kid })
    .sign(key.privateKey)
}

/** An unsecured (`alg: none`) JWT made by jose. */
export const unsecured = (payload: JWTPayload): string => new UnsecuredJWT(payload).encode()
