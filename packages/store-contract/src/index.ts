// The public API of @groupsync/store-contract, for the author of a store: the two suites (a store
// with both roles, and a store with the login-sync role only), the options and the seed a store's
// test file writes, the names the suite throws at stores (for the store's own SQL-level tests),
// and the audit-log replay check for a store's own concurrency tests.
export { describeMembershipStore } from './describe-membership-store.js'
export { describeLoginSyncStore } from './describe-login-sync-store.js'
export type { DescribeMembershipStoreOptions } from './internal/context.js'
export type { LoginSyncSeed } from './internal/login-harness.js'
export { HOSTILE_NAMES } from './internal/hostile-names.js'
export { expectLogReplays } from './internal/log-replay.js'
