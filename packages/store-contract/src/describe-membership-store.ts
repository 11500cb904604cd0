import { describe } from 'vitest'
import { describeAtomicityTests } from './internal/atomicity-tests.js'
import {
  suiteOptions,
  type DescribeMembershipStoreOptions,
  type MakeStore,
} from './internal/context.js'
import { describeGroupTests } from './internal/group-tests.js'
import { describeHostileNameTests } from './internal/hostile-name-tests.js'
import { describeAdminLimitTests } from './internal/limit-tests.js'
import { describeLifecycleTests } from './internal/lifecycle-tests.js'
import { describeListingTests } from './internal/listing-tests.js'
import { seedFromAdmin, type LoginContext } from './internal/login-harness.js'
import { describeLoginRoleTests } from './internal/login-suite.js'
import { describeManualChangeTests } from './internal/manual-change-tests.js'
import { describeModelTests } from './internal/model-tests.js'
import { describeOffboardingTests } from './internal/offboarding-tests.js'
import { describeSettingsTests } from './internal/settings-tests.js'

/**
 * Registers the contract suite every `MembershipStore` must pass, as a vitest `describe` block:
 * every test of the login-sync role (run with a seed built from the admin role), then the admin
 * role's — groups, settings, manual changes and their lock, offboarding, listings, hostile names —
 * a model-based property over random operations, the audit-log replay, concurrency, and
 * atomicity under injected faults.
 *
 * Call it from a store package's test file. `makeStore` is called once per test (and once per
 * property); the stores it returns may share one database, because each test works in its own
 * organisations. The store must call `testOnlyFaultHook` inside its writes (and await it: the
 * suite holds a unit of work open there). The suite reads `store.limits` and makes its ids of the
 * store's kinds and its longest names at the store's limit.
 *
 * @example
 * ```ts
 * import { describeMembershipStore } from '@groupsync/store-contract'
 * import { createMemoryMembershipStore } from '../src/index.js'
 *
 * describeMembershipStore('memory store', (options) => createMemoryMembershipStore(options))
 * ```
 */
export const describeMembershipStore = (
  name: string,
  makeStore: MakeStore,
  options: DescribeMembershipStoreOptions = {},
): void => {
  const ctx: LoginContext = {
    options: suiteOptions(options),
    faultHook: true,
    times: {},
    open: async (storeOptions) => {
      const store = await makeStore(storeOptions)
      return { store, seed: seedFromAdmin(store), admin: store, close: () => store.close() }
    },
  }
  // Generous per-test time: a busy CI machine shares its cores; nothing here measures speed.
  describe(`MembershipStore contract: ${name}`, { timeout: 60_000 }, () => {
    describeLoginRoleTests(ctx)
    describeGroupTests(ctx)
    describeSettingsTests(ctx)
    describeManualChangeTests(ctx)
    describeOffboardingTests(ctx)
    describeListingTests(ctx)
    describeLifecycleTests(ctx)
    describeHostileNameTests(ctx)
    describeAdminLimitTests(ctx)
    describeModelTests(ctx)
    describeAtomicityTests(ctx)
  })
}
