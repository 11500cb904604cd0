import { fileURLToPath } from 'node:url'
import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../../vitest.shared.js'

// The vitest config of every mutation target: the packages' shared one, with the test files of a
// run sharing one worker and its module cache. Stryker switches mutants through a global at run
// time, not by reloading modules, so nothing needs a fresh import; without this, every mutant paid
// for importing jose, io-ts and fast-check again (seconds per mutant on two busy cores).
//
// A target that runs only some of its package's tests names them in `include` (stryker/base.mjs),
// which reaches this config as GROUPSYNC_MUTATION_INCLUDE: a JSON array of globs relative to the
// package directory.
//
// fixed-seed.setup.ts fixes fast-check's seed: Stryker finds a mutant's tests by the names of its
// dry run, and a property test's name holds its seed (see that file).
const include = process.env['GROUPSYNC_MUTATION_INCLUDE']
export default mergeConfig(
  shared,
  defineConfig({
    test: {
      isolate: false,
      setupFiles: [fileURLToPath(new URL('./fixed-seed.setup.ts', import.meta.url))],
      ...(include === undefined ? {} : { include: JSON.parse(include) as string[] }),
    },
  }),
)
