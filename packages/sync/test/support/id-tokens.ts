import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import type { IdTokenVerification } from '@groupsync/claims'

/** A test issuer with its own freshly generated signing key, signing real ID tokens. */
export interface TestIssuer {
  readonly verification: IdTokenVerification
  /** Signs an ID token for `sub` with the given extra claims. */
  readonly sign: (sub: string, claims?: Record<string, unknown>) => Promise<string>
  /** Signs with a key the verification does not know (a forged token). */
  readonly forge: (sub: string, claims?: Record<string, unknown>) => Promise<string>
}

const ISSUER = 'https://idp.example.test'
const AUDIENCE = 'groupsync-app'

async function signer(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }
  const sign = (sub: string, claims: Record<string, unknown> = {}): Promise<string> =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey)
  return { jwk, sign }
}

/** Makes a {@link TestIssuer}: ES256 keys generated here, a local JWKS. */
export async function makeTestIssuer(): Promise<TestIssuer> {
  const good = await signer('test-key')
  const forged = await signer('test-key')
  return {
    verification: {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [good.jwk] },
      algorithms: ['ES256'],
    },
    sign: good.sign,
    forge: forged.sign,
  }
}
