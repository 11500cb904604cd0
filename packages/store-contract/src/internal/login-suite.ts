import { describeLoginAtomicityTests } from './atomicity-tests.js'
import { describeLoginConcurrencyTests } from './login-concurrency-tests.js'
import type { LoginContext } from './login-harness.js'
import { describeLoginInputTests } from './login-input-tests.js'
import { describeLoginLimitTests } from './limit-tests.js'
import { describeLoginUnitTests } from './login-unit-tests.js'
import { describeSliceTests } from './slice-tests.js'
import { describeTokenTimeTests } from './token-time-tests.js'

/** Every test that needs only the login-sync role (and a seed to set up state). */
export const describeLoginRoleTests = (ctx: LoginContext): void => {
  describeLoginUnitTests(ctx)
  describeLoginInputTests(ctx)
  describeLoginLimitTests(ctx)
  describeSliceTests(ctx)
  describeTokenTimeTests(ctx)
  describeLoginConcurrencyTests(ctx)
  describeLoginAtomicityTests(ctx)
}
