// @ts-check
// Reading the groups claim and verifying the ID token: Part 2 of docs/rules.md. The mutants must
// be killed by the unit tests, which state each rule at its edges: the end-to-end suites (a real
// OpenID Provider, HTTP servers) start servers for every run, and the property file runs 10,000
// fuzz cases and 1,000 per property for every mutant that survives, which on two shared cores
// turns one run into hours.
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'claims',
  packageDir: 'packages/claims',
  mutate: [
    'packages/claims/src/claim-path.ts',
    'packages/claims/src/groups-claim.ts',
    'packages/claims/src/verify-id-token.ts',
  ],
  testFiles: ['packages/claims/test/!(*.e2e|*.properties).test.ts'],
  breakAt: 85,
})
