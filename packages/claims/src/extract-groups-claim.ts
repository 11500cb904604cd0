import type { Either } from 'fp-ts/lib/Either.js'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { formatJsonPointer } from './claim-path.js'
import { ClaimsError, type ClaimSource } from './claims-error.js'
import {
  resolveClaimOptions,
  type GroupsClaimOptions,
  type ResolvedClaimOptions,
} from './claims-options.js'
import type { GroupsClaimState } from './groups-claim-state.js'
import { JsonObject } from './internal/json.js'
import { decodeWith, strictObject, type DecodeFailure } from './io-ts-report.js'
import { readGroupsFrom } from './read-groups-from.js'

/** The io-ts codec of {@link ExtractGroupsClaimInput}: unknown members are refused. */
export const ExtractGroupsClaimInputCodec = strictObject(
  t.readonly(
    t.intersection([t.type({ idTokenClaims: JsonObject }), t.partial({ userinfo: JsonObject })]),
  ),
  'an object of idTokenClaims and an optional userinfo',
)

/**
 * Input of {@link extractGroupsClaim}: `idTokenClaims`, the claims of an ID token that was
 * already verified, and `userinfo`, the userinfo response body when the application fetched it.
 * Both must be JSON objects — the userinfo is typed as any value because it comes straight from
 * the provider, and {@link ExtractGroupsClaimInputCodec} checks it. No other member is allowed
 * (a misspelt `userInfo` would otherwise skip the check that the userinfo is the same user's).
 */
export type ExtractGroupsClaimInput = Omit<
  t.TypeOf<typeof ExtractGroupsClaimInputCodec>,
  'userinfo'
> & { readonly userinfo?: unknown }

const INPUT_MESSAGES: Readonly<Record<string, string>> = {
  idTokenClaims: 'idTokenClaims must be the JSON object of the ID token claims.',
  userinfo: 'userinfo must be the JSON object of the userinfo response.',
}

/** Rule C9's checks 6 and 7; an input that is not an object carries no ID token claims. */
const decodeInput = decodeWith(ExtractGroupsClaimInputCodec, (failure: DecodeFailure) => {
  const field = failure.path[0] ?? 'idTokenClaims'
  return new ClaimsError(
    'CLAIMS_INPUT_INVALID',
    INPUT_MESSAGES[field] ??
      'The input of extractGroupsClaim has a member other than idTokenClaims and userinfo.',
    { path: formatJsonPointer([field]) },
  )
})

type ClaimsObject = Readonly<Record<string, unknown>>

/**
 * The claims objects to read, in order (rule C4): the configured sources that were given. A
 * userinfo read at all must be about the ID token's user (OIDC Core 5.3.2).
 */
function sourcesToRead(
  input: t.TypeOf<typeof ExtractGroupsClaimInputCodec>,
  { sources }: ResolvedClaimOptions,
): Either<ClaimsError, readonly (readonly [ClaimSource, ClaimsObject])[]> {
  const { idTokenClaims, userinfo } = input
  if (sources === 'userinfo' && userinfo === undefined) {
    return E.left(
      new ClaimsError(
        'CLAIMS_INPUT_INVALID',
        'The groups claim is read from userinfo only, and no userinfo was given.',
        { path: '/userinfo' },
      ),
    )
  }
  if (userinfo !== undefined && sources !== 'id_token') {
    const sub = userinfo['sub']
    if (typeof sub !== 'string' || sub !== idTokenClaims['sub']) {
      return E.left(
        new ClaimsError(
          'USERINFO_SUB_MISMATCH',
          'The userinfo response is not for the user of the ID token (its sub differs); refuse the login and fetch userinfo with this login’s access token.',
          { path: '/sub', source: 'userinfo' },
        ),
      )
    }
  }
  const fromToken = [['id_token', idTokenClaims]] as const
  const fromUserinfo = userinfo === undefined ? [] : ([['userinfo', userinfo]] as const)
  return E.right(
    sources === 'id_token'
      ? fromToken
      : sources === 'userinfo'
        ? fromUserinfo
        : [...fromToken, ...fromUserinfo],
  )
}

/** The first source that carries the claim (or an overage marker for it) gives the state. */
function firstState(
  order: readonly (readonly [ClaimSource, ClaimsObject])[],
  options: ResolvedClaimOptions,
): Either<ClaimsError, GroupsClaimState> {
  for (const [source, root] of order) {
    const state = readGroupsFrom(root, source, options)
    if (E.isLeft(state) || state.right !== undefined) {
      return state as Either<ClaimsError, GroupsClaimState>
    }
  }
  return E.right({ state: 'absent' })
}

/**
 * Reads the state of the groups claim from the claims of a verified ID token and an optional
 * userinfo response. Pure: no I/O, never throws. The options, then the input, are checked in
 * the order of rule C9 before any claim is read.
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
  return pipe(
    resolveClaimOptions(options),
    E.bindTo('resolved'),
    E.bind('given', () => decodeInput(input)),
    E.bind('order', ({ given, resolved }) => sourcesToRead(given, resolved)),
    E.chain(({ order, resolved }) => firstState(order, resolved)),
  )
}
