import type { MembershipStore } from '@groupsync/core'
import {
  openPostgresStore,
  type PostgresMembershipStoreOptions,
} from './create-postgres-membership-store.js'
import type { PostgresStoreFaultPoint } from './internal/store-context.js'

/**
 * TEST ONLY: `createPostgresMembershipStore` with a hook the store calls at named points inside
 * its transactions, while a write is half done; a throw there rolls the transaction back as a
 * crash would, and waiting there holds the unit of work (and its locks) open. For running the
 * store-contract suite with its fault tests, on groupsync's tables or your own.
 *
 * @example
 * ```ts
 * import { createPostgresMembershipStore } from '@groupsync/store-postgres/testing'
 * describeMembershipStore('teams', (o) => createPostgresMembershipStore({ pool, tables, ...o }))
 * ```
 */
export const createPostgresMembershipStore = (
  options: PostgresMembershipStoreOptions & {
    readonly testOnlyFaultHook?: (point: PostgresStoreFaultPoint) => void | Promise<void>
  },
): Promise<MembershipStore> => {
  const { testOnlyFaultHook, ...rest } = options
  return openPostgresStore(rest, testOnlyFaultHook)
}
