// @ts-check
// The login sync's decision and policy code: Part 3 of docs/rules.md. Its unit tests state each
// rule of the pure decision; the end-to-end suites (a store, a provider, PGlite, a server) repeat
// them through I/O and take minutes per mutant on two cores, so they are not run here.
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'sync',
  packageDir: 'packages/sync',
  mutate: [
    'packages/sync/src/sync-policy.ts',
    'packages/sync/src/internal/decide-login.ts',
    'packages/sync/src/explain-membership-diff.ts',
  ],
  testFiles: ['packages/sync/test/{sync-policy,decide-login,provider-presets}.test.ts'],
  breakAt: 85,
})
