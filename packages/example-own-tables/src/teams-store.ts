import {
  defineLoginSyncStore,
  type ClosableStore,
  type LoginSyncStore,
  type UserRemovalStore,
} from '@groupsync/core'
import type { SqlClient } from '@groupsync/store-postgres'
import { teamsLoginSyncAdapter } from './teams-login-sync.js'
import { teamsUserRemovalAdapter } from './teams-user-removal.js'

/**
 * The application's login-sync store, with offboarding: `syncOnLogin(input, { store:
 * teamsLoginSyncStore(db) })`, and `store.removeUser(orgId, userId, { actor })` when the
 * application deletes a user.
 *
 * @example
 * ```ts
 * const store = teamsLoginSyncStore(fromPgPool(pool))
 * await syncOnLoginAsync({ orgId, userId, idToken }, { store, claimsOptions })
 * ```
 */
export const teamsLoginSyncStore = (
  db: SqlClient,
): LoginSyncStore & UserRemovalStore & ClosableStore =>
  defineLoginSyncStore({ ...teamsLoginSyncAdapter(db), ...teamsUserRemovalAdapter(db) })
