import { decodeWith } from '@groupsync/claims'
import * as t from 'io-ts'
import { SyncError } from '../errors.js'

/**
 * Whose login it is, checked first: the org and the user name the store's unit of work. The rest
 * of the input is the claims package's (`verifyLogin`) and is checked when the claim is read,
 * which a login to an org without mapping never does (rule S1).
 */
export const decodeLoginIdentity = decodeWith(
  t.type({ orgId: t.string, userId: t.string }),
  (failure) =>
    new SyncError(
      'SYNC_INPUT_INVALID',
      "The login input's orgId and userId must be strings; pass the login's organisation and user ids.",
      { path: failure.path.join('.') || 'input' },
    ),
)
