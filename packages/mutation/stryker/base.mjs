// @ts-check
// What every mutation target shares. Stryker runs from the repository root (the runner in
// src/run-mutation.ts does that, and so must a hand-run `npx stryker run packages/mutation/stryker/X.config.mjs`),
// so its sandbox keeps the repository's layout: the tests read ../../../docs/vectors and each
// package's vitest config imports the shared one two levels up.

/**
 * A Stryker config for one target.
 *
 * @param {object} target
 * @param {string} target.name the target's name: the report files and the section of docs/mutation.md
 * @param {string} target.packageDir the package whose vitest config and tests run, e.g. `packages/core`
 * @param {string[]} target.mutate the files holding rules and security checks
 * @param {number} target.breakAt the mutation score under which the run fails (CI enforces it)
 * @param {string[]} [target.testFiles] only these test files, through Stryker's own `testFiles`
 *   option (default: every test of the package). Stryker 9.6.1 then activates a static mutant (code
 *   run when its module loads) only after the module has loaded, so every static mutant survives
 *   whatever the tests (stryker-js issue 6144): prefer `include`.
 * @param {string[]} [target.include] only the test files these globs match, relative to
 *   `packageDir` (e.g. `test/decide-login*.test.ts`): vitest's `include` in
 *   vitest.mutation.config.ts, which reads them from the environment variable
 *   GROUPSYNC_MUTATION_INCLUDE (Stryker's test runner processes inherit it). Static mutants then
 *   run as they should, in a fresh module load with the mutant active.
 * @returns {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export function strykerTarget({ name, packageDir, mutate, breakAt, testFiles, include }) {
  // Set or cleared for every target, so that one target's choice never leaks into the next
  // Stryker run that `pnpm mutation` starts from the same process.
  if (include === undefined) delete process.env['GROUPSYNC_MUTATION_INCLUDE']
  else process.env['GROUPSYNC_MUTATION_INCLUDE'] = JSON.stringify(include)
  return {
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    vitest: { configFile: 'packages/mutation/stryker/vitest.mutation.config.ts', dir: packageDir },
    ...(testFiles === undefined ? {} : { testFiles }),
    coverageAnalysis: 'perTest',
    mutate,
    // The machine is shared (2 cores); the runner's --concurrency overrides this.
    concurrency: 2,
    thresholds: { high: 95, low: 90, break: breakAt },
    reporters: ['json', 'clear-text', 'progress'],
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    clearTextReporter: { logTests: false, allowEmojis: false },
    // Committed: CI's `pnpm mutation --ci --incremental` reruns only the mutants whose code or
    // covering tests changed since the run that wrote it.
    incrementalFile: `packages/mutation/incremental/${name}.json`,
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
    // Built output and generated docs play no part in the tests: not copied to the sandbox.
    // (The packages' node_modules are symlinked, so workspace imports resolve to the real tree.)
    // docs/rules.md is copied: tests check code lists against its tables.
    ignorePatterns: [
      'dist',
      'coverage',
      '.turbo',
      '.groupsync',
      'docs/benchmarks.md',
      'docs/mutation.md',
      'docs/architecture.md',
      'docs/benchmarks',
    ],
  }
}
