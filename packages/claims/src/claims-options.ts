import type { Either } from 'fp-ts/lib/Either.js'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { formatJsonPointer, parseClaimPath, type ClaimPath } from './claim-path.js'
import {
  ClaimValueMappingCodec,
  compileClaimValueMapping,
  type CompiledClaimValueMapping,
} from './claim-value-mapping.js'
import { ClaimsError } from './claims-error.js'
import { Count, NonEmptyText, Text } from './internal/codecs.js'
import { quoted } from './internal/json.js'
import { decodeWith, strictObject, type DecodeFailure } from './io-ts-report.js'

/** The io-ts codec of {@link ClaimSources}. */
export const ClaimSourcesCodec = t.keyof(
  { id_token: null, userinfo: null, id_token_then_userinfo: null },
  'id_token, userinfo or id_token_then_userinfo',
)

/**
 * Where to look for the groups claim: only the ID token, only the userinfo response, or the ID
 * token then userinfo (the first that carries the claim wins).
 */
export type ClaimSources = t.TypeOf<typeof ClaimSourcesCodec>

/** The io-ts codec of {@link KeycloakPathMode}. */
export const KeycloakPathModeCodec = t.keyof(
  { off: null, leaf: null, 'strip-leading-slash': null },
  'off, leaf or strip-leading-slash',
)

/**
 * The Keycloak full-path normaliser: `off` keeps entries as sent, `leaf` turns `/parent/child`
 * into `child`, `strip-leading-slash` turns it into `parent/child`. Entries without a leading
 * `/` are never changed.
 */
export type KeycloakPathMode = t.TypeOf<typeof KeycloakPathModeCodec>

/** The io-ts codec of {@link ClaimShape}. */
export const ClaimShapeCodec = t.keyof({ list: null, 'object-keys': null }, 'list or object-keys')

/**
 * How the claim's value holds the entries: `list` (an array of strings, or a string) or
 * `object-keys` (a JSON object whose member names are the entries, as Zitadel's
 * `urn:zitadel:iam:org:project:roles` is keyed by role).
 */
export type ClaimShape = t.TypeOf<typeof ClaimShapeCodec>

/** Every option but the value mapping, in the order rule C9 checks them. */
const optionFields = {
  path: Text,
  sources: ClaimSourcesCodec,
  delimiter: NonEmptyText,
  maxGroups: Count,
  maxNameLength: Count,
  keycloakPaths: KeycloakPathModeCodec,
  shape: ClaimShapeCodec,
}

/**
 * The io-ts codec of {@link GroupsClaimOptions}: what options from configuration are decoded
 * with, unknown options refused. The sync's policy decodes its `claimsOptions` with it.
 */
export const GroupsClaimOptionsCodec = strictObject(
  t.readonly(t.partial({ ...optionFields, valueMapping: ClaimValueMappingCodec })),
  'an object of groups claim options',
)

/**
 * How to find and read the groups claim. Every field is optional; no other is allowed (a
 * misspelt option would otherwise fall back to its default and read the wrong claim).
 *
 * - `path`: where the claim is: a claim name (`groups`), a dotted path with `\.` for a literal
 *   dot (`realm_access.roles`), or a JSON Pointer (`/https:~1~1example.com~1groups`). Default
 *   `groups`.
 * - `sources`: which sources to read ({@link ClaimSources}). Default `id_token_then_userinfo`.
 * - `delimiter`: split a string claim on this non-empty string; unset, a string is one group.
 * - `maxGroups`: more entries than this is `over-limit`. Default {@link DEFAULT_MAX_GROUPS}.
 * - `maxNameLength`: an entry longer than this (UTF-16 code units) is `over-limit`. Default
 *   {@link DEFAULT_MAX_NAME_LENGTH}.
 * - `keycloakPaths`: the Keycloak full-path normaliser ({@link KeycloakPathMode}). Default `off`.
 * - `shape`: how the value holds the entries ({@link ClaimShape}). Default `list`.
 * - `valueMapping`: opt-in rewriting of the entries before they are matched
 *   ({@link ClaimValueMapping}).
 *
 * @example
 * ```ts
 * const keycloakRoles: GroupsClaimOptions = { path: 'realm_access.roles', sources: 'id_token' }
 * ```
 */
export type GroupsClaimOptions = t.TypeOf<typeof GroupsClaimOptionsCodec>

/** Default maximum number of entries in a groups claim. */
export const DEFAULT_MAX_GROUPS = 10_000
/** Default maximum length of one group name, in UTF-16 code units. */
export const DEFAULT_MAX_NAME_LENGTH = 1_024

/** Options with their defaults applied, the path parsed and the value mapping compiled. */
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

const refusedOption = (failure: DecodeFailure): ClaimsError => {
  const [name] = failure.path
  if (name === undefined) {
    return new ClaimsError(
      'CLAIMS_INPUT_INVALID',
      'The groups claim options must be an object; leave them out for the defaults.',
      { path: '' },
    )
  }
  return new ClaimsError(
    'CLAIMS_INPUT_INVALID',
    failure.kind === 'unknown-key'
      ? `The groups claim option ${quoted(name)} is unknown; the options are ${failure.known.join(', ')}.`
      : `The groups claim option ${name} must be ${failure.expected}.`,
    { path: formatJsonPointer([name]) },
  )
}

/**
 * Rule C9's first three checks (the options are an object, no unknown option, each known one in
 * its domain): the value mapping is left for after the syntax of `path`, which C9 checks first.
 */
const decodeOptionFields = decodeWith(
  strictObject(t.readonly(t.partial({ ...optionFields, valueMapping: t.unknown }))),
  refusedOption,
)

/**
 * Checks the options in the order of rule C9 — their fields, the syntax of `path`, the value
 * mapping — and applies their defaults. Absent options are `{}`.
 */
export function resolveClaimOptions(
  options: unknown = {},
): Either<ClaimsError, ResolvedClaimOptions> {
  return pipe(
    decodeOptionFields(options),
    E.bindTo('given'),
    E.bind('path', ({ given }) => parseClaimPath(given.path ?? 'groups')),
    E.bind('valueMapping', ({ given }) =>
      given.valueMapping === undefined
        ? E.right(undefined)
        : compileClaimValueMapping(given.valueMapping),
    ),
    E.map(({ given, path, valueMapping }) => ({
      path,
      sources: given.sources ?? 'id_token_then_userinfo',
      delimiter: given.delimiter,
      maxGroups: given.maxGroups ?? DEFAULT_MAX_GROUPS,
      maxNameLength: given.maxNameLength ?? DEFAULT_MAX_NAME_LENGTH,
      keycloakPaths: given.keycloakPaths ?? 'off',
      shape: given.shape ?? 'list',
      valueMapping,
    })),
  )
}
