import type { MembershipStore } from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'

/** A store for one test file, and how to dispose of it. */
export interface StoreHandle {
  readonly store: MembershipStore
  readonly dispose: () => Promise<void>
}

/** Makes a fresh store; each suite calls it once and gives every test its own org. */
export type StoreFactory = () => Promise<StoreHandle>

/** The in-memory store. */
export const memoryStore: StoreFactory = () => {
  const store = createMemoryMembershipStore()
  return Promise.resolve({ store, dispose: () => store.close() })
}
