export { createMemoryMembershipStore } from './memory-membership-store.js'
export type {
  MemoryMembershipStoreOptions,
  MemoryStoreFaultPoint,
} from './memory-membership-store.js'
