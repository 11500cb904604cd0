// @ts-check
// The rules and the validation layer of @groupsync/core: the membership diff (Part 1 of
// docs/rules.md) and the validated org index it may be given, the slice a login reads (rule 11),
// the input rules every store enforces, and defineMembershipStore / defineLoginSyncStore, the one
// layer every store is built with (input checks, the closed state, the manual-change lock, the
// check of a decision's changes, copies and order of what adapters return). Every core test runs.
// CI runs it (incrementally, from incremental/core.json); a full run is about 950 mutants and 22
// minutes of CPU, so some 12 minutes on two quiet cores.
import { strykerTarget } from './base.mjs'

export default strykerTarget({
  name: 'core',
  packageDir: 'packages/core',
  mutate: [
    'packages/core/src/compute-membership-diff.ts',
    'packages/core/src/org-group-index.ts',
    'packages/core/src/org-group-slice.ts',
    'packages/core/src/define-store.ts',
    'packages/core/src/adapter-results.ts',
    'packages/core/src/store-lifecycle.ts',
    'packages/core/src/store-input.ts',
  ],
  breakAt: 95,
})
