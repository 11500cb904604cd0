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

/** Deepest nesting of a login digested in full (the ID token claims object is level 1). */
export const MAX_DIGEST_DEPTH = 64
/** Most JSON values (every object, array, string, number, …) of a login digested in full. */
export const MAX_DIGEST_VALUES = 100_000

/**
 * Whether a value nests no deeper than {@link MAX_DIGEST_DEPTH} and holds no more than
 * {@link MAX_DIGEST_VALUES} values. Iterative, and it stops at the first container that would go
 * over, so a hostile payload costs at most one pass over that container's members.
 */
function withinDigestBounds(root: unknown): boolean {
  let values = 0
  const stack: (readonly [unknown, number])[] = [[root, 0]]
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [value, depth] = top
    values += 1
    if (value === null || typeof value !== 'object') continue
    if (depth >= MAX_DIGEST_DEPTH) return false
    if (Array.isArray(value)) {
      if (values + stack.length + value.length > MAX_DIGEST_VALUES) return false
      for (const child of value as readonly unknown[]) stack.push([child, depth + 1])
      continue
    }
    // The names first, which is the cheaper enumeration of a huge object: no value is read
    // from an object that is over the bound anyway.
    const names = Object.keys(value)
    if (values + stack.length + names.length > MAX_DIGEST_VALUES) return false
    const record = value as Readonly<Record<string, unknown>>
    for (const name of names) stack.push([record[name], depth + 1])
  }
  return true
}

/** The digest of a present claim: SHA-256 of the JSON array of its entries, in claim order. */
export const digestGroups = (groups: readonly string[]): string => sha256Hex(JSON.stringify(groups))

/**
 * The digest of a login whose claim named no usable groups: SHA-256 of the canonical JSON of the
 * verified ID token claims and the userinfo body. Identifies the login without storing it.
 *
 * A login nested deeper than {@link MAX_DIGEST_DEPTH} or holding more than
 * {@link MAX_DIGEST_VALUES} values is not serialised (that would take unbounded time and stack,
 * and turn a denial into a crash): its digest is that of
 * `{"iat": <iat>, "iss": <iss>, "oversized": true, "sub": <sub>}` from the ID token claims, each
 * `null` unless a number (`iat`) or a string.
 */
export function digestLoginClaims(
  idTokenClaims: Readonly<Record<string, unknown>>,
  userinfo: unknown,
): string {
  const login = { id_token: idTokenClaims, userinfo: userinfo ?? null }
  if (withinDigestBounds(login)) return sha256Hex(canonicalJson(login))
  const { iss, sub, iat } = idTokenClaims
  return sha256Hex(
    canonicalJson({
      iat: typeof iat === 'number' ? iat : null,
      iss: typeof iss === 'string' ? iss : null,
      oversized: true,
      sub: typeof sub === 'string' ? sub : null,
    }),
  )
}
