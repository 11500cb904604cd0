import type { Either } from 'fp-ts/lib/Either.js'
import { isLeft, left, right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { formatJsonPointer } from './claim-path.js'
import { ClaimsError } from './claims-error.js'
import { Flag, NonEmptyText, recordByName, Text } from './internal/codecs.js'
import { compileGlob, matchGlob, type Glob } from './internal/glob.js'
import { jsonType, quoted } from './internal/json.js'
import { commonNameOfDn } from './internal/ldap-dn.js'
import { decodeWith, strictObject, type DecodeFailure } from './io-ts-report.js'

const AliasNames = t.union(
  [NonEmptyText, t.readonlyArray(NonEmptyText)],
  'a non-empty name or a list of them',
)

/** The codec of the `filter` step: unknown fields are refused. */
const FilterCodec = strictObject(
  t.readonly(
    t.partial({
      prefixes: t.readonlyArray(NonEmptyText, 'a list of non-empty strings'),
      globs: t.readonlyArray(Text, 'a list of strings'),
    }),
  ),
  'an object of prefixes, globs or both',
)

/**
 * The io-ts codec of {@link ClaimValueMapping}: what a mapping is decoded with. In the order
 * rule C9 checks the steps (unknown steps first, then an unknown field of `filter`, then each
 * step's value in this order); aliases are checked by name in code-unit order.
 */
export const ClaimValueMappingCodec = strictObject(
  t.readonly(
    t.partial({
      ldapDnCn: Flag,
      filter: FilterCodec,
      stripPrefix: NonEmptyText,
      aliases: recordByName(AliasNames, 'an object of value → name or names'),
    }),
  ),
  'an object of ldapDnCn, filter, stripPrefix or aliases',
)

/**
 * Opt-in rewriting of the claim's entries after they are read and before they are matched
 * (rules C11–C14 of `docs/rules.md`). The steps run in this order, each on what the one before
 * left: the CN of an LDAP DN, the filter, the prefix strip, the alias table. Fields, every one
 * optional, no other allowed:
 * - `ldapDnCn`: take the CN of entries that are LDAP distinguished names (RFC 4514); others stay
 *   as sent;
 * - `filter`: keep only entries that start with one of `prefixes` or match one of `globs` (`*`,
 *   `?`, `\` escapes; matched in linear time, never by a backtracking regular expression);
 * - `stripPrefix`: remove this prefix from entries that start with it;
 * - `aliases`: claim value → the org group name(s) it stands for; values not listed stay.
 *
 * @example
 * ```ts
 * // memberOf-style DNs of groups named app-*, matched as the name after "app-":
 * const valueMapping = { ldapDnCn: true, filter: { prefixes: ['app-'] }, stripPrefix: 'app-' }
 * // Entra object ids to the org's group names:
 * const entra = { aliases: { '0bfe3a9c-…': 'admins', '5f3a…': ['dev', 'ops'] } }
 * ```
 */
export type ClaimValueMapping = t.TypeOf<typeof ClaimValueMappingCodec>

/** A mapping checked and compiled: {@link CompiledClaimValueMapping.map} maps one entry. */
export interface CompiledClaimValueMapping {
  /** The names one entry as sent stands for, in order (none when the filter drops it). */
  readonly map: (entry: string) => readonly string[]
}

const invalid = (message: string, path: string, value: string): ClaimsError =>
  new ClaimsError('CLAIMS_INPUT_INVALID', message, { path, value })

/** The error of a mapping the codec refused: at the JSON Pointer of the part, with its type. */
const refusedMapping =
  (at: string) =>
  (failure: DecodeFailure): ClaimsError => {
    const where = formatJsonPointer(failure.path)
    const name = failure.path[failure.path.length - 1] ?? ''
    const message =
      failure.kind === 'unknown-key'
        ? `The valueMapping has an unknown ${failure.path.length === 1 ? 'step' : 'field'} ${quoted(name)}; the names there are ${failure.known.join(', ')}.`
        : where === ''
          ? `The valueMapping option must be ${failure.expected}.`
          : `The valueMapping's ${quoted(where)} must be ${failure.expected}.`
    return invalid(message, `${at}${where}`, jsonType(failure.value))
  }

/**
 * Checks a value mapping and compiles it. Errors are `CLAIMS_INPUT_INVALID` with `path` the
 * JSON Pointer of the offending part under `at` (default `/valueMapping`) and `value` its JSON
 * type; when several parts are wrong, the one rule C9 names.
 */
export function compileClaimValueMapping(
  mapping: unknown,
  at = '/valueMapping',
): Either<ClaimsError, CompiledClaimValueMapping> {
  const decoded = decodeWith(ClaimValueMappingCodec, refusedMapping(at))(mapping)
  if (isLeft(decoded)) return decoded
  const { ldapDnCn, filter, stripPrefix, aliases } = decoded.right
  const globs: Glob[] = []
  for (const [index, source] of (filter?.globs ?? []).entries()) {
    const glob = compileGlob(source)
    if (typeof glob === 'string') {
      return left(
        invalid(
          `The valueMapping glob ${quoted(source)} is invalid: ${glob}.`,
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
