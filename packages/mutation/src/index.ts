export { summariseReport, sourceBetween, totalScore } from './report.js'
export type {
  EquivalentMutant,
  FileSummary,
  MutantStatus,
  SourcePosition,
  StrykerFileResult,
  StrykerMutant,
  StrykerReport,
  SurvivorSummary,
} from './report.js'
export { MUTATION_DOC_HEAD, targetMarkdown } from './render.js'
export type { TargetRun } from './render.js'
export {
  CI_TARGETS,
  listTargets,
  parseMutationArgs,
  runMutation,
  UsageError,
} from './run-mutation.js'
export type { MutationArgs, MutationPaths } from './run-mutation.js'
export { EQUIVALENT_MUTANTS } from './equivalents.js'
