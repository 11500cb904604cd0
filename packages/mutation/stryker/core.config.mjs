// @ts-check
// The membership diff and the validated org index it may be given: Part 1 of docs/rules.md.
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'core',
  packageDir: 'packages/core',
  mutate: ['packages/core/src/compute-membership-diff.ts', 'packages/core/src/org-group-index.ts'],
  breakAt: 85,
})
