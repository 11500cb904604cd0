// @ts-check
// The membership diff: Part 1 of docs/rules.md. (The validated org index it may be given is the
// target org-index, run on demand, so that CI's run stays within minutes.)
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'core',
  packageDir: 'packages/core',
  mutate: ['packages/core/src/compute-membership-diff.ts'],
  breakAt: 80,
})
