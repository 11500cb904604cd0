import type { EquivalentMutant } from './report.js'

/**
 * The surviving mutants judged equivalent, each with the reason no test can tell it from the
 * original. Everything else that survives is a gap in the tests, to be closed with a test that
 * states the rule the mutant breaks.
 */
export const EQUIVALENT_MUTANTS: readonly EquivalentMutant[] = []
