// @ts-check
// Reading the groups claim: rules C3-C7 and C9 of docs/rules.md (the options, the extraction,
// reading one claims object). Run on demand (too long for CI on two cores: a full run is about
// 330 mutants and 8-10 minutes); the unit tests must kill the mutants, as for the target claims.
// The threshold sits just below the last full run's score (97.3%).
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'groups-claim',
  packageDir: 'packages/claims',
  mutate: [
    'packages/claims/src/claims-options.ts',
    'packages/claims/src/extract-groups-claim.ts',
    'packages/claims/src/read-groups-from.ts',
  ],
  include: ['test/!(*.e2e|*.properties).test.ts'],
  breakAt: 95,
})
