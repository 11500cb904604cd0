// @ts-check
// Reading the groups claim: rules C3-C7 of docs/rules.md. Run on demand (too long for CI on two
// cores); the unit tests must kill the mutants, as for the target claims.
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'groups-claim',
  packageDir: 'packages/claims',
  mutate: ['packages/claims/src/groups-claim.ts'],
  testFiles: ['packages/claims/test/!(*.e2e|*.properties).test.ts'],
  breakAt: 80,
})
