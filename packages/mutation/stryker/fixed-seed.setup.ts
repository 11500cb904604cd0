import { fc } from '@fast-check/vitest'

// A setup file of the mutation runs only (vitest.mutation.config.ts); `pnpm test` keeps fast-check's
// random seeds. @fast-check/vitest names each property test `<label> (with seed=<seed>)`, with a
// seed drawn when the test is registered unless one is configured globally. Stryker's vitest runner
// picks the tests of each mutant by the names it saw in its dry run, so a name with a fresh seed
// matched nothing: no property test ever ran against a mutant. One fixed seed keeps the names, and
// so makes each property run the same cases in the dry run and for every mutant.
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: 20_261_130 })
