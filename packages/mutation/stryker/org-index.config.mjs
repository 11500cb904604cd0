// @ts-check
// The validated org index computeMembershipDiff may be given instead of the array of groups: an
// optimisation whose output must be identical (docs/rules.md Part 1). Run on demand.
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'org-index',
  packageDir: 'packages/core',
  mutate: ['packages/core/src/org-group-index.ts'],
  breakAt: 85,
})
