import { decodeWith, type DecodeFailure } from '@groupsync/claims'
import * as t from 'io-ts'
import { SyncError } from '../errors.js'
import { guarded } from './codecs.js'

const invalidInput =
  (message: string) =>
  (failure: DecodeFailure): SyncError =>
    new SyncError('SYNC_INPUT_INVALID', message, {
      path: failure.path.join('.') || 'input',
    })

/**
 * Whose login it is, checked first: the org and the user name the store's unit of work. The rest
 * of the input is the claims package's and is checked when the claim is read, which a login to an
 * org without mapping never does (rule S1).
 */
export const decodeLoginIdentity = decodeWith(
  t.type({ orgId: t.string, userId: t.string }),
  invalidInput(
    "The login input's orgId and userId must be strings; pass the login's organisation and user ids.",
  ),
)

/** The claims of a token the caller verified already. */
export const decodeVerifiedClaims = decodeWith(
  t.type({
    claims: guarded(
      'an object',
      (u): u is Readonly<Record<string, unknown>> =>
        typeof u === 'object' && u !== null && !Array.isArray(u),
    ),
  }),
  invalidInput(
    'The login input has `claims` that is not an object; pass the verified ID token claims (e.g. openid-client `claims()`).',
  ),
)

/** An ID token for the sync to verify. */
export const decodeIdToken = decodeWith(
  t.type({ idToken: t.string }),
  invalidInput(
    'The login input has neither an `idToken` string nor a `claims` object; pass one of them.',
  ),
)
