import {
  defineMembershipStore,
  type MembershipStore,
  type MembershipStoreAdapter,
} from '@groupsync/core'
import { memoryStoreContext, type MemoryStoreFaultPoint } from './internal/memory-state.js'
import { orgChanges } from './internal/org-changes.js'
import { reads } from './internal/reads.js'
import { userUnits } from './internal/user-units.js'

export type { MemoryStoreFaultPoint } from './internal/memory-state.js'

/** Options of {@link createMemoryMembershipStore}. */
export interface MemoryMembershipStoreOptions {
  /** The clock of `createdAt`, audit `at` and removal times; `() => new Date()` by default. */
  readonly now?: () => Date
  /**
   * TEST ONLY. Called at each {@link MemoryStoreFaultPoint} while a write is half applied; a throw
   * (or rejection) there simulates a crash, and the store must then have written nothing. Never
   * set this in production code.
   */
  readonly testOnlyFaultHook?: (point: MemoryStoreFaultPoint) => void | Promise<void>
}

/**
 * Creates a membership store that keeps everything in memory: for tests, demos and single-process
 * tools. It is the memory adapter wrapped by core's `defineMembershipStore`, so it checks its
 * input, copies and orders its output exactly as every other store, and it has the same
 * semantics as the Postgres store: per-user serialisation (calls for one (org, user) queue,
 * other users do not wait), all-or-nothing writes, and a login that reads only its slice of the
 * organisation's groups. Its data is lost when the process ends.
 *
 * @example
 * ```ts
 * const store = createMemoryMembershipStore()
 * const admins = await store.createGroup('org1', 'Admins')
 * await store.addManualMember('org1', admins.id, 'alice', { actor: 'admin@org1' })
 * ```
 */
export const createMemoryMembershipStore = (
  options: MemoryMembershipStoreOptions = {},
): MembershipStore => {
  const now = options.now ?? (() => new Date())
  const ctx = memoryStoreContext(now, options.testOnlyFaultHook)
  const adapter: MembershipStoreAdapter = {
    ...userUnits(ctx),
    ...orgChanges(ctx),
    ...reads(ctx),
    // Called once the calls in flight have ended: nothing else can reach the data any more.
    close: () => {
      ctx.orgs.clear()
      return Promise.resolve()
    },
  }
  return defineMembershipStore(adapter, { now })
}
