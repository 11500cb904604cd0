import { GroupsyncError } from '@groupsync/core'

/** The options every coded error takes: its path, value and cause. */
type GroupsyncErrorOptions = NonNullable<ConstructorParameters<typeof GroupsyncError>[2]>

/**
 * The codes of a {@link ClaimsError}, once, for code that lists or checks them. Stable: match on
 * them, never on messages. When each is returned, and the fields each carries, is the table
 * "Errors of Part 2" of `docs/rules.md`.
 *
 * - `ID_TOKEN_INVALID`: the ID token failed verification; `value` is the jose error code
 *   (`ERR_JWT_EXPIRED`, `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`, …), `cause` the jose error.
 * - `GROUPS_CLAIM_MALFORMED`: the claim is not a string or an array of strings; `path` is where
 *   (a JSON Pointer), `index` the offending element of an array, `value` its JSON type.
 * - `USERINFO_SUB_MISMATCH`: the userinfo `sub` is not the ID token's (OIDC Core 5.3.2).
 * - `USERINFO_INVALID`: a signed userinfo response (`application/jwt`) failed verification;
 *   `value` is the jose error code.
 * - `CLAIM_PATH_INVALID`: the configured claim path cannot be parsed.
 * - `DISTRIBUTED_CLAIMS_FAILED`: a distributed claim could not be fetched or read; `value` says
 *   why (`TIMEOUT`, `TOO_LARGE`, `HTTP_STATUS`, …).
 * - `CLAIMS_INPUT_INVALID`: the input or the options are not what the API takes.
 */
export const CLAIMS_ERROR_CODES = [
  'ID_TOKEN_INVALID',
  'GROUPS_CLAIM_MALFORMED',
  'USERINFO_SUB_MISMATCH',
  'USERINFO_INVALID',
  'CLAIM_PATH_INVALID',
  'DISTRIBUTED_CLAIMS_FAILED',
  'CLAIMS_INPUT_INVALID',
] as const

/** A code of a {@link ClaimsError}; see {@link CLAIMS_ERROR_CODES}. */
export type ClaimsErrorCode = (typeof CLAIMS_ERROR_CODES)[number]

/** Where a claim was read from: the ID token, the userinfo response, or a distributed source. */
export type ClaimSource = 'id_token' | 'userinfo' | 'distributed'

/** Options of a {@link ClaimsError}, beyond those of every groupsync error. */
export interface ClaimsErrorOptions extends GroupsyncErrorOptions {
  /** The index of the offending element of an array claim. */
  readonly index?: number
  /** The source the offending claim was read from. */
  readonly source?: ClaimSource
}

/**
 * A login whose groups claim cannot be read: an invalid token, a malformed claim, a userinfo
 * response for another user, a bad path or option, or a failed distributed claim.
 *
 * @example
 * ```ts
 * if (E.isLeft(result) && result.left.code === 'GROUPS_CLAIM_MALFORMED') {
 *   log(result.left.path, result.left.index)
 * }
 * ```
 */
export class ClaimsError extends GroupsyncError<ClaimsErrorCode> {
  readonly _tag = 'ClaimsError'
  /** The index of the offending element of an array claim, if any. */
  readonly index: number | undefined
  /** The source the offending claim was read from, if any. */
  readonly source: ClaimSource | undefined

  constructor(code: ClaimsErrorCode, message: string, options: ClaimsErrorOptions = {}) {
    super(code, message, options)
    this.index = options.index
    this.source = options.source
  }
}
