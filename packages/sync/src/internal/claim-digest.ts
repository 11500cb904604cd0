import { createHash } from 'node:crypto'
import { compareCodeUnits } from '@groupsync/core'

/** `JSON.stringify` as it really is: undefined for undefined, functions and symbols. */
const stringify = JSON.stringify as (value: unknown) => string | undefined

/**
 * JSON with object keys sorted by code units at every depth, so equal claims give equal text
 * whatever order the provider serialised them in. `undefined` members are left out, as
 * `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareCodeUnits(a, b))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
    return `{${entries.join(',')}}`
  }
  // JSON.stringify gives undefined for undefined, functions and symbols: write them as null
  return stringify(value) ?? 'null'
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/** The digest of a present claim: SHA-256 of the JSON array of its entries, in claim order. */
export const digestGroups = (groups: readonly string[]): string => sha256Hex(JSON.stringify(groups))

/**
 * The digest of a login whose claim named no usable groups: SHA-256 of the canonical JSON of the
 * verified ID token claims and the userinfo body. Identifies the login without storing it.
 */
export const digestLoginClaims = (
  idTokenClaims: Readonly<Record<string, unknown>>,
  userinfo: unknown,
): string => sha256Hex(canonicalJson({ id_token: idTokenClaims, userinfo: userinfo ?? null }))
