import { describe } from 'vitest'
import { describeManualChangeLock } from './login-sync.admin.suite.js'
import { describeClaimPolicy } from './login-sync.claim-policy.suite.js'
import { describeLoginDiff } from './login-sync.diff.suite.js'
import { loginSyncFixture, type Coverage } from './login-sync.fixture.js'
import { describeLoginReading } from './login-sync.reading.suite.js'
import { describeUserRemoval } from './login-sync.removal.suite.js'
import { describeLoginResult } from './login-sync.result.suite.js'
import type { StoreFactory } from './stores.js'

/**
 * The login-sync suite: each numbered point of the sync, every claim-state policy outcome, both
 * removal modes, the mass-removal guard, the manual-change lock, staleness and offboarding, with
 * real ES256-signed ID tokens. The store is made once per run; every test uses its own
 * organisation. `coverage` is `full` on the memory store and `representative` on the Postgres
 * stores (see {@link Coverage}).
 */
export function describeLoginSync(
  name: string,
  makeStore: StoreFactory,
  coverage: Coverage = 'full',
): void {
  // Generous timeouts: the whole repository's tests share two cores in CI. Nothing here is timed.
  describe(`login sync on ${name}`, { timeout: 60_000 }, () => {
    const t = loginSyncFixture(makeStore, coverage)
    describeLoginReading(t)
    describeClaimPolicy(t)
    describeLoginDiff(t)
    describeLoginResult(t)
    describeManualChangeLock(t)
    describeUserRemoval(t)
  })
}
