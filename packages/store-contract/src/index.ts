// The public API of @groupsync/store-contract: the two suites (a store with both roles, and a
// store with the login-sync role only), their options, the strings the suite throws at stores,
// and the audit-log replay for a store's own tests.
export { describeMembershipStore } from './describe-membership-store.js'
export { describeLoginSyncStore } from './describe-login-sync-store.js'
export type {
  ContractStoreOptions,
  DescribeMembershipStoreOptions,
  MakeStore,
  TestOnlyFaultHook,
} from './internal/context.js'
export type {
  LoginSyncSeed,
  LoginSyncStoreSuite,
  MakeLoginSyncStore,
} from './internal/login-harness.js'
export { HOSTILE_NAMES, HOSTILE_UNICODE, UNSTORABLE_NAMES } from './internal/hostile-names.js'
export { replayLog } from './internal/model.js'
export type { ReplayedOrg } from './internal/model.js'
export { expectLogReplays } from './internal/log-replay.js'
