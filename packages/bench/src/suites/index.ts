import type { BenchSuite } from '../suite.js'
import { claimVerificationSuite } from './claim-verification/claim-verification.suite.js'
import { directoryLookupSuite } from './directory-lookup/directory-lookup.suite.js'
import { loginBurstSuite } from './login-burst/login-burst.suite.js'
import { loginScaleSuite } from './login-scale/login-scale.suite.js'
import { loginWireSuite } from './login-wire/login-wire.suite.js'
import { loginThroughputSuite } from './login-throughput/login-throughput.suite.js'
import { membershipDiffSuite } from './membership-diff/membership-diff.suite.js'
import { storeSyncSuite } from './store-sync/store-sync.suite.js'

/**
 * Every suite `pnpm bench` runs, in order. A new suite goes in its own folder under `suites/`
 * and is listed here; it writes its own section of `docs/benchmarks.md`.
 */
export const suites: readonly BenchSuite[] = [
  membershipDiffSuite,
  claimVerificationSuite,
  storeSyncSuite,
  loginThroughputSuite,
  loginBurstSuite,
  loginScaleSuite,
  loginWireSuite,
  directoryLookupSuite,
]
