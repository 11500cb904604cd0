import { describe } from 'vitest'
import type {
  ContractContext,
  DescribeMembershipStoreOptions,
  MakeStore,
} from './internal/context.js'
import { describeAtomicityTests } from './internal/atomicity-tests.js'
import { describeAuditLogTests } from './internal/audit-log-tests.js'
import { describeConcurrencyTests } from './internal/concurrency-tests.js'
import { describeExampleTests } from './internal/example-tests.js'
import { describeModelTests } from './internal/model-tests.js'
import { describeTokenTimeTests } from './internal/token-time-tests.js'

/**
 * Registers the contract suite every `MembershipStore` must pass, as a vitest `describe` block:
 * examples of every operation (hostile names included), a model-based property over random
 * operations, 50 concurrent syncs of one user, and atomicity under injected faults.
 *
 * Call it from a store package's test file. `makeStore` is called once per test (and once per
 * property); the stores it returns may share one database, because each test works in its own
 * organisations.
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
  const ctx: ContractContext = {
    makeStore,
    options: {
      modelRuns: options.modelRuns ?? 40,
      concurrencyRuns: options.concurrencyRuns ?? 3,
      parallelUsers: options.parallelUsers ?? true,
      slowTestTimeoutMs: options.slowTestTimeoutMs ?? 120_000,
    },
  }
  // Generous per-test time: a busy CI machine shares its cores; nothing here measures speed.
  describe(`MembershipStore contract: ${name}`, { timeout: 60_000 }, () => {
    describeExampleTests(ctx)
    describeAuditLogTests(ctx)
    describeTokenTimeTests(ctx)
    describeModelTests(ctx)
    describeConcurrencyTests(ctx)
    describeAtomicityTests(ctx)
  })
}
