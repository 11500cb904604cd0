// @ts-check
// The rules of @groupsync/core at CI size: the membership diff (Part 1 of docs/rules.md) and the
// slice a login reads (rule 11), against every core test. CI runs this target and `claims`; the
// whole `core` target (these files and the validation layer every store is built with: about
// 1,100 mutants, over an hour of CPU) runs on demand with `pnpm mutation core`, too long for a CI
// run on two cores.
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'core-rules',
  packageDir: 'packages/core',
  mutate: ['packages/core/src/compute-membership-diff.ts', 'packages/core/src/org-group-slice.ts'],
  // 90, not core's 95: these two files hold 13 of core's equivalent mutants (listed with their
  // reasons in src/equivalents.ts) among 173, so the raw score of a perfect run is 92.5%; every
  // other mutant is killed (100.0% without the equivalents, docs/mutation.md).
  breakAt: 90,
})
