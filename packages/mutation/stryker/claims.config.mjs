// @ts-check
// Verifying the ID token and parsing claim paths: rules C1 and C2 of docs/rules.md. (The groups
// claim itself is the target groups-claim, run on demand: its ~380 mutants take too long for CI.)
// The unit tests must kill the mutants, stating each rule at its edges: the end-to-end suites (a
// real OpenID Provider, HTTP servers) start servers for every run, and the property file runs
// 10,000 fuzz cases and 1,000 per property for every mutant that survives, which on two shared
// cores turns one run into hours.
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'claims',
  packageDir: 'packages/claims',
  mutate: ['packages/claims/src/claim-path.ts', 'packages/claims/src/verify-id-token.ts'],
  include: ['test/!(*.e2e|*.properties).test.ts'],
  breakAt: 90,
})
