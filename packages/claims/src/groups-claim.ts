import type { Either } from 'fp-ts/lib/Either.js'
import { isLeft, left, right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { compareCodeUnits } from '@groupsync/core'
import { formatJsonPointer, parseClaimPath, type ClaimPath } from './claim-path.js'
import { ClaimsError, type ClaimSource } from './claims-error.js'
import {
  applyClaimValueMapping,
  compileClaimValueMapping,
  type ClaimValueMapping,
  type CompiledClaimValueMapping,
} from './claim-value-mapping.js'

/**
 * What a login says about the user's groups, for the sync service to apply its policy to.
 *
 * - `present`: the groups (empty strings dropped and counted) and the source they came from; with a
 *   `valueMapping`, `groups` are the mapped names and `sent` the entries as the provider sent them.
 * - `absent`: no source carries the claim.
 * - `overage`: the provider left the groups out because there are too many and points to where
 *   they are instead (`_claim_names` → `_claim_sources`, OIDC Core 5.6.2, as Microsoft Entra
 *   does); a {@link DistributedClaimsResolver} can fetch them.
 * - `over-limit`: more entries than `maxGroups`, or an entry longer than `maxNameLength` or
 *   holding a NUL character (`index` says which).
 */
export type GroupsClaimState =
  | {
      readonly state: 'present'
      readonly groups: readonly string[]
      readonly source: ClaimSource
      readonly droppedEmpty: number
      /** With a `valueMapping` only: the entries before it, as the provider sent them. */
      readonly sent?: readonly string[]
    }
  | { readonly state: 'absent' }
  | {
      readonly state: 'overage'
      readonly source: ClaimSource
      readonly claimSourceName: string
      readonly endpoint?: string
      readonly accessToken?: string
    }
  | {
      readonly state: 'over-limit'
      readonly source: ClaimSource
      readonly reason: 'too-many' | 'name-too-long' | 'nul-character'
      readonly count: number
      readonly index?: number
    }

/**
 * Where to look for the groups claim: only the ID token, only the userinfo response, or the ID
 * token then userinfo (the first that carries the claim wins).
 */
export type ClaimSources = 'id_token' | 'userinfo' | 'id_token_then_userinfo'

/**
 * The Keycloak full-path normaliser: `off` keeps entries as sent, `leaf` turns `/parent/child`
 * into `child`, `strip-leading-slash` turns it into `parent/child`. Entries without a leading
 * `/` are never changed.
 */
export type KeycloakPathMode = 'off' | 'leaf' | 'strip-leading-slash'

/**
 * How the claim's value holds the entries: `list` (an array of strings, or a string) or
 * `object-keys` (a JSON object whose member names are the entries, as Zitadel's
 * `urn:zitadel:iam:org:project:roles` is keyed by role).
 */
export type ClaimShape = 'list' | 'object-keys'

/** How to find and read the groups claim. Every field is optional. */
export interface GroupsClaimOptions {
  /**
   * Where the claim is: a claim name (`groups`), a dotted path with `\.` for a literal dot
   * (`realm_access.roles`), or a JSON Pointer (`/https:~1~1example.com~1groups`). Default
   * `groups`.
   */
  readonly path?: string
  /** Which sources to read. Default `id_token_then_userinfo`. */
  readonly sources?: ClaimSources
  /** Split a string claim on this delimiter; unset, a string is one group. */
  readonly delimiter?: string
  /** More entries than this is `over-limit`. Default 10,000. */
  readonly maxGroups?: number
  /** An entry longer than this (UTF-16 code units) is `over-limit`. Default 1,024. */
  readonly maxNameLength?: number
  /** The Keycloak full-path normaliser. Default `off`. */
  readonly keycloakPaths?: KeycloakPathMode
  /** How the value holds the entries. Default `list`. */
  readonly shape?: ClaimShape
  /** Opt-in rewriting of the entries before they are matched (filter, strip, DN, aliases). */
  readonly valueMapping?: ClaimValueMapping
}

/** Default maximum number of entries in a groups claim. */
export const DEFAULT_MAX_GROUPS = 10_000
/** Default maximum length of one group name, in UTF-16 code units. */
export const DEFAULT_MAX_NAME_LENGTH = 1_024

const Count = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'Count')
const NonEmptyString = t.refinement(t.string, (s) => s !== '', 'NonEmptyString')
const OptionsCodec = t.partial({
  path: t.string,
  sources: t.keyof({ id_token: null, userinfo: null, id_token_then_userinfo: null }),
  delimiter: NonEmptyString,
  maxGroups: Count,
  maxNameLength: Count,
  keycloakPaths: t.keyof({ off: null, leaf: null, 'strip-leading-slash': null }),
  shape: t.keyof({ list: null, 'object-keys': null }),
  // Checked, with a JSON Pointer to the offending part, by compileClaimValueMapping.
  valueMapping: t.unknown,
})
const StringArray = t.readonlyArray(t.string)

/** Options with their defaults applied and the path parsed. */
export interface ResolvedClaimOptions {
  readonly path: ClaimPath
  readonly sources: ClaimSources
  readonly delimiter: string | undefined
  readonly maxGroups: number
  readonly maxNameLength: number
  readonly keycloakPaths: KeycloakPathMode
  readonly shape: ClaimShape
  /** The compiled `valueMapping`, when there is one. */
  readonly valueMapping: CompiledClaimValueMapping | undefined
}

const inputInvalid = (message: string, path?: string): ClaimsError =>
  new ClaimsError('CLAIMS_INPUT_INVALID', message, path === undefined ? {} : { path })

/** Checks the options and applies their defaults. */
export function resolveClaimOptions(
  options: GroupsClaimOptions = {},
): Either<ClaimsError, ResolvedClaimOptions> {
  // io-ts ignores keys it does not know; a misspelt option (`claimPath` for `path`) would then
  // fall back to a default and read the wrong claim, so unknown keys are refused.
  const given: unknown = options
  if (!isJsonObject(given)) {
    return left(inputInvalid('The groups claim options must be an object.'))
  }
  // Own names only (`constructor` or `__proto__` is unknown, not a property every object has), and
  // of several, the least by code units: JSON members have no order, so every port names the same.
  const unknownKey = Object.keys(options)
    .filter((key) => !Object.hasOwn(OptionsCodec.props, key))
    .sort(compareCodeUnits)[0]
  if (unknownKey !== undefined) {
    return left(
      inputInvalid(
        `The groups claim option "${unknownKey}" is unknown; the options are ${Object.keys(OptionsCodec.props).join(', ')}.`,
        unknownKey,
      ),
    )
  }
  const decoded = OptionsCodec.decode(options)
  if (isLeft(decoded)) {
    const field = decoded.left[0]?.context[1]?.key ?? ''
    return left(
      inputInvalid(
        `The groups claim option "${field}" is invalid: sources is id_token, userinfo or id_token_then_userinfo; keycloakPaths is off, leaf or strip-leading-slash; shape is list or object-keys; delimiter is a non-empty string; maxGroups and maxNameLength are non-negative integers.`,
        field,
      ),
    )
  }
  const path = parseClaimPath(options.path ?? 'groups')
  if (isLeft(path)) return path
  const mapping =
    options.valueMapping === undefined ? undefined : compileClaimValueMapping(options.valueMapping)
  if (mapping !== undefined && isLeft(mapping)) return mapping
  return right({
    path: path.right,
    sources: options.sources ?? 'id_token_then_userinfo',
    delimiter: options.delimiter,
    maxGroups: options.maxGroups ?? DEFAULT_MAX_GROUPS,
    maxNameLength: options.maxNameLength ?? DEFAULT_MAX_NAME_LENGTH,
    keycloakPaths: options.keycloakPaths ?? 'off',
    shape: options.shape ?? 'list',
    valueMapping: mapping?.right,
  })
}

/** True for a JSON object (not null, not an array). */
export const isJsonObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  t.UnknownRecord.is(value)

const jsonType = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/

const child = (container: unknown, name: string): unknown => {
  if (Array.isArray(container)) {
    return ARRAY_INDEX.test(name) ? (container as readonly unknown[])[Number(name)] : undefined
  }
  return isJsonObject(container) && Object.hasOwn(container, name) ? container[name] : undefined
}

const malformed = (
  message: string,
  path: ClaimPath,
  source: ClaimSource,
  value: unknown,
  index?: number,
): ClaimsError =>
  new ClaimsError('GROUPS_CLAIM_MALFORMED', message, {
    path: formatJsonPointer(path),
    source,
    value: jsonType(value),
    ...(index === undefined ? {} : { index }),
  })

/** The value at `path`, `undefined` when a name on the way is missing. */
function lookup(
  root: Readonly<Record<string, unknown>>,
  path: ClaimPath,
  source: ClaimSource,
): Either<ClaimsError, unknown> {
  let value: unknown = root
  for (let depth = 0; depth < path.length; depth += 1) {
    if (depth > 0 && !isJsonObject(value) && !Array.isArray(value)) {
      const at = path.slice(0, depth)
      return left(
        malformed(
          `The ${source} claim at ${formatJsonPointer(at)} is a ${jsonType(value)}, not an object, so the groups claim at ${formatJsonPointer(path)} cannot be in it. Check the claim path.`,
          at,
          source,
          value,
        ),
      )
    }
    value = child(value, path[depth] ?? '')
    if (value === undefined) return right(undefined)
  }
  return right(value)
}

/**
 * The overage marker for the claim (OIDC Core 5.6.2 distributed claims; Microsoft Entra's
 * `hasgroups` too), `undefined` when there is none.
 */
function overage(
  root: Readonly<Record<string, unknown>>,
  path: ClaimPath,
  source: ClaimSource,
): Either<ClaimsError, GroupsClaimState | undefined> {
  const claimName = path[0] ?? ''
  const names = root['_claim_names']
  if (isJsonObject(names) && Object.hasOwn(names, claimName)) {
    const claimSourceName = names[claimName]
    if (typeof claimSourceName !== 'string') {
      return left(
        malformed(
          `The ${source} names a distributed source for "${claimName}" that is a ${jsonType(claimSourceName)}, not a string.`,
          ['_claim_names', claimName],
          source,
          claimSourceName,
        ),
      )
    }
    const sources = root['_claim_sources']
    const entry = isJsonObject(sources) ? child(sources, claimSourceName) : undefined
    const endpoint = child(entry, 'endpoint')
    const accessToken = child(entry, 'access_token')
    return right({
      state: 'overage',
      source,
      claimSourceName,
      ...(typeof endpoint === 'string' ? { endpoint } : {}),
      ...(typeof accessToken === 'string' ? { accessToken } : {}),
    })
  }
  // Entra's implicit flow says only `hasgroups: true` when the user has too many groups.
  if (path.length === 1 && claimName === 'groups' && root['hasgroups'] === true) {
    return right({ state: 'overage', source, claimSourceName: 'hasgroups' })
  }
  return right(undefined)
}

const normalisers: Record<KeycloakPathMode, (entry: string) => string> = {
  off: (entry) => entry,
  leaf: (entry) => (entry.startsWith('/') ? entry.slice(entry.lastIndexOf('/') + 1) : entry),
  'strip-leading-slash': (entry) => (entry.startsWith('/') ? entry.slice(1) : entry),
}

/** The state of a claim value that is there: its shape, limits and empty entries. */
function evaluate(
  value: unknown,
  path: ClaimPath,
  source: ClaimSource,
  options: ResolvedClaimOptions,
): Either<ClaimsError, GroupsClaimState> {
  let entries: readonly string[]
  if (options.shape === 'object-keys') {
    // Zitadel's tokens carry one object keyed by role; its reference documentation shows that
    // object inside an array. Both are read: the entries are the member names of every object.
    const objects: readonly unknown[] = Array.isArray(value) ? value : [value]
    const names = new Set<string>()
    for (let index = 0; index < objects.length; index += 1) {
      const object = objects[index]
      if (!isJsonObject(object)) {
        const inArray = Array.isArray(value)
        return left(
          malformed(
            `The ${source} groups claim at ${formatJsonPointer(path)} ${inArray ? `holds a ${jsonType(object)} at index ${index}` : `is a ${jsonType(value)}`}; with shape object-keys it must be an object keyed by group (or an array of such objects).`,
            path,
            source,
            object,
            inArray ? index : undefined,
          ),
        )
      }
      for (const name of Object.keys(object)) names.add(name)
    }
    // JSON object members have no order (RFC 8259), and JavaScript would put integer-like keys
    // first; sorting by code units gives every port the same list.
    entries = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  } else if (typeof value === 'string') {
    entries = options.delimiter === undefined ? [value] : value.split(options.delimiter)
  } else {
    const decoded = StringArray.decode(value)
    if (isLeft(decoded)) {
      const key = Array.isArray(value) ? decoded.left[0]?.context[1]?.key : undefined
      const index = key === undefined ? undefined : Number(key)
      const offending: unknown = index === undefined ? value : (value as unknown[])[index]
      return left(
        malformed(
          index === undefined
            ? `The ${source} groups claim at ${formatJsonPointer(path)} is a ${jsonType(value)}; it must be an array of strings or a string.`
            : `The ${source} groups claim at ${formatJsonPointer(path)} holds a ${jsonType(offending)} at index ${index}; every entry must be a string.`,
          path,
          source,
          offending,
          index,
        ),
      )
    }
    entries = decoded.right
  }

  const count = entries.length
  if (count > options.maxGroups) {
    return right({ state: 'over-limit', source, reason: 'too-many', count })
  }
  const normalise = normalisers[options.keycloakPaths]
  const groups: string[] = []
  for (let index = 0; index < count; index += 1) {
    const name = normalise(entries[index] ?? '')
    if (name.includes('\u0000')) {
      return right({ state: 'over-limit', source, reason: 'nul-character', count, index })
    }
    if (name.length > options.maxNameLength) {
      return right({ state: 'over-limit', source, reason: 'name-too-long', count, index })
    }
    if (name !== '') groups.push(name)
  }
  const droppedEmpty = count - groups.length
  if (options.valueMapping === undefined) {
    return right({ state: 'present', groups, source, droppedEmpty })
  }
  const mapped = applyClaimValueMapping(groups, options.valueMapping)
  return right({ state: 'present', groups: mapped.groups, source, droppedEmpty, sent: groups })
}

/**
 * Reads the groups claim from one claims object (an ID token's claims, a userinfo response, a
 * distributed claims response): its state, or `undefined` when it carries neither the claim nor
 * an overage marker for it.
 */
export function readGroupsFrom(
  root: Readonly<Record<string, unknown>>,
  source: ClaimSource,
  options: ResolvedClaimOptions,
): Either<ClaimsError, GroupsClaimState | undefined> {
  const value = lookup(root, options.path, source)
  if (isLeft(value)) return value
  if (value.right !== undefined) return evaluate(value.right, options.path, source, options)
  return overage(root, options.path, source)
}

/** Input of {@link extractGroupsClaim}. */
export interface ExtractGroupsClaimInput {
  /** The claims of an ID token that was already verified. */
  readonly idTokenClaims: Readonly<Record<string, unknown>>
  /** The userinfo response body, when the application fetched it. */
  readonly userinfo?: unknown
}

/**
 * Reads the state of the groups claim from the claims of a verified ID token and an optional
 * userinfo response. Pure: no I/O, never throws.
 *
 * When the sources include userinfo and a userinfo body is given, its `sub` must equal the ID
 * token's (OIDC Core 5.3.2), else `USERINFO_SUB_MISMATCH`.
 *
 * @example
 * ```ts
 * extractGroupsClaim({ idTokenClaims: { sub: 'u1', groups: ['dev', 'ops'] } })
 * // right({ state: 'present', groups: ['dev', 'ops'], source: 'id_token', droppedEmpty: 0 })
 * extractGroupsClaim({ idTokenClaims: { sub: 'u1', realm_access: { roles: ['admin'] } } },
 *   { path: 'realm_access.roles' })
 * ```
 */
export function extractGroupsClaim(
  input: ExtractGroupsClaimInput,
  options?: GroupsClaimOptions,
): Either<ClaimsError, GroupsClaimState> {
  const resolved = resolveClaimOptions(options)
  if (isLeft(resolved)) return resolved
  const { sources } = resolved.right
  const claims: unknown = (input as Partial<ExtractGroupsClaimInput> | undefined)?.idTokenClaims
  if (!isJsonObject(claims)) {
    return left(
      inputInvalid(
        'idTokenClaims must be the JSON object of the ID token claims.',
        'idTokenClaims',
      ),
    )
  }
  const userinfo = input.userinfo
  if (userinfo !== undefined && !isJsonObject(userinfo)) {
    return left(
      inputInvalid('userinfo must be the JSON object of the userinfo response.', 'userinfo'),
    )
  }
  if (sources === 'userinfo' && userinfo === undefined) {
    return left(
      inputInvalid(
        'The groups claim is read from userinfo only, and no userinfo was given.',
        'userinfo',
      ),
    )
  }
  if (userinfo !== undefined && sources !== 'id_token') {
    const sub = userinfo['sub']
    if (typeof sub !== 'string' || sub !== claims['sub']) {
      return left(
        new ClaimsError(
          'USERINFO_SUB_MISMATCH',
          'The userinfo response is not for the user of the ID token (its sub differs); refuse the login and fetch userinfo with this login’s access token.',
          { path: '/sub', source: 'userinfo' },
        ),
      )
    }
  }

  const order: readonly (readonly [ClaimSource, Readonly<Record<string, unknown>> | undefined])[] =
    sources === 'id_token'
      ? [['id_token', claims]]
      : sources === 'userinfo'
        ? [['userinfo', userinfo]]
        : [
            ['id_token', claims],
            ['userinfo', userinfo],
          ]
  for (const [source, root] of order) {
    if (root === undefined) continue
    const state = readGroupsFrom(root, source, resolved.right)
    if (isLeft(state) || state.right !== undefined)
      return state as Either<ClaimsError, GroupsClaimState>
  }
  return right({ state: 'absent' })
}
