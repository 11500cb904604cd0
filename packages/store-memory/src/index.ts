export { createMemoryMembershipStore } from './memory-membership-store.js'
export type { MemoryMembershipStoreOptions } from './memory-membership-store.js'
