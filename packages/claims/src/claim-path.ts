import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
import { ClaimsError } from './claims-error.js'
import { quoted } from './internal/json.js'

/**
 * A parsed claim path: the property names (or array indexes) from the claims object down to the
 * groups claim. `['realm_access', 'roles']` for `realm_access.roles`.
 */
export type ClaimPath = readonly string[]

/** The error of a claim path that does not parse: at the `path` option, with the path as given. */
const invalid = (path: string, why: string): Either<ClaimsError, never> =>
  left(
    new ClaimsError(
      'CLAIM_PATH_INVALID',
      `The claim path ${quoted(path)} is invalid: ${why}. Use a claim name, a dotted path with "\\." for a literal dot, or a JSON Pointer ("/a~1b").`,
      { path: '/path', value: path },
    ),
  )

function parseJsonPointer(path: string): Either<ClaimsError, ClaimPath> {
  const segments: string[] = []
  for (const raw of path.slice(1).split('/')) {
    if (/~(?![01])/.test(raw))
      return invalid(path, 'in a JSON Pointer "~" must be followed by 0 or 1')
    segments.push(raw.replaceAll('~1', '/').replaceAll('~0', '~'))
  }
  return right(segments)
}

const DOTTED_ESCAPES = new Set(['.', '\\', '/'])

function parseDotted(path: string): Either<ClaimsError, ClaimPath> {
  const segments: string[] = []
  let current = ''
  for (let i = 0; i < path.length; i += 1) {
    const char = path.charAt(i)
    if (char === '\\') {
      const next = path.charAt(i + 1)
      if (!DOTTED_ESCAPES.has(next)) {
        return invalid(path, `"\\" at ${i} must be followed by ".", "\\" or "/"`)
      }
      current += next
      i += 1
    } else if (char === '.') {
      if (current === '') return invalid(path, `empty name before the "." at ${i}`)
      segments.push(current)
      current = ''
    } else {
      current += char
    }
  }
  if (current === '') return invalid(path, 'it ends with "." or is empty')
  segments.push(current)
  return right(segments)
}

/**
 * Parses a claim path: a JSON Pointer (RFC 6901) when it starts with `/`, otherwise a dotted
 * path whose names are separated by `.`, with `\.`, `\\` and `\/` for a literal dot, backslash
 * and slash. A flat claim name is a dotted path of one name.
 *
 * @example
 * ```ts
 * parseClaimPath('realm_access.roles')            // right(['realm_access', 'roles'])
 * parseClaimPath('/https:~1~1example.com~1groups') // right(['https://example.com/groups'])
 * parseClaimPath('a..b')                          // left(CLAIM_PATH_INVALID)
 * ```
 */
export function parseClaimPath(path: string): Either<ClaimsError, ClaimPath> {
  const given: unknown = path
  if (typeof given !== 'string' || given === '') {
    return invalid(
      typeof given === 'string' ? given : `(${typeof given})`,
      'it must be a non-empty string',
    )
  }
  return path.startsWith('/') ? parseJsonPointer(path) : parseDotted(path)
}

/**
 * Writes a claim path as a JSON Pointer (RFC 6901); every path has one.
 *
 * @example
 * ```ts
 * formatJsonPointer(['https://example.com/groups']) // '/https:~1~1example.com~1groups'
 * ```
 */
export function formatJsonPointer(path: ClaimPath): string {
  return path.map((name) => `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')
}

/**
 * Writes a claim path as a dotted path, escaping `.` and `\` (and a leading `/`, which would
 * otherwise start a JSON Pointer); `undefined` when a name is empty or there is none, which
 * only a JSON Pointer can say.
 *
 * @example
 * ```ts
 * formatDottedPath(['realm_access', 'roles']) // 'realm_access.roles'
 * formatDottedPath(['a.b'])                    // 'a\\.b'
 * ```
 */
export function formatDottedPath(path: ClaimPath): string | undefined {
  if (path.length === 0 || path.includes('')) return undefined
  const dotted = path.map((name) => name.replace(/[\\.]/g, '\\$&')).join('.')
  return dotted.startsWith('/') ? `\\${dotted}` : dotted
}
