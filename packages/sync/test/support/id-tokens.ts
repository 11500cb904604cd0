import { CompactSign, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'
import type { IdTokenVerification } from '@groupsync/claims'

/** A test issuer with its own freshly generated signing key, signing real ID tokens. */
export interface TestIssuer {
  readonly verification: IdTokenVerification
  /** Signs an ID token for `sub` with the given extra claims. */
  readonly sign: (sub: string, claims?: Record<string, unknown>) => Promise<string>
  /** Signs with a key the verification does not know (a forged token). */
  readonly forge: (sub: string, claims?: Record<string, unknown>) => Promise<string>
  /**
   * Signs exactly `payload` with the issuer's key, adding nothing (no iss, aud, sub, iat or exp
   * unless given): for tokens with chosen times, signed userinfo and claim-source answers.
   */
  readonly signRaw: (payload: Record<string, unknown>) => Promise<string>
  /** Signs a payload given as JSON text (one too deep for JSON.stringify, say). */
  readonly signText: (payloadJson: string) => Promise<string>
  /** The issuer and the client id the verification expects. */
  readonly issuer: string
  readonly audience: string
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
  const signRaw = (payload: Record<string, unknown>): Promise<string> =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey)
  const signText = (payloadJson: string): Promise<string> =>
    new CompactSign(new TextEncoder().encode(payloadJson))
      .setProtectedHeader({ alg: 'ES256', kid })
      .sign(privateKey)
  return { jwk, sign, signRaw, signText }
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
    signRaw: good.signRaw,
    signText: good.signText,
    issuer: ISSUER,
    audience: AUDIENCE,
  }
}
