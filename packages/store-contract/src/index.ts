export { describeMembershipStore } from './describe-membership-store.js'
export type {
  ContractStoreOptions,
  DescribeMembershipStoreOptions,
  MakeStore,
  TestOnlyFaultHook,
} from './internal/context.js'
export { HOSTILE_NAMES, HOSTILE_UNICODE, UNSTORABLE_NAMES } from './internal/hostile-names.js'
export { replayLog } from './internal/model.js'
export type { ReplayedOrg } from './internal/model.js'
export { expectLogReplays } from './internal/model-tests.js'
