import { compareCodeUnits } from '@groupsync/core'
import type { Either } from 'fp-ts/lib/Either.js'
import { isLeft, left, right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { formatJsonPointer, type ClaimPath } from './claim-path.js'
import { applyClaimValueMapping } from './claim-value-mapping.js'
import { ClaimsError, type ClaimSource } from './claims-error.js'
import type { KeycloakPathMode, ResolvedClaimOptions } from './claims-options.js'
import type { GroupsClaimState } from './groups-claim-state.js'
import { Text } from './internal/codecs.js'
import { isJsonObject, JsonObject, jsonType } from './internal/json.js'
import { decodeWith, type DecodeFailure } from './io-ts-report.js'

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

/** The value at `path` (rule C3), `undefined` when a name on the way is missing. */
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
          `A ${source} claim on the way to the groups claim (see path) is a ${jsonType(value)}, not an object, so the groups claim cannot be in it. Check the claim path.`,
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
 * The overage marker for the claim (rule C6: OIDC Core 5.6.2 distributed claims; Microsoft
 * Entra's `hasgroups` too), `undefined` when there is none.
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
          `The ${source} names a distributed source for the groups claim that is a ${jsonType(claimSourceName)}, not a string.`,
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

/** Where a claim value's shape is wrong: the offending element's index, when in an array. */
const offendingIndex = (failure: DecodeFailure): number | undefined =>
  failure.path[0] === undefined ? undefined : Number(failure.path[0])

/** A list claim: an array of strings (rule C5); a string is read before this is asked. */
const decodeList = decodeWith(t.readonlyArray(Text), offendingIndex)

/** An object-keyed claim (rule C10): one object, or an array of objects. */
const decodeObjects = decodeWith(t.readonlyArray(JsonObject), offendingIndex)

/** The entries of a claim value that is there, or why its shape is not the configured one. */
function entriesOf(
  value: unknown,
  path: ClaimPath,
  source: ClaimSource,
  options: ResolvedClaimOptions,
): Either<ClaimsError, readonly string[]> {
  if (options.shape === 'object-keys') {
    // Zitadel's tokens carry one object keyed by role; its reference documentation shows that
    // object inside an array. Both are read: the entries are the member names of every object.
    const objects = decodeObjects(Array.isArray(value) ? value : [value])
    if (isLeft(objects)) {
      const index = Array.isArray(value) ? objects.left : undefined
      const offending: unknown = index === undefined ? value : (value as unknown[])[index]
      return left(
        malformed(
          `The ${source} groups claim ${index === undefined ? `is a ${jsonType(value)}` : `holds a ${jsonType(offending)} at index ${index}`}; with shape object-keys it must be an object keyed by group (or an array of such objects).`,
          path,
          source,
          offending,
          index,
        ),
      )
    }
    const names = new Set(objects.right.flatMap((object) => Object.keys(object)))
    // JSON object members have no order (RFC 8259), and JavaScript would put integer-like keys
    // first; sorting by code units gives every port the same list.
    return right([...names].sort(compareCodeUnits))
  }
  if (typeof value === 'string') {
    return right(options.delimiter === undefined ? [value] : value.split(options.delimiter))
  }
  const list = decodeList(value)
  if (isLeft(list)) {
    const index = list.left
    const offending: unknown = index === undefined ? value : (value as unknown[])[index]
    return left(
      malformed(
        index === undefined
          ? `The ${source} groups claim is a ${jsonType(value)}; it must be an array of strings or a string.`
          : `The ${source} groups claim holds a ${jsonType(offending)} at index ${index}; every entry must be a string.`,
        path,
        source,
        offending,
        index,
      ),
    )
  }
  return right(list.right)
}

const normalisers: Record<KeycloakPathMode, (entry: string) => string> = {
  off: (entry) => entry,
  leaf: (entry) => (entry.startsWith('/') ? entry.slice(entry.lastIndexOf('/') + 1) : entry),
  'strip-leading-slash': (entry) => (entry.startsWith('/') ? entry.slice(1) : entry),
}

/** The state of entries as sent: the limits (rule C6), empty entries, the value mapping. */
export function stateOf(
  entries: readonly string[],
  source: ClaimSource,
  options: ResolvedClaimOptions,
): GroupsClaimState {
  const count = entries.length
  if (count > options.maxGroups) return { state: 'over-limit', source, reason: 'too-many', count }
  const normalise = normalisers[options.keycloakPaths]
  const groups: string[] = []
  for (let index = 0; index < count; index += 1) {
    const name = normalise(entries[index] ?? '')
    if (name.includes('\u0000')) {
      return { state: 'over-limit', source, reason: 'nul-character', count, index }
    }
    if (name.length > options.maxNameLength) {
      return {
        state: 'over-limit',
        source,
        reason: 'name-too-long',
        count,
        index,
        length: name.length,
      }
    }
    if (name !== '') groups.push(name)
  }
  const droppedEmpty = count - groups.length
  if (options.valueMapping === undefined) {
    return { state: 'present', groups, source, droppedEmpty }
  }
  const mapped = applyClaimValueMapping(groups, options.valueMapping)
  return { state: 'present', groups: mapped.groups, source, droppedEmpty, sent: groups }
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
  if (value.right === undefined) return overage(root, options.path, source)
  const entries = entriesOf(value.right, options.path, source, options)
  return isLeft(entries) ? entries : right(stateOf(entries.right, source, options))
}
