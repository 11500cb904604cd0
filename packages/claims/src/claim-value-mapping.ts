import type { Either } from 'fp-ts/lib/Either.js'
import { isLeft, left, right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { compareCodeUnits } from '@groupsync/core'
import { ClaimsError } from './claims-error.js'
import { compileGlob, matchGlob, type Glob } from './internal/glob.js'
import { commonNameOfDn } from './internal/ldap-dn.js'

const NonEmptyString = t.refinement(t.string, (s) => s !== '', 'NonEmptyString')
const AliasNames = t.union([NonEmptyString, t.readonlyArray(NonEmptyString)])

/**
 * Opt-in rewriting of the claim's entries after they are read and before they are matched
 * (rules C11–C14 of `docs/rules.md`). The steps run in this order, each on what the one before
 * left: the CN of an LDAP DN, the filter, the prefix strip, the alias table.
 *
 * @example
 * ```ts
 * // memberOf-style DNs of groups named app-*, matched as the name after "app-":
 * const valueMapping = { ldapDnCn: true, filter: { prefixes: ['app-'] }, stripPrefix: 'app-' }
 * // Entra object ids to the org's group names:
 * const entra = { aliases: { '0bfe3a9c-…': 'admins', '5f3a…': ['dev', 'ops'] } }
 * ```
 */
export const ClaimValueMappingCodec = t.partial({
  ldapDnCn: t.boolean,
  filter: t.partial({
    prefixes: t.readonlyArray(NonEmptyString),
    globs: t.readonlyArray(t.string),
  }),
  stripPrefix: NonEmptyString,
  aliases: t.record(t.string, AliasNames),
})

/**
 * Opt-in rewriting of the claim's entries; the codec above, whose unknown keys are refused. Fields:
 * - `ldapDnCn`: take the CN of entries that are LDAP distinguished names (RFC 4514); others stay
 *   as sent;
 * - `filter`: keep only entries that start with one of `prefixes` or match one of `globs` (`*`,
 *   `?`, `\` escapes; matched in linear time, never by a backtracking regular expression);
 * - `stripPrefix`: remove this prefix from entries that start with it;
 * - `aliases`: claim value → the org group name(s) it stands for; values not listed stay.
 */
export type ClaimValueMapping = t.TypeOf<typeof ClaimValueMappingCodec>

/** A mapping checked and compiled: {@link CompiledClaimValueMapping.map} maps one entry. */
export interface CompiledClaimValueMapping {
  /** The names one entry as sent stands for, in order (none when the filter drops it). */
  readonly map: (entry: string) => readonly string[]
}

const invalid = (message: string, path: string, value?: string): ClaimsError =>
  new ClaimsError('CLAIMS_INPUT_INVALID', message, value === undefined ? { path } : { path, value })

const jsonType = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value

const escapePointer = (name: string): string => name.replaceAll('~', '~0').replaceAll('/', '~1')

/**
 * The least key of `value` (by code units) outside `allowed`, when `value` is an object. JSON
 * members have no order, so "the first" would differ between ports.
 */
const unknownKey = (value: unknown, allowed: readonly string[]): string | undefined =>
  t.UnknownRecord.is(value)
    ? Object.keys(value)
        .filter((key) => !allowed.includes(key))
        .sort(compareCodeUnits)[0]
    : undefined

/**
 * Checks a value mapping and compiles it. Errors are `CLAIMS_INPUT_INVALID` with `path` the
 * JSON Pointer of the offending option under `at` (default `/valueMapping`).
 */
export function compileClaimValueMapping(
  mapping: unknown,
  at = '/valueMapping',
): Either<ClaimsError, CompiledClaimValueMapping> {
  if (!t.UnknownRecord.is(mapping)) {
    return left(invalid('The valueMapping option must be an object.', at, jsonType(mapping)))
  }
  // A misspelt step (`stripPrefixes`) would otherwise be ignored and the entries matched unmapped.
  const topKey = unknownKey(mapping, Object.keys(ClaimValueMappingCodec.props))
  if (topKey !== undefined) {
    return left(
      invalid(
        `The valueMapping step "${topKey}" is unknown; the steps are ldapDnCn, filter, stripPrefix and aliases.`,
        `${at}/${escapePointer(topKey)}`,
      ),
    )
  }
  const filterKey = unknownKey(mapping['filter'], ['prefixes', 'globs'])
  if (filterKey !== undefined) {
    return left(
      invalid(
        `The valueMapping filter field "${filterKey}" is unknown; the fields are prefixes and globs.`,
        `${at}/filter/${escapePointer(filterKey)}`,
      ),
    )
  }
  const decoded = ClaimValueMappingCodec.decode(mapping)
  if (isLeft(decoded)) {
    const error = decoded.left[0]
    let path = (error?.context ?? []).slice(1).map((entry) => entry.key)
    let offending = error?.value
    if (path[0] === 'aliases' && path.length > 1) {
      // io-ts meets the aliases in JavaScript's key order (integer-like names first); the least
      // invalid name by code units is the same in every port. The alias's name is path enough.
      const table = mapping['aliases'] as Readonly<Record<string, unknown>>
      const name = Object.keys(table)
        .filter((key) => !AliasNames.is(table[key]))
        .sort(compareCodeUnits)[0]
      path = ['aliases', name ?? '']
      offending = table[name ?? '']
    }
    return left(
      invalid(
        'The valueMapping is invalid: ldapDnCn is a boolean, filter.prefixes and stripPrefix are non-empty strings, filter.globs strings, aliases map a value to a non-empty name or a list of them.',
        `${at}/${path.map(escapePointer).join('/')}`,
        jsonType(offending),
      ),
    )
  }
  const { ldapDnCn, filter, stripPrefix, aliases } = decoded.right
  const globs: Glob[] = []
  for (const [index, source] of (filter?.globs ?? []).entries()) {
    const glob = compileGlob(source)
    if (typeof glob === 'string') {
      return left(
        invalid(
          `The valueMapping glob ${JSON.stringify(source)} is invalid: ${glob}.`,
          `${at}/filter/globs/${index}`,
          'string',
        ),
      )
    }
    globs.push(glob)
  }
  const prefixes = filter?.prefixes ?? []
  if (filter !== undefined && prefixes.length === 0 && globs.length === 0) {
    // An empty filter keeps nothing: every login would remove every membership.
    return left(
      invalid(
        'The valueMapping filter has no prefix and no glob, so it would drop every entry; give at least one, or remove the filter.',
        `${at}/filter`,
        'object',
      ),
    )
  }
  const table = new Map<string, readonly string[]>()
  for (const [value, names] of Object.entries(aliases ?? {})) {
    table.set(value, typeof names === 'string' ? [names] : names)
  }

  const map = (entry: string): readonly string[] => {
    let value = entry
    if (ldapDnCn === true) value = commonNameOfDn(value) ?? value
    if (
      filter !== undefined &&
      !prefixes.some((prefix) => value.startsWith(prefix)) &&
      !globs.some((glob) => matchGlob(glob, value))
    ) {
      return []
    }
    if (stripPrefix !== undefined && value.startsWith(stripPrefix)) {
      value = value.slice(stripPrefix.length)
    }
    return table.get(value) ?? (value === '' ? [] : [value])
  }
  return right({ map })
}

/** The entries after a mapping, and for each name the entries as sent that gave it. */
export interface MappedClaimValues {
  /** The names, in the order of the entries that gave them (duplicates kept). */
  readonly groups: readonly string[]
  /** Name → the distinct entries as sent that map to it, in claim order. */
  readonly origins: ReadonlyMap<string, readonly string[]>
}

/**
 * Applies a compiled mapping to entries as sent and records where each name came from, so that
 * diagnostics (unmatched entries, case-only near misses) can name entries as the provider sent
 * them.
 */
export function applyClaimValueMapping(
  entries: readonly string[],
  mapping: CompiledClaimValueMapping,
): MappedClaimValues {
  const groups: string[] = []
  const origins = new Map<string, string[]>()
  const seen = new Map<string, Set<string>>()
  for (const entry of entries) {
    for (const name of mapping.map(entry)) {
      groups.push(name)
      const from = seen.get(name)
      if (from === undefined) {
        seen.set(name, new Set([entry]))
        origins.set(name, [entry])
      } else if (!from.has(entry)) {
        from.add(entry)
        origins.get(name)?.push(entry)
      }
    }
  }
  return { groups, origins }
}
