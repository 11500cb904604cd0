import { describe } from 'vitest'
import { suiteOptions } from './internal/context.js'
import type { LoginContext, LoginSyncStoreSuite } from './internal/login-harness.js'
import { describeLoginRoleTests } from './internal/login-suite.js'
import { describeOffboardingTests } from './internal/offboarding-tests.js'

/**
 * Registers the contract suite of the login-sync role alone, for a store built with
 * `defineLoginSyncStore` over an application's own tables: the login unit (its snapshot, what it
 * applies, what it refuses), the slice rule, the rules of `decide`, token times, hostile names,
 * the concurrency of one user's logins and — when the store calls the fault hook — atomicity
 * under injected faults. The suite sets up groups, settings and memberships through `seed`, with
 * ids of the kinds `store.limits` states and names up to its `maxNameBytes`.
 *
 * When the store also has `removeUser` (`defineLoginSyncStore` over an adapter with a removal
 * unit), the offboarding tests run too: removal of every source (also while mapping is on), its
 * events in order (when the seed lists audit events), idempotence, a later login's `removedAt`,
 * and logins racing a removal explained by one serial order. On a store without it they are
 * reported as skipped.
 *
 * @example
 * ```ts
 * import { describeLoginSyncStore } from '@groupsync/store-contract'
 *
 * describeLoginSyncStore('teams tables', {
 *   makeStore: () => defineLoginSyncStore(teamsAdapter(pool)),
 *   seed: teamsSeed(pool),
 * })
 * ```
 */
export const describeLoginSyncStore = (name: string, suite: LoginSyncStoreSuite): void => {
  const { makeStore, seed, faultHook = false, ...options } = suite
  const ctx: LoginContext = {
    options: suiteOptions(options),
    faultHook,
    times: {},
    open: async (storeOptions) => {
      const store = await makeStore(storeOptions)
      return { store, seed, admin: undefined, close: () => store.close() }
    },
  }
  describe(`LoginSyncStore contract: ${name}`, { timeout: 60_000 }, () => {
    describeLoginRoleTests(ctx)
    describeOffboardingTests(ctx)
  })
}
