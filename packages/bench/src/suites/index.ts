import type { BenchSuite } from '../suite.js'
import { claimVerificationSuite } from './claim-verification/claim-verification.suite.js'
import { membershipDiffSuite } from './membership-diff/membership-diff.suite.js'

/**
 * Every suite `pnpm bench` runs, in order. A new suite goes in its own folder under `suites/`
 * and is listed here; it writes its own section of `docs/benchmarks.md`.
 */
export const suites: readonly BenchSuite[] = [membershipDiffSuite, claimVerificationSuite]
