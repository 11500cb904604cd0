// @ts-check
// The login sync's decision and policy code: Part 3 of docs/rules.md. The pure decision of a login
// (decide-login.ts: rules S1, S3-S7, S12, S13), the claim-state policy applied to what a login
// carries (read-login-claim.ts: point 3 of the sync), the policy and its codec, the explanation of
// a diff and its diagnostics as sent, and the freshness rule (S11). Their unit tests state each
// rule; the login suite on the memory store and the property that planOnLogin agrees with
// syncOnLogin run each through the whole pipeline in about a second. The suites that need
// PGlite, a server, a provider or 100,000 fuzzed logins take minutes per mutant on two cores, so
// they are not run here.
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'sync',
  packageDir: 'packages/sync',
  mutate: [
    'packages/sync/src/internal/decide-login.ts',
    'packages/sync/src/internal/read-login-claim.ts',
    'packages/sync/src/internal/report-as-sent.ts',
    'packages/sync/src/sync-policy.ts',
    'packages/sync/src/explain-membership-diff.ts',
    'packages/sync/src/sync-freshness.ts',
  ],
  include: [
    'test/decide-login*.test.ts',
    'test/sync-policy.test.ts',
    'test/provider-presets.test.ts',
    'test/report-as-sent.test.ts',
    'test/sync-freshness.test.ts',
    'test/plan-agrees-with-sync.test.ts',
    'test/login-sync.memory.test.ts',
  ],
  breakAt: 85,
})
