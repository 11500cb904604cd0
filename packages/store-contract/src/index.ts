export { describeMembershipStore } from './describe-membership-store.js'
export type {
  ContractStoreOptions,
  DescribeMembershipStoreOptions,
  MakeStore,
  TestOnlyFaultHook,
} from './internal/context.js'
export { HOSTILE_NAMES, UNSTORABLE_NAMES } from './internal/hostile-names.js'
